// SPDX-License-Identifier: BSD-2-Clause
// A finished replay, decoded: the packets each side received and the
// counters, with lookups by the payload tag every scenario packet carries.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/packet_decoder.hpp"
#include "support/pcap_file.hpp"

namespace dslite::test {

struct OutPacket {
    std::int64_t micros = 0;
    Decoded d;

    const Ipv4Info* ip4() const { return d.ip4(); }
    // The packet's own payload (innermost IPv4 L4 or ICMPv6), not a quote.
    std::string payload_text() const;
    std::string text() const { return describe(d); }
};

// The public-side port of an IPv4 packet: TCP/UDP port or ICMP echo identifier.
std::uint16_t source_port(const Ipv4Info& p);
std::uint16_t destination_port(const Ipv4Info& p);

struct Result {
    std::vector<OutPacket> b4, uplink;
    std::map<std::string, std::uint64_t> counters;
    Capture input;

    std::uint64_t counter(const std::string& name) const;

    // Packets whose payload is `tag` (or starts with it, for prefix lookups).
    std::vector<const OutPacket*> find(const std::vector<OutPacket>& side, std::string_view tag,
                                       bool prefix = false) const;
    // Exactly one packet with this payload on that side, else a test failure and nullptr.
    const OutPacket* one_b4(std::string_view tag) const;
    const OutPacket* one_uplink(std::string_view tag) const;
    // No packet whose payload starts with `prefix` (a test failure otherwise).
    void none_b4(std::string_view prefix) const;
    void none_uplink(std::string_view prefix) const;

    std::string dump() const;  // every output packet, for failure messages
};

Result decode_result(const Capture& input, const Capture& b4, const Capture& uplink,
                     std::map<std::string, std::uint64_t> counters);

}  // namespace dslite::test
