// SPDX-License-Identifier: BSD-2-Clause
// Offline replay: runs the engine over a capture file, with the capture's
// timestamps as its clock, and writes what it sends to each side to capture
// files. Needs no privileges and no devices; same input, same output.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "aftr_options.hpp"
#include "binding_log.hpp"
#include "dslite/config.hpp"

namespace dslite::app {

struct ReplaySettings {
    std::string input;          // IPv6 packets go to the B4 side, IPv4 to the uplink side
    std::string out_b4;         // empty: packets for B4s are not kept
    std::string out_uplink;     // empty: packets for the uplink are not kept
    std::string counters_json;  // empty: no JSON file
};

// --replay, --out-b4, --out-uplink, --counters-json.
po::options_description replay_options();

// Nothing when --replay is absent (the other options then are errors).
Parsed<std::optional<ReplaySettings>> replay_settings(const po::variables_map& values);

// Returns the exit status. Non-zero counters go to `out`; a problem goes to
// `err` as one line: 2 if a file cannot be opened, 1 if reading or writing
// fails part way. The binding log, if any, is written as the capture is
// read, with the capture's timestamps as the records' times.
int run_replay(const ReplaySettings& settings, const std::vector<daemon::SinkSpec>& binding_log,
               const EngineConfig& config, std::ostream& out, std::ostream& err);

}  // namespace dslite::app
