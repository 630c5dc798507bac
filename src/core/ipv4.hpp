// SPDX-License-Identifier: BSD-2-Clause
// IPv4 checks and the NAPT rewrite itself: addresses, ports or ICMP ids, TTL,
// each with an incremental checksum update (RFC 1624), never a full recompute.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "dslite/counters.hpp"
#include "dslite/packet.hpp"
#include "dslite/wire.hpp"
#include "port_allocator.hpp"

namespace dslite {

enum class Ipv4Error : std::uint8_t { none, truncated, bad_version, bad_header_length, bad_checksum };

// What each Ipv4Error but none is counted as, on one side: truncated,
// bad_version, bad_header_length, bad_checksum.
using Ipv4Drops = std::array<Counter, 4>;
inline Counter drop_counter(Ipv4Error e, const Ipv4Drops& drops) { return drops[static_cast<std::size_t>(e) - 1]; }

// Checks version, IHL, total length against what arrived and the header
// checksum; trims link padding past the total length.
Ipv4Error check_ipv4(Packet& packet);

inline bool is_fragment(const std::uint8_t* ip) {
    return (wire::load16(ip + wire::ipv4::flags_fragment) & (wire::ipv4::flag_mf | wire::ipv4::offset_mask)) != 0;
}

// The transport header of a TCP, UDP or ICMP packet as NAPT sees it.
struct Transport {
    Protocol proto;
    std::size_t offset;         // from the IPv4 header start
    std::uint16_t source;       // port, or ICMP identifier (for echo)
    std::uint16_t destination;  // port, or ICMP identifier (for echo)
    std::uint8_t tcp_flags;
    std::uint8_t icmp_type;
};

inline bool is_icmp_error(std::uint8_t type) {
    return type == wire::icmp::destination_unreachable || type == wire::icmp::time_exceeded ||
           type == wire::icmp::parameter_problem;
}

enum class TransportError : std::uint8_t { none, protocol, truncated };

TransportError parse_transport(const std::uint8_t* ip, std::size_t length, Transport& out);

// The ports (or echo identifier) of a packet quoted in an ICMP error, where
// only the first 8 bytes of the transport header are sure to be there.
TransportError parse_quoted_transport(const std::uint8_t* ip, std::size_t length, Transport& out);

// Rewrites the source (address, port/id) or destination of the packet of
// `length` bytes and fixes the IPv4 header and transport checksums. A
// transport checksum past `length` (a quoted packet) is left alone.
void rewrite_source(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint32_t address,
                    std::uint16_t port);
void rewrite_destination(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint32_t address,
                         std::uint16_t port);
// Only the address, for the outer header of an ICMP error (whose own
// checksum covers no pseudo header).
void rewrite_address(std::uint8_t* ip, std::size_t field, std::uint32_t address);
void decrement_ttl(std::uint8_t* ip);
// Sets the identification field and fixes the header checksum.
void set_identification(std::uint8_t* ip, std::uint16_t id);
// Lowers the MSS option of a TCP SYN to `mss` if it is larger (RFC 6691
// practice for tunnels); true if it changed.
bool clamp_mss(std::uint8_t* ip, std::size_t length, const Transport& t, std::uint16_t mss);
// Sets the DSCP bits (keeping ECN) and fixes the header checksum.
void set_dscp(std::uint8_t* ip, std::uint8_t dscp_bits);

}  // namespace dslite
