// SPDX-License-Identifier: BSD-2-Clause
// Logs go to stderr, so stdout stays free for what a command prints
// (replay's counters).
#pragma once

#include <spdlog/common.h>

namespace dslite::app {

void start_logging(spdlog::level::level_enum level);

}  // namespace dslite::app
