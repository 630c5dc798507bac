// SPDX-License-Identifier: BSD-2-Clause
// Reads IP packets and their timestamps from a pcap or pcapng file, whatever
// link layer they were captured on (see link_layer.hpp).
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

struct CapturedPacket {
    std::span<const std::uint8_t> ip;  // valid until the next call to next()
    std::chrono::microseconds timestamp;
    bool truncated;  // the capture kept fewer bytes than were on the wire
};

class CaptureReader {
public:
    // The reader, or one line saying why the file cannot be read.
    static std::variant<CaptureReader, std::string> open(const std::string& path);

    // The next IP packet; nothing at the end of the file or when reading
    // fails (then error() says why). Frames that carry no IP are skipped.
    std::optional<CapturedPacket> next();

    const std::string& error() const { return error_; }
    int link_type() const { return link_type_; }
    std::uint64_t frames() const { return frames_; }    // every frame read
    std::uint64_t skipped() const { return skipped_; }  // frames without IPv4/IPv6 in them

private:
    struct Close {
        void operator()(pcap_t* p) const { pcap_close(p); }
    };
    CaptureReader(std::unique_ptr<pcap_t, Close> pcap, std::string path);

    std::unique_ptr<pcap_t, Close> pcap_;
    std::string path_;
    std::string error_;
    int link_type_ = 0;
    std::uint64_t frames_ = 0;
    std::uint64_t skipped_ = 0;
};

}  // namespace dslite
