// SPDX-License-Identifier: BSD-2-Clause
// The softwire itself (RFC 6333 over RFC 2473): reading the IPv6 header and
// extension headers a B4 sends, and prepending the one the AFTR sends back.
#pragma once

#include <cstddef>
#include <cstdint>

#include "dslite/address.hpp"
#include "dslite/counters.hpp"
#include "dslite/packet.hpp"

namespace dslite {

struct SoftwireHeader {
    Counter drop;  // meaningful when !ok
    bool ok;
    std::uint8_t protocol;  // 4 (IPv4), 58 (ICMPv6) or 44 (a fragment header)
    std::size_t payload;    // offset of that protocol's header
};

// Walks the IPv6 header and its extension headers (Hop-by-Hop and
// Destination Options, e.g. the Tunnel Encapsulation Limit of RFC 2473
// 4.1.1). Trims the packet to the IPv6 payload length.
SoftwireHeader parse_softwire(Packet& packet);

// Prepends the IPv6 header of a softwire packet toward a B4 (RFC 2473 6:
// hop limit 64, flow label 0, traffic class copied from the inner TOS per
// RFC 6333 7.1). False if the driver left no headroom.
bool encapsulate(Packet& packet, const Ipv6Address& aftr, const Ipv6Address& b4, std::uint8_t traffic_class);

inline constexpr std::uint8_t kOuterHopLimit = 64;

}  // namespace dslite
