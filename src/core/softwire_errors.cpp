// SPDX-License-Identifier: BSD-2-Clause
// ICMPv6 errors from the IPv6 path between the AFTR and a B4, about a
// softwire packet the AFTR sent (RFC 2473 8). Packet Too Big lowers that B4's
// tunnel MTU (RFC 2473 6.7); the IPv4 sender hears about it as RFC 2473 8.3
// says: 3/4 with the new MTU less 40 if it had set DF, 3/1 for other errors.
// The quoted packet is translated back first (RFC 5508 REQ-5), so the sender
// sees its own packet.
#include <algorithm>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "icmp_builder.hpp"

namespace dslite {

using namespace wire;

namespace {
constexpr std::uint32_t kIpv6MinimumMtu = 1280;
}  // namespace

Verdict Engine::Impl::softwire_error(Packet& packet, std::size_t at) {
    const std::uint8_t* h = packet.data();
    const std::size_t n = packet.size();
    if (at != ipv6::header_size || n < at + icmp::header_size + ipv6::header_size + ipv4::min_header_size + 8)
        return drop(Counter::drop_icmpv6);
    const std::uint8_t* msg = h + at;
    if (checksum({msg, n - at}, pseudo_header_ipv6(h + ipv6::source, h + ipv6::destination, proto_icmpv6,
                                                   static_cast<std::uint32_t>(n - at))) != 0)
        return drop(Counter::drop_icmpv6);
    const std::uint8_t type = msg[icmp::type];
    if (type < 1 || type > 4) return drop(Counter::drop_icmpv6);

    // The quote must be a softwire packet of ours: from the AFTR address,
    // carrying IPv4 (possibly as our first fragment).
    const std::uint8_t* sent = msg + icmp::header_size;
    std::size_t inner = at + icmp::header_size + ipv6::header_size;
    if (sent[0] >> 4 != 6 || std::memcmp(sent + ipv6::source, config_.aftr_address.data(), 16) != 0)
        return drop(Counter::drop_icmpv6);
    if (sent[ipv6::next_header] == proto_fragment &&
        (load16(sent + ipv6::header_size + fragment::offset_flags) & fragment::offset_mask) == 0 &&
        sent[ipv6::header_size] == proto_ipv4)
        inner += 8;
    else if (sent[ipv6::next_header] != proto_ipv4)
        return drop(Counter::drop_icmpv6);
    if (n < inner + ipv4::min_header_size + 8) return drop(Counter::drop_icmpv6);
    Ipv6Address b4;
    std::memcpy(b4.data(), sent + ipv6::destination, 16);
    if (!b4_allowed(b4)) return drop(Counter::drop_icmpv6);

    std::uint16_t relay_mtu = 0;
    if (type == icmp::v6_packet_too_big) {
        // The MTU is kept per subscriber (RFC 7785 allows one softwire per
        // subscriber); it only ever goes down.
        std::uint32_t mtu =
            std::min<std::uint32_t>(std::max(load32(msg + icmp::identifier), kIpv6MinimumMtu), config_.tunnel_mtu);
        const std::uint32_t sub = tables_.subscribers.find(mask_ipv6(b4, config_.subscriber_prefix_length));
        if (sub != SubscriberTable::npos) {
            if (mtu < tables_.subscribers[sub].tunnel_mtu) {
                tables_.subscribers[sub].tunnel_mtu = static_cast<std::uint16_t>(mtu);
                counters_.add(Counter::tunnel_mtu_lowered);
            }
            mtu = tables_.subscribers[sub].tunnel_mtu;
        }
        relay_mtu = static_cast<std::uint16_t>(mtu - ipv6::header_size);
        // DF clear: later packets are fragmented to the new MTU; nobody to tell.
        if (!(load16(h + inner + ipv4::flags_fragment) & ipv4::flag_df)) {
            counters_.add(Counter::out_icmpv6_errors);
            return Verdict::drop;
        }
    }

    // Translate the quoted packet back to what the Internet host sent.
    packet.pull_front(inner);
    std::uint8_t* ip = packet.data();
    if (ip[0] >> 4 != 4) return drop(Counter::drop_b4_icmpv6_quote);
    packet.resize(std::min<std::size_t>(packet.size(), load16(ip + ipv4::total_length)));
    Transport q{};
    if (parse_quoted_transport(ip, packet.size(), q) != TransportError::none)
        return drop(Counter::drop_b4_icmpv6_quote);
    const std::uint32_t id = find_binding(b4, load32(ip + ipv4::destination), q.destination, q.proto);
    if (id == BindingTable::npos) return drop(Counter::drop_b4_icmpv6_no_binding);
    const Binding& s = tables_.bindings[id];
    rewrite_destination(ip, packet.size(), q, s.public_address, s.public_port);
    counters_.add(Counter::out_icmpv6_errors);
    if (!icmp_error_allowed()) return Verdict::drop;
    const std::uint8_t code =
        type == icmp::v6_packet_too_big ? icmp::code_fragmentation_needed : icmp::code_host_unreachable;
    if (!make_icmpv4_error(packet, icmp::destination_unreachable, code, s.public_address, next_ip_id(), relay_mtu))
        return Verdict::drop;
    counters_.add(code == icmp::code_fragmentation_needed ? Counter::sent_icmp_too_big
                                                          : Counter::sent_icmp_unreachable);
    return Verdict::to_uplink;
}

}  // namespace dslite
