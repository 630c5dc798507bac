// SPDX-License-Identifier: BSD-2-Clause
// The B4's half of RFC 6333 (section 6): IPv4 from the home network goes
// into IPv6 addressed to the AFTR; IPv6 from the AFTR comes out as IPv4.
// Pure functions on a packet window, so they are tested without devices.
#pragma once

#include <cstdint>

#include "dslite/address.hpp"
#include "dslite/packet.hpp"

namespace dslite::b4 {

struct Tunnel {
    Ipv6Address b4;
    Ipv6Address aftr;
};

inline constexpr std::uint8_t kHopLimit = 64;

enum class Encapsulated : std::uint8_t { ok, not_ipv4, malformed, no_headroom };

// Prepends the IPv6 header (source B4, destination AFTR, next header 4, hop
// limit 64, traffic class = inner TOS, RFC 2473 section 6.5); the IPv4 packet
// is trimmed to its total length first. Unchanged unless `ok`.
Encapsulated encapsulate(Packet& packet, const Tunnel& tunnel);

enum class Decapsulated : std::uint8_t { ok, not_ipv6, not_ipv4_in_ipv6, not_from_aftr, not_to_b4, malformed };

// Accepts only IPv4-in-IPv6 from the AFTR to this B4 (RFC 6333 section 6.4:
// anything else would let any host inject IPv4 into the home network) and
// strips the IPv6 header. Unchanged unless `ok`.
Decapsulated decapsulate(Packet& packet, const Tunnel& tunnel);

}  // namespace dslite::b4
