// SPDX-License-Identifier: BSD-2-Clause
#include "encapsulation.hpp"

#include <algorithm>
#include <cstring>

#include "dslite/wire.hpp"

namespace dslite::b4 {
namespace {

namespace ipv4 = wire::ipv4;
namespace ipv6 = wire::ipv6;

// The IPv4 packet's length as its header states it, or 0 if the header does
// not fit in `available` bytes or contradicts itself.
std::size_t ipv4_length(const std::uint8_t* p, std::size_t available) {
    if (available < ipv4::min_header_size || p[0] >> 4 != 4) return 0;
    const std::size_t header = ipv4::header_length(p);
    const std::size_t total = wire::load16(p + ipv4::total_length);
    if (header < ipv4::min_header_size || total < header || total > available) return 0;
    return total;
}

}  // namespace

Encapsulated encapsulate(Packet& packet, const Tunnel& tunnel) {
    const std::uint8_t* inner = packet.data();
    if (packet.size() == 0 || inner[0] >> 4 != 4) return Encapsulated::not_ipv4;
    const std::size_t length = ipv4_length(inner, packet.size());
    if (length == 0) return Encapsulated::malformed;
    if (packet.headroom() < ipv6::header_size) return Encapsulated::no_headroom;

    const std::uint8_t tos = inner[ipv4::tos];
    packet.resize(length);
    packet.push_front(ipv6::header_size);
    std::uint8_t* h = packet.data();
    wire::store32(h, 6u << 28 | std::uint32_t{tos} << 20);
    wire::store16(h + ipv6::payload_length, static_cast<std::uint16_t>(length));
    h[ipv6::next_header] = wire::proto_ipv4;
    h[ipv6::hop_limit] = kHopLimit;
    std::memcpy(h + ipv6::source, tunnel.b4.data(), 16);
    std::memcpy(h + ipv6::destination, tunnel.aftr.data(), 16);
    return Encapsulated::ok;
}

Decapsulated decapsulate(Packet& packet, const Tunnel& tunnel) {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size || h[0] >> 4 != 6) return Decapsulated::not_ipv6;
    if (h[ipv6::next_header] != wire::proto_ipv4) return Decapsulated::not_ipv4_in_ipv6;
    if (!std::equal(tunnel.aftr.begin(), tunnel.aftr.end(), h + ipv6::source)) return Decapsulated::not_from_aftr;
    if (!std::equal(tunnel.b4.begin(), tunnel.b4.end(), h + ipv6::destination)) return Decapsulated::not_to_b4;
    const std::size_t payload = wire::load16(h + ipv6::payload_length);
    if (payload > packet.size() - ipv6::header_size) return Decapsulated::malformed;
    const std::size_t length = ipv4_length(h + ipv6::header_size, payload);
    if (length == 0) return Decapsulated::malformed;
    packet.pull_front(ipv6::header_size);
    packet.resize(length);
    return Decapsulated::ok;
}

}  // namespace dslite::b4
