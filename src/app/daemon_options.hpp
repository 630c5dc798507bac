// SPDX-License-Identifier: BSD-2-Clause
// The daemon's own options (the engine's are in aftr_options.hpp), into
// daemon::DaemonSettings. Like every option they work as flags and as
// `name = value` in --config files.
#pragma once

#include <iosfwd>

#include "aftr_options.hpp"
#include "dslite/deterministic.hpp"
#include "daemon_settings.hpp"

namespace dslite::app {

using daemon::DaemonSettings;

// --b4-device, --uplink-device, --control, --no-configure, --mtu, --threads.
po::options_description daemon_options();

// Checks without opening anything, so mistakes show before privileged calls.
Parsed<DaemonSettings> daemon_settings(const po::variables_map& values);

// --log-bindings (repeatable), for the daemon and for replay.
po::options_description binding_log_options();
Parsed<std::vector<daemon::SinkSpec>> binding_log_sinks(const po::variables_map& values);

// --print-deterministic-map: "PREFIX ADDRESS FIRST-LAST" per subscriber, in order.
void print_deterministic_map(const DeterministicMap& map, std::ostream& out);

}  // namespace dslite::app
