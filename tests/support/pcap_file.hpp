// SPDX-License-Identifier: BSD-2-Clause
// Whole-file pcap reading and writing for tests, through libpcap so the
// files are exactly what tcpdump and the replay tool read and write.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/packet_builder.hpp"

namespace dslite::test {

// libpcap DLT values (LINKTYPE_RAW is written to the file for dlt_raw).
extern const int dlt_raw;
extern const int dlt_ethernet;

struct CaptureRecord {
    std::int64_t micros = 0;  // timestamp since the epoch
    Bytes data;
};

struct Capture {
    int dlt = 0;
    std::vector<CaptureRecord> records;
};

// On failure returns nothing and sets `error`.
std::optional<Capture> read_capture(const std::string& path, std::string& error);
bool write_capture(const std::string& path, const Capture& capture, std::string& error);

// The whole file, for byte-for-byte comparisons.
std::optional<Bytes> read_file(const std::string& path);

}  // namespace dslite::test
