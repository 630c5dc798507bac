// SPDX-License-Identifier: BSD-2-Clause
// Field access on wire bytes: big-endian loads and stores and the header
// layouts the AFTR touches. Offsets are from the start of each header.
#pragma once

#include <cstdint>
#include <cstring>

#include "dslite/protocol.hpp"

namespace dslite::wire {

inline std::uint16_t load16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
inline std::uint32_t load32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}
inline void store16(std::uint8_t* p, std::uint16_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 8);
    p[1] = static_cast<std::uint8_t>(v);
}
inline void store32(std::uint8_t* p, std::uint32_t v) {
    p[0] = static_cast<std::uint8_t>(v >> 24);
    p[1] = static_cast<std::uint8_t>(v >> 16);
    p[2] = static_cast<std::uint8_t>(v >> 8);
    p[3] = static_cast<std::uint8_t>(v);
}

namespace ipv6 {
inline constexpr std::size_t header_size = 40;
inline constexpr std::size_t payload_length = 4;
inline constexpr std::size_t next_header = 6;
inline constexpr std::size_t hop_limit = 7;
inline constexpr std::size_t source = 8;
inline constexpr std::size_t destination = 24;
inline std::uint8_t traffic_class(const std::uint8_t* h) { return static_cast<std::uint8_t>(load16(h) >> 4); }
}  // namespace ipv6

namespace fragment {  // the IPv6 Fragment header (RFC 8200 4.5)
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t next_header = 0;
inline constexpr std::size_t offset_flags = 2;  // 13-bit offset in 8-byte units, then 2 reserved bits, then M
inline constexpr std::size_t identification = 4;
inline constexpr std::uint16_t offset_mask = 0xfff8;  // the offset in bytes, as it stands
inline constexpr std::uint16_t flag_more = 0x0001;
}  // namespace fragment

namespace ipv4 {
inline constexpr std::size_t min_header_size = 20;
inline constexpr std::size_t tos = 1;
inline constexpr std::size_t total_length = 2;
inline constexpr std::size_t identification = 4;
inline constexpr std::size_t flags_fragment = 6;
inline constexpr std::size_t ttl = 8;
inline constexpr std::size_t protocol = 9;
inline constexpr std::size_t checksum = 10;
inline constexpr std::size_t source = 12;
inline constexpr std::size_t destination = 16;
inline constexpr std::uint16_t flag_df = 0x4000;
inline constexpr std::uint16_t flag_mf = 0x2000;
inline constexpr std::uint16_t offset_mask = 0x1fff;
inline std::size_t header_length(const std::uint8_t* h) { return (h[0] & 0x0f) * 4u; }
}  // namespace ipv4

namespace l4 {  // TCP and UDP share the port layout
inline constexpr std::size_t source_port = 0;
inline constexpr std::size_t destination_port = 2;
}  // namespace l4

namespace udp {
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t length = 4;
inline constexpr std::size_t checksum = 6;
}  // namespace udp

namespace tcp {
inline constexpr std::size_t min_header_size = 20;
inline constexpr std::size_t seq = 4;
inline constexpr std::size_t ack_number = 8;
inline constexpr std::size_t data_offset = 12;  // high nibble: header length in 32-bit words
inline constexpr std::size_t flags = 13;
inline constexpr std::size_t window = 14;
inline constexpr std::size_t checksum = 16;
inline constexpr std::size_t urgent_pointer = 18;
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t cwr = 0x80;
// Option kinds (RFC 9293 3.2) and the MSS option's length.
inline constexpr std::uint8_t option_end = 0;
inline constexpr std::uint8_t option_nop = 1;
inline constexpr std::uint8_t option_mss = 2;
inline constexpr std::uint8_t option_mss_length = 4;
inline std::size_t header_length(const std::uint8_t* h) { return (h[data_offset] >> 4) * 4u; }
}  // namespace tcp

namespace icmp {  // ICMPv4 and ICMPv6 share this layout
inline constexpr std::size_t header_size = 8;
inline constexpr std::size_t type = 0;
inline constexpr std::size_t code = 1;
inline constexpr std::size_t checksum = 2;
inline constexpr std::size_t identifier = 4;
inline constexpr std::size_t mtu = 6;  // ICMPv4 3/4 next-hop MTU
inline constexpr std::uint8_t echo_reply = 0;
inline constexpr std::uint8_t destination_unreachable = 3;
inline constexpr std::uint8_t echo_request = 8;
inline constexpr std::uint8_t time_exceeded = 11;
inline constexpr std::uint8_t parameter_problem = 12;
// Destination Unreachable codes (RFC 792, RFC 1191).
inline constexpr std::uint8_t code_host_unreachable = 1;
inline constexpr std::uint8_t code_port_unreachable = 3;
inline constexpr std::uint8_t code_fragmentation_needed = 4;
inline constexpr std::uint8_t code_ttl_exceeded = 0;  // Time Exceeded in transit
inline constexpr std::uint8_t v6_destination_unreachable = 1;
inline constexpr std::uint8_t v6_packet_too_big = 2;
inline constexpr std::uint8_t v6_time_exceeded = 3;
inline constexpr std::uint8_t v6_parameter_problem = 4;
inline constexpr std::uint8_t v6_echo_request = 128;
inline constexpr std::uint8_t v6_echo_reply = 129;
}  // namespace icmp

inline constexpr std::uint8_t proto_icmp = static_cast<std::uint8_t>(Protocol::icmp);
inline constexpr std::uint8_t proto_ipv4 = 4;
inline constexpr std::uint8_t proto_tcp = static_cast<std::uint8_t>(Protocol::tcp);
inline constexpr std::uint8_t proto_udp = static_cast<std::uint8_t>(Protocol::udp);
inline constexpr std::uint8_t proto_hop_by_hop = 0;
inline constexpr std::uint8_t proto_fragment = 44;
inline constexpr std::uint8_t proto_icmpv6 = 58;
inline constexpr std::uint8_t proto_no_next = 59;
inline constexpr std::uint8_t proto_destination_options = 60;

}  // namespace dslite::wire
