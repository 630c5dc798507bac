// SPDX-License-Identifier: BSD-2-Clause
// Writes IP packets to a pcap file as LINKTYPE_RAW, with the timestamps given.
#pragma once

#include <pcap/pcap.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

namespace dslite {

class CaptureWriter {
public:
    // Bytes kept of each packet. Longer ones (only an IPv6 packet carrying a
    // maximal IPv4 packet) are written truncated, their full length recorded.
    static constexpr int kSnapLength = 65535;

    // The writer (the file is created or emptied now), or one line saying why not.
    static std::variant<CaptureWriter, std::string> create(const std::string& path);

    void write(std::span<const std::uint8_t> ip, std::chrono::microseconds timestamp);
    // Flushes everything written so far; the error line if the file could not take it.
    std::optional<std::string> flush();

    std::uint64_t packets() const { return packets_; }

private:
    struct Close {
        void operator()(pcap_t* p) const { pcap_close(p); }
    };
    struct CloseDumper {
        void operator()(pcap_dumper_t* d) const { pcap_dump_close(d); }
    };
    CaptureWriter(std::unique_ptr<pcap_t, Close> pcap, std::unique_ptr<pcap_dumper_t, CloseDumper> dumper,
                  std::string path);

    // Declared after pcap_ so it is closed first.
    std::unique_ptr<pcap_t, Close> pcap_;
    std::unique_ptr<pcap_dumper_t, CloseDumper> dumper_;
    std::string path_;
    std::uint64_t packets_ = 0;
};

}  // namespace dslite
