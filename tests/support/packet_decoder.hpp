// SPDX-License-Identifier: BSD-2-Clause
// Decodes raw IPv6/IPv4 packets into plain fields for test assertions and
// checks every checksum by recomputing it from scratch (never incrementally),
// so a wrong incremental update in the engine shows up as a problem here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dslite/address.hpp"
#include "support/packet_builder.hpp"

namespace dslite::test {

struct L4Info {
    std::uint8_t protocol = 0;
    bool complete = false;               // the whole fixed header arrived
    std::uint16_t source_port = 0;       // TCP/UDP
    std::uint16_t destination_port = 0;  // TCP/UDP
    std::uint32_t seq = 0, ack = 0;      // TCP
    std::uint8_t tcp_flags = 0;          // TCP
    std::uint8_t icmp_type = 0, icmp_code = 0;
    std::uint16_t icmp_identifier = 0, icmp_sequence = 0;  // echo
    std::optional<std::uint16_t> tcp_mss;                  // the TCP MSS option, if present
    std::uint16_t checksum = 0;                            // as stored
    bool checksum_ok = false;                              // full recomputation; a UDP zero checksum counts as ok
    // Whether checksum_ok means anything: always outside quotes; inside an
    // ICMP error only when the whole quoted packet is there (a cut quote
    // cannot be summed, and a wrong sum there is no problem of the error).
    bool checksum_checked = false;
    Bytes payload;  // after the L4 header (ICMP: after the 8-byte header)

    std::string payload_text() const { return std::string(payload.begin(), payload.end()); }
};

struct Ipv4Info {
    std::uint8_t version = 0;
    std::uint8_t header_length = 0;  // bytes
    std::uint8_t tos = 0;
    std::uint16_t total_length = 0;
    std::uint16_t identification = 0;
    std::uint16_t flags_fragment = 0;
    std::uint8_t ttl = 0;
    std::uint8_t protocol = 0;
    std::uint16_t header_checksum = 0;
    bool header_checksum_ok = false;
    Ipv4Address source, destination;
    std::size_t captured = 0;  // bytes that arrived
    L4Info l4;
    std::vector<Ipv4Info> quoted;  // the packet inside an ICMP error (0 or 1)
    Bytes bytes;                   // the IPv4 packet as it arrived
};

// An IPv6 Fragment header (RFC 8200 4.5).
struct Ipv6Fragment {
    std::uint8_t next_header = 0;
    std::uint16_t offset = 0;  // bytes
    bool more = false;
    std::uint32_t identification = 0;
};

struct Ipv6Info {
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    std::uint16_t payload_length = 0;
    std::uint8_t next_header = 0;  // of the fixed header
    std::uint8_t hop_limit = 0;
    Ipv6Address source{}, destination{};
    std::optional<std::uint8_t> encapsulation_limit;
    // A fragment (not an atomic one: offset 0 without more fragments is
    // decoded as a whole packet) carries `fragment_data` and no inner packet;
    // join_ipv6_fragments puts the datagram back together.
    std::optional<Ipv6Fragment> fragment;
    Bytes fragment_data;
    std::uint8_t upper_protocol = 0;  // after extension headers
    std::optional<Ipv4Info> inner;    // softwire payload
    std::optional<L4Info> icmpv6;
    Bytes bytes;  // the IPv6 packet as it arrived
};

struct Decoded {
    std::optional<Ipv6Info> ipv6;
    std::optional<Ipv4Info> ipv4;  // a bare IPv4 packet (uplink side)
    // Everything malformed: wrong checksums, lengths that disagree with what
    // arrived, unknown headers. Empty for a packet an AFTR may send.
    std::vector<std::string> problems;

    // The IPv4 packet: bare, or the one inside the softwire.
    const Ipv4Info* ip4() const {
        if (ipv4) return &*ipv4;
        if (ipv6 && ipv6->inner) return &*ipv6->inner;
        return nullptr;
    }
};

Decoded decode(std::span<const std::uint8_t> packet);

// What decode() would say of the packet's IPv4 (bare or in the softwire)
// transport checksum, without building a Decoded: nothing unless it is a
// whole, unfragmented datagram with a good header checksum and a complete
// TCP, UDP or ICMP header; else whether that checksum is right. For the fuzz
// harness, which asks before and after every input; PacketDecoder.
// L4ChecksumAgreesWithDecode holds the two equal.
std::optional<bool> l4_checksum_verdict(std::span<const std::uint8_t> packet);

// Reassembles a datagram from all of its fragments (any order) the way a
// receiver must (RFC 791, RFC 8200 4.5): same identification and addresses,
// 8-byte multiples, no overlaps (RFC 5722), no gaps, exactly one last
// fragment. Returns the whole packet, to be decoded (and its checksums
// checked) with decode(), or nothing with `problem` saying why.
std::optional<Bytes> join_ipv4_fragments(const std::vector<Bytes>& fragments, std::string& problem);
// The same for IPv6 fragments whose Fragment header follows the fixed header.
std::optional<Bytes> join_ipv6_fragments(const std::vector<Bytes>& fragments, std::string& problem);

// One line per header, for failure messages.
std::string describe(const Decoded& d);
std::string describe(const Ipv4Info& p);

}  // namespace dslite::test
