// SPDX-License-Identifier: BSD-2-Clause
// Edits the fuzzer applies to its packets before the engine sees them, so
// random bytes get past the cheap checks (lengths, checksums) and reach the
// binding lookups, and checks of what the engine hands back.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "dslite/engine.hpp"

namespace dslite::fuzz {

// Sets the version, total length and every checksum of an IPv4 packet that
// fills `packet` (the TCP/UDP/ICMP one unless it is a fragment, and the
// header checksum of a packet quoted in an ICMP error).
void fix_ipv4(std::span<std::uint8_t> packet);
// The same for a softwire packet from a B4: version, payload length, and the
// IPv4 packet or ICMPv6 message right behind the IPv6 header.
void fix_ipv6(std::span<std::uint8_t> packet);

// Points a packet at an existing binding: from a B4, its B4, inner address
// and port (or echo identifier); from the uplink, its public address and port
// (also inside a quoted packet of an ICMP error).
void aim_from_b4(std::span<std::uint8_t> packet, const BindingInfo& binding, const Ipv6Address& aftr);
void aim_from_uplink(std::span<std::uint8_t> packet, const BindingInfo& binding);

// Turns an IPv4 packet the engine sent to the uplink into the answer a server
// would send (addresses and ports swapped, SYN answered with SYN+ACK, echo
// request with echo reply, checksums fixed). False when there is no answer.
bool make_reply(std::span<std::uint8_t> packet);

// An IPv4 header that says what the packet is: version 4, 20 <= IHL <= total
// length == size, header checksum verifies.
bool valid_ipv4(std::span<const std::uint8_t> packet);

// The TCP/UDP/ICMP checksum of an unfragmented IPv4 packet (bare or in a
// softwire) verifies, recomputed from scratch; nothing when the packet
// carries no complete L4 header to check.
std::optional<bool> l4_checksum_ok(std::span<const std::uint8_t> packet);

}  // namespace dslite::fuzz
