// SPDX-License-Identifier: BSD-2-Clause
// Public prefixes without NAT (--no-nat, RFC 6333 11, RFC 6888 REQ-6): the
// AFTR routes them, statelessly, between the Internet and one B4's softwire.
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "icmp_builder.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

const NoNat* Engine::Impl::no_nat_of(std::uint32_t address) const {
    for (const NoNat& route : config_.no_nat)
        if (route.prefix.contains(Ipv4Address{address})) return &route;
    return nullptr;
}

Verdict Engine::Impl::no_nat_to_uplink(Packet& packet, const Ipv6Address& b4, std::uint8_t outer_tc, Emitter& emitter) {
    std::uint8_t* ip = packet.data();
    const std::uint32_t destination = load32(ip + ipv4::destination);
    if (is_martian(destination)) return drop(Counter::drop_inner_bad_destination);
    if (ip[ipv4::ttl] <= 1)
        return refuse_to_b4(packet, b4, Counter::drop_inner_ttl_expired, icmp::time_exceeded, icmp::code_ttl_exceeded);
    if ((load16(ip + ipv4::flags_fragment) & ipv4::flag_df) && packet.size() > config_.uplink_mtu)
        return refuse_to_b4(packet, b4, Counter::drop_b4_too_big_df, icmp::destination_unreachable,
                            icmp::code_fragmentation_needed, config_.uplink_mtu);
    set_dscp(ip, outer_tc);  // RFC 6333 7.1
    decrement_ttl(ip);
    // To a pool address or another no-nat prefix, the kernel routes it back
    // into the uplink: no hairpin of our own for an untranslated packet.
    if (packet.size() > config_.uplink_mtu) fragment_ipv4(packet, config_.uplink_mtu, emitter);
    counters_.add(Counter::out_uplink_no_nat_packets);
    return Verdict::to_uplink;
}

Verdict Engine::Impl::no_nat_to_b4(Packet& packet, const NoNat& route, Emitter& emitter) {
    std::uint8_t* ip = packet.data();
    // Errors come from the AFTR's first public address: it has no other.
    const std::uint32_t aftr_public = pool_.address_at(0);
    if (ip[ipv4::ttl] <= 1) {
        if (!icmp_error_allowed()) return drop(Counter::drop_uplink_ttl_expired);
        if (!make_icmpv4_error(packet, icmp::time_exceeded, icmp::code_ttl_exceeded, aftr_public, next_ip_id()))
            return drop(Counter::drop_no_headroom);
        counters_.add(Counter::drop_uplink_ttl_expired);
        counters_.add(Counter::sent_icmp_time_exceeded);
        return Verdict::to_uplink;
    }
    // The B4's learned tunnel MTU when it is a subscriber too.
    const std::uint32_t subscriber = tables_.subscribers.find(mask_ipv6(route.b4, config_.subscriber_prefix_length));
    const std::uint16_t mtu =
        subscriber == SubscriberTable::npos ? config_.tunnel_mtu : tables_.subscribers[subscriber].tunnel_mtu;
    if (packet.size() + ipv6::header_size > mtu && (load16(ip + ipv4::flags_fragment) & ipv4::flag_df)) {
        if (!icmp_error_allowed()) return drop(Counter::drop_uplink_too_big_df);
        if (!make_icmpv4_error(packet, icmp::destination_unreachable, icmp::code_fragmentation_needed, aftr_public,
                               next_ip_id(), static_cast<std::uint16_t>(mtu - ipv6::header_size)))
            return drop(Counter::drop_no_headroom);
        counters_.add(Counter::drop_uplink_too_big_df);
        counters_.add(Counter::sent_icmp_too_big);
        return Verdict::to_uplink;
    }
    decrement_ttl(ip);
    if (!encapsulate(packet, config_.aftr_address, route.b4, ip[ipv4::tos])) return drop(Counter::drop_no_headroom);
    if (packet.size() > mtu && !fragment_ipv6(packet, mtu, emitter)) return drop(Counter::drop_no_headroom);
    counters_.add(Counter::out_b4_no_nat_packets);
    return Verdict::to_b4;
}

}  // namespace dslite
