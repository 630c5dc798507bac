// SPDX-License-Identifier: BSD-2-Clause
// Builds well-formed test packets byte by byte: IPv4 with TCP/UDP/ICMP and
// correct checksums, wrapped in IPv6 as a B4 would. Malformed packets are made
// by editing the bytes of a well-formed one afterwards (see refresh_ipv4_header_checksum).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "dslite/address.hpp"

namespace dslite::test {

using Bytes = std::vector<std::uint8_t>;

// Parses or aborts: test addresses are literals, a typo is a bug in the test.
Ipv4Address v4(std::string_view text);
Ipv6Address v6(std::string_view text);
Bytes text_bytes(std::string_view text);

struct Ipv4Header {
    Ipv4Address source;
    Ipv4Address destination;
    std::uint8_t ttl = 64;
    std::uint8_t tos = 0;
    std::uint16_t identification = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    std::uint16_t fragment_offset = 0;  // in 8-byte units
    Bytes options{};                    // padded with zeros to a multiple of 4
};

struct UdpDatagram {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    Bytes payload{};
    bool zero_checksum = false;  // "no checksum", allowed for UDP over IPv4
};

struct TcpSegment {
    std::uint16_t source_port = 0;
    std::uint16_t destination_port = 0;
    std::uint32_t seq = 0;
    std::uint32_t ack = 0;
    std::uint8_t flags = 0;  // wire::tcp::syn | ...
    std::uint16_t window = 65535;
    Bytes payload{};
    Bytes options{};  // raw TCP options, padded with End of Option List to a multiple of 4
};

// ICMPv4 or ICMPv6; for echo the rest-of-header is identifier and sequence.
struct IcmpMessage {
    std::uint8_t type = 0;
    std::uint8_t code = 0;
    std::uint16_t identifier = 0;
    std::uint16_t sequence = 0;
    Bytes body{};
};

struct Ipv6Header {
    Ipv6Address source{};
    Ipv6Address destination{};
    std::uint8_t hop_limit = 64;
    std::uint8_t traffic_class = 0;
    std::uint32_t flow_label = 0;
    // Puts a Destination Options header with a Tunnel Encapsulation Limit
    // option (RFC 2473 4.1.1, padded with PadN) in front of the payload.
    std::optional<std::uint8_t> encapsulation_limit{};
};

Bytes ipv4_packet(const Ipv4Header& header, std::uint8_t protocol, std::span<const std::uint8_t> l4);
Bytes ipv4_udp(const Ipv4Header& header, const UdpDatagram& udp);
Bytes ipv4_tcp(const Ipv4Header& header, const TcpSegment& tcp);
Bytes ipv4_icmp(const Ipv4Header& header, const IcmpMessage& icmp);
// A NAT-PMP mapping request (RFC 6886 3.3): opcode 1 UDP, 2 TCP; a UDP payload.
Bytes nat_pmp_map_request(std::uint8_t opcode, std::uint16_t internal_port, std::uint16_t wanted_port,
                          std::uint32_t lifetime);
// A PCP request (RFC 6887 7.1, 11.1, 12.1): ANNOUNCE (0), MAP (1) or PEER (2)
// with their data, then `options` as they are; a UDP payload.
struct PcpMessage {
    std::uint8_t version = 2;
    std::uint8_t opcode = 1;
    std::uint32_t lifetime = 600;
    Ipv4Address client{};  // the PCP Client's IP Address, IPv4-mapped
    std::array<std::uint8_t, 12> nonce{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    std::uint8_t protocol = 6;
    std::uint16_t internal_port = 0;
    std::uint16_t suggested_port = 0;
    Ipv4Address suggested_address{};  // 0.0.0.0: none
    std::uint16_t remote_port = 0;    // PEER
    Ipv4Address remote{};             // PEER
    Bytes options{};
};
Bytes pcp_request(const PcpMessage& message);
// One PCP option, padded to 4 (RFC 6887 7.3); FILTER takes the IPv4 prefix length.
Bytes pcp_option(std::uint8_t code, const Bytes& data);
Bytes pcp_filter(std::uint8_t ipv4_prefix_length, std::uint16_t port, Ipv4Address remote);
Bytes pcp_third_party(Ipv4Address internal);

Bytes ipv6_packet(const Ipv6Header& header, std::uint8_t next_header, std::span<const std::uint8_t> payload);
// IPv4 inside IPv6 (next header 4), as a B4 sends it.
Bytes softwire(const Ipv6Header& header, std::span<const std::uint8_t> ipv4);
Bytes ipv6_icmp(const Ipv6Header& header, const IcmpMessage& icmp);

// IPv6 fragments (RFC 8200 4.5) of `payload` (what follows the fixed
// header, starting with a `next_header` header), each at most `mtu` bytes:
// the fixed header, a Fragment header with `identification`, and a multiple
// of 8 payload bytes except in the last. In offset order; reorder freely.
std::vector<Bytes> ipv6_fragments(const Ipv6Header& header, std::uint8_t next_header,
                                  std::span<const std::uint8_t> payload, std::size_t mtu, std::uint32_t identification);
// One IPv6 fragment carrying `data` at byte `offset` (a multiple of 8), for
// fragments that lie (overlaps, odd sizes).
Bytes ipv6_fragment(const Ipv6Header& header, std::uint8_t next_header, std::uint32_t identification,
                    std::size_t offset, bool more, std::span<const std::uint8_t> data);

// Splits a whole IPv4 packet (without options) into fragments of at most
// `mtu` bytes, as a host or router does; in offset order.
std::vector<Bytes> ipv4_fragments(std::span<const std::uint8_t> ipv4, std::size_t mtu);

// An Ethernet II frame around an IP packet (ethertype from the IP version),
// padded to the 60-byte minimum like a real capture.
Bytes ethernet_frame(std::span<const std::uint8_t> ip);

// Recomputes the IPv4 header checksum after editing header fields.
void refresh_ipv4_header_checksum(std::span<std::uint8_t> ipv4);

}  // namespace dslite::test
