// SPDX-License-Identifier: BSD-2-Clause
// ICMP messages the AFTR makes itself: errors quoting a packet it could not
// forward (RFC 792, sized per RFC 1812 4.3.2.3), and echo replies.
#pragma once

#include <cstdint>

#include "dslite/packet.hpp"

namespace dslite {

// Replaces `packet` (an IPv4 packet as it arrived) with an ICMPv4 error from
// `source` to the packet's source, quoting as much of it as fits in 576
// bytes. `mtu` goes in the next-hop MTU field (type 3 code 4). False if the
// driver left no headroom.
bool make_icmpv4_error(Packet& packet, std::uint8_t type, std::uint8_t code, std::uint32_t source,
                       std::uint16_t identification, std::uint16_t mtu = 0);

// Turns a valid ICMPv4 echo request into the reply, in place.
void make_icmpv4_echo_reply(Packet& packet, std::uint16_t identification);

// Turns a valid ICMPv6 echo request (whole IPv6 packet, no extension
// headers) into the reply, in place.
void make_icmpv6_echo_reply(Packet& packet);

}  // namespace dslite
