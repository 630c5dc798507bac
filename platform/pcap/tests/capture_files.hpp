// SPDX-License-Identifier: BSD-2-Clause
// Test fixtures: packets and capture files written straight with libpcap, so
// the reader is checked against libpcap rather than against our own writer.
#pragma once

#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include <chrono>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace dslite::test {

using Bytes = std::vector<std::uint8_t>;

// a then b. (Sized up front: g++ 12 warns falsely on vector::insert here.)
inline Bytes concat(const Bytes& a, const Bytes& b) {
    Bytes out(a.size() + b.size());
    std::copy(a.begin(), a.end(), out.begin());
    std::copy(b.begin(), b.end(), out.begin() + static_cast<std::ptrdiff_t>(a.size()));
    return out;
}

// A UDP-in-IPv4 packet of `payload` bytes; the header fields say its true length.
inline Bytes ipv4_packet(std::size_t payload, std::uint8_t marker = 0x42) {
    const std::size_t total = 20 + 8 + payload;
    Bytes p(total, marker);
    p[0] = 0x45;
    p[2] = static_cast<std::uint8_t>(total >> 8);
    p[3] = static_cast<std::uint8_t>(total);
    p[8] = 64;
    p[9] = 17;
    return p;
}

// An IPv4-in-IPv6 packet around `inner`.
inline Bytes ipv6_packet(const Bytes& inner) {
    Bytes p(40, 0);
    p[0] = 0x60;
    p[4] = static_cast<std::uint8_t>(inner.size() >> 8);
    p[5] = static_cast<std::uint8_t>(inner.size());
    p[6] = 4;
    p[7] = 64;
    p[8] = 0x20, p[9] = 0x01, p[10] = 0x0d, p[11] = 0xb8, p[23] = 2;
    p[24] = 0x20, p[25] = 0x01, p[26] = 0x0d, p[27] = 0xb8, p[39] = 1;
    return concat(p, inner);
}

inline Bytes ethernet_frame(std::uint16_t ethertype, const Bytes& payload, bool vlan = false) {
    Bytes header = {0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2};
    if (vlan) header = concat(header, {0x81, 0x00, 0x00, 0x07});
    Bytes f = concat(header, {static_cast<std::uint8_t>(ethertype >> 8), static_cast<std::uint8_t>(ethertype)});
    f = concat(f, payload);
    if (f.size() < 60) f.resize(60, 0);  // what a NIC pads a short frame to
    return f;
}

struct Frame {
    Bytes bytes;
    std::chrono::microseconds timestamp;
    std::size_t wire_length = 0;  // 0: the frame's own size
};

inline std::string temp_path(const std::string& name) {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    return testing::TempDir() + "dslite_" + info->test_suite_name() + "_" + info->name() + "_" + name;
}

// Writes `frames` with libpcap itself.
inline void write_capture(const std::string& path, int link_type, const std::vector<Frame>& frames,
                          int precision = PCAP_TSTAMP_PRECISION_MICRO) {
    pcap_t* pcap = pcap_open_dead_with_tstamp_precision(link_type, 262144, precision);
    ASSERT_NE(pcap, nullptr);
    pcap_dumper_t* dumper = pcap_dump_open(pcap, path.c_str());
    ASSERT_NE(dumper, nullptr) << pcap_geterr(pcap);
    for (const auto& f : frames) {
        pcap_pkthdr h{};
        const auto us = f.timestamp.count();
        h.ts.tv_sec = us / 1000000;
        h.ts.tv_usec = (us % 1000000) * (precision == PCAP_TSTAMP_PRECISION_NANO ? 1000 : 1);
        h.caplen = static_cast<bpf_u_int32>(f.bytes.size());
        h.len = static_cast<bpf_u_int32>(f.wire_length ? f.wire_length : f.bytes.size());
        pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f.bytes.data());
    }
    pcap_dump_close(dumper);
    pcap_close(pcap);
}

inline Bytes file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), {});
}

}  // namespace dslite::test
