// SPDX-License-Identifier: BSD-2-Clause
// Uplink -> B4: IPv4 to a pool address is matched to its binding by
// (public address, port or ICMP id, protocol), filtered, rewritten, and
// encapsulated to the B4 that owns the binding.
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "icmp_builder.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

Verdict Engine::Impl::from_uplink(Packet& packet, Time now, Emitter& emitter) {
    counters_.add(Counter::in_uplink_packets);
    advance(now);
    return uplink_in(packet, false, emitter);
}

Verdict Engine::Impl::uplink_in(Packet& packet, bool reassembled, Emitter& emitter) {
    static constexpr Ipv4Drops kUplinkDrops = {Counter::drop_uplink_truncated, Counter::drop_uplink_not_ipv4,
                                               Counter::drop_uplink_bad_header_length,
                                               Counter::drop_uplink_bad_checksum};
    if (const Ipv4Error e = check_ipv4(packet); e != Ipv4Error::none) return drop(drop_counter(e, kUplinkDrops));
    std::uint8_t* ip = packet.data();
    const std::uint32_t destination = load32(ip + ipv4::destination);
    if (pool_.index_of(destination) == Pool::npos) {
        if (const NoNat* route = config_.no_nat.empty() ? nullptr : no_nat_of(destination))
            return no_nat_to_b4(packet, *route, emitter);
        return drop(Counter::drop_uplink_not_pool);
    }
    if (is_fragment(ip)) {
        // RFC 4787 REQ-14: later fragments carry no ports, so the datagram is
        // put together first. The sender is the owner for the slot limit.
        if (reassembled) return drop(Counter::drop_fragment_malformed);
        if (auto held = reassemble_ipv4(packet, nullptr, load32(ip + ipv4::source))) return *held;
        return uplink_in(packet, true, emitter);
    }

    Transport t{};
    switch (parse_transport(ip, packet.size(), t)) {
    case TransportError::none: break;
    case TransportError::protocol: return drop(Counter::drop_uplink_protocol);
    case TransportError::truncated: return drop(Counter::drop_uplink_l4_truncated);
    }
    const bool error = t.proto == Protocol::icmp && is_icmp_error(t.icmp_type);
    if (t.proto == Protocol::icmp) {
        if (checksum({ip + t.offset, packet.size() - t.offset}) != 0)
            return drop(Counter::drop_uplink_icmp_bad_checksum);
        if (!error && t.icmp_type != icmp::echo_reply) return drop(Counter::drop_uplink_icmp_type);
    }
    if (ip[ipv4::ttl] <= 1) {
        // The sender is on the Internet: answer from the pool address it used,
        // 192.0.0.1 would not route back. Never an error about an error.
        if (error || !icmp_error_allowed()) return drop(Counter::drop_uplink_ttl_expired);
        if (!make_icmpv4_error(packet, icmp::time_exceeded, icmp::code_ttl_exceeded, destination, next_ip_id()))
            return drop(Counter::drop_no_headroom);
        counters_.add(Counter::drop_uplink_ttl_expired);
        counters_.add(Counter::sent_icmp_time_exceeded);
        return Verdict::to_uplink;
    }
    if (error) {
        decrement_ttl(ip);
        return error_to_b4(packet, t, false);
    }
    return uplink_to_b4(packet, t, false, emitter);
}

Verdict Engine::Impl::uplink_to_b4(Packet& packet, const Transport& t, bool hairpin, Emitter& emitter) {
    std::uint8_t* ip = packet.data();
    const std::uint32_t id = tables_.bindings.find_public(load32(ip + ipv4::destination), t.destination, t.proto);
    if (id == BindingTable::npos)
        return drop(hairpin ? Counter::drop_hairpin_no_binding : Counter::drop_uplink_no_binding);
    Binding& s = tables_.bindings[id];
    // RFC 4787 REQ-8 / RFC 7857 7, RFC 6887 13.3: a filtered packet neither
    // passes nor refreshes.
    if (const auto refused = inbound_refused(id, load32(ip + ipv4::source), t.source)) [[unlikely]]
        return drop(*refused);
    const std::uint16_t mtu = tunnel_mtu_of(s);
    if (packet.size() + ipv6::header_size > mtu && (load16(ip + ipv4::flags_fragment) & ipv4::flag_df)) {
        // RFC 2473 7.2(a): the sender learns the softwire's MTU less the
        // IPv6 header. A hairpinned sender sits behind a B4 whose own tunnel
        // MTU already bounds it; such a rare packet is only dropped.
        if (hairpin) return drop(Counter::drop_hairpin_too_big_df);
        return too_big_to_uplink(packet, static_cast<std::uint16_t>(mtu - ipv6::header_size));
    }
    // A hairpinned packet had its TTL decremented on the way in.
    if (!hairpin) decrement_ttl(ip);
    if (t.proto == Protocol::tcp) {
        update_tcp(id, s, t.tcp_flags, false);
        if (config_.mss_clamp && (t.tcp_flags & tcp::syn) && clamp_mss(ip, packet.size(), t, config_.mss_clamp))
            counters_.add(Counter::mss_clamped);
    }
    s.last_seen = now_;
    rewrite_destination(ip, packet.size(), t, s.inner_address, s.inner_port);
    if (!encapsulate(packet, config_.aftr_address, b4_of(s), ip[ipv4::tos])) return drop(Counter::drop_no_headroom);
    if (packet.size() > mtu && !fragment_ipv6(packet, mtu, emitter))
        return drop(Counter::drop_no_headroom);  // RFC 2473 7.2(b)
    tables_.subscribers.count(s.subscriber, Traffic::to_b4, now_);
    counters_.add(hairpin ? Counter::out_hairpin_packets : Counter::out_b4_packets);
    return Verdict::to_b4;
}

Verdict Engine::Impl::too_big_to_uplink(Packet& packet, std::uint16_t mtu) {
    const std::uint32_t pool_address = load32(packet.data() + ipv4::destination);
    if (!icmp_error_allowed()) return drop(Counter::drop_uplink_too_big_df);
    if (!make_icmpv4_error(packet, icmp::destination_unreachable, icmp::code_fragmentation_needed, pool_address,
                           next_ip_id(), mtu))
        return drop(Counter::drop_no_headroom);
    counters_.add(Counter::drop_uplink_too_big_df);
    counters_.add(Counter::sent_icmp_too_big);
    return Verdict::to_uplink;
}

}  // namespace dslite
