// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl capture: asks the daemon for a capture and writes the pcapng
// it streams to a file or stdout, whole blocks only, so the file reads back
// whatever ends it (--count, SIGINT or SIGTERM, the daemon stopping).
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace dslite::ctl {

// `args`: what follows the command. Returns the exit status: 0, 1 when the
// daemon cannot be reached or the output not written, 2 for a bad option.
int run_capture(const std::string& control, std::span<const std::string_view> args);

}  // namespace dslite::ctl
