// SPDX-License-Identifier: BSD-2-Clause
// Runs the real `dslite-aftr --replay` binary on a capture into a private
// temporary directory and loads what it wrote.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/counters_json.hpp"
#include "support/packet_builder.hpp"
#include "support/temp_dir.hpp"
#include "support/words.hpp"

namespace dslite::test {

struct ReplayFiles {
    int exit_status = -1;
    std::string stdout_text, stderr_text;
    Bytes b4_pcap, uplink_pcap, counters_json;  // the files as written
};

// Runs `binary --replay input --out-b4 .. --out-uplink .. --counters-json .. flags...`.
// Fails (nothing, `error` set) only if the run could not happen or left no files.
std::optional<ReplayFiles> run_replay(const std::string& binary, const std::string& input,
                                      const std::vector<std::string>& flags, std::string& error);

}  // namespace dslite::test
