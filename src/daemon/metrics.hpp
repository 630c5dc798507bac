// SPDX-License-Identifier: BSD-2-Clause
// The Prometheus text format (exposition format 0.0.4) of what `dslite-ctl
// stats` shows (issue 13): every engine counter as a `_total` counter, the
// drop reasons as one metric with a `reason` label, the daemon's gauges and
// each device's counts, one series per engine thread (label `thread`).
#pragma once

#include <span>
#include <string>

#include "control_protocol.hpp"

namespace dslite::daemon {

// The text of GET /metrics over every engine's stats view, in thread order.
std::string metrics_text(std::span<const EngineView> views);

}  // namespace dslite::daemon
