// SPDX-License-Identifier: BSD-2-Clause
// B4 -> uplink: a softwire packet is checked (b4_in), its inner IPv4 bound to
// a public address and port (creating the binding if needed), rewritten, and
// sent to the uplink, or hairpinned back to another B4 (b4_to_uplink).
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "icmp_builder.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

Verdict Engine::Impl::from_b4(Packet& packet, Time now, Emitter& emitter) {
    counters_.add(Counter::in_b4_packets);
    advance(now);
    const Verdict verdict = b4_in(packet, false, emitter);
    if (announce_) [[unlikely]]
        send_announce(emitter);
    return verdict;
}

Verdict Engine::Impl::b4_in(Packet& packet, bool reassembled, Emitter& emitter) {
    const SoftwireHeader header = parse_softwire(packet);
    if (!header.ok) return drop(header.drop);
    const std::uint8_t* h = packet.data();
    if (std::memcmp(h + ipv6::destination, config_.aftr_address.data(), 16) != 0)
        return drop(Counter::drop_b4_wrong_destination);
    Ipv6Address b4;
    std::memcpy(b4.data(), h + ipv6::source, 16);
    if (!can_be_b4(config_, b4)) return drop(Counter::drop_b4_bad_source);
    // ICMPv6 errors come from routers on the path, not from B4s: they are
    // checked against the B4 they are about instead.
    if (header.protocol == proto_icmpv6 && packet.size() > header.payload &&
        h[header.payload + icmp::type] < icmp::v6_echo_request)
        return softwire_error(packet, header.payload);
    if (!b4_allowed(b4)) return drop(Counter::drop_b4_not_allowed);

    if (header.protocol == proto_fragment) {
        if (reassembled) return drop(Counter::drop_fragment_malformed);
        if (auto held = reassemble_softwire(packet, header.payload, b4)) return *held;
        return b4_in(packet, true, emitter);
    }
    if (header.protocol == proto_icmpv6) {
        // Only an echo request straight after the IPv6 header: operators ping
        // the AFTR address first when something breaks.
        const std::size_t length = packet.size() - header.payload;
        const std::uint8_t* msg = h + header.payload;
        if (header.payload != ipv6::header_size || length < icmp::header_size ||
            msg[icmp::type] != icmp::v6_echo_request || msg[icmp::code] != 0 ||
            checksum({msg, length}, pseudo_header_ipv6(h + ipv6::source, h + ipv6::destination, proto_icmpv6,
                                                       static_cast<std::uint32_t>(length))) != 0)
            return drop(Counter::drop_icmpv6);
        make_icmpv6_echo_reply(packet);
        counters_.add(Counter::out_aftr_echo_replies);
        return Verdict::to_b4;
    }
    const std::uint8_t outer_tc = ipv6::traffic_class(h);
    packet.pull_front(header.payload);
    return b4_to_uplink(packet, b4, outer_tc, emitter);
}

Verdict Engine::Impl::b4_to_uplink(Packet& packet, const Ipv6Address& b4, std::uint8_t outer_tc, Emitter& emitter) {
    static constexpr Ipv4Drops kInnerDrops = {Counter::drop_inner_truncated, Counter::drop_inner_bad_version,
                                              Counter::drop_inner_bad_header_length, Counter::drop_inner_bad_checksum};
    if (const Ipv4Error e = check_ipv4(packet); e != Ipv4Error::none) return drop(drop_counter(e, kInnerDrops));
    std::uint8_t* ip = packet.data();
    const std::uint32_t source = load32(ip + ipv4::source);
    const std::uint32_t destination = load32(ip + ipv4::destination);
    // Before reassembly: a refused source must not hold a reassembly slot
    // either (RFC 6333 11: dropped without creating state).
    // A --no-nat prefix: routed as it is, from its own B4 only.
    if (!config_.no_nat.empty())
        if (const NoNat* route = no_nat_of(source))
            return route->b4 == b4 ? no_nat_to_uplink(packet, b4, outer_tc, emitter)
                                   : drop(Counter::drop_inner_bad_source);
    if (!inner_source_allowed(source)) return drop(Counter::drop_inner_bad_source);
    if (is_fragment(ip)) {
        // RFC 4787 REQ-14: later fragments carry no ports, so the datagram is
        // put together first, per softwire: two B4s may send the same ids.
        if (auto held = reassemble_ipv4(packet, &b4, owner_of(b4))) return *held;
        return b4_to_uplink(packet, b4, outer_tc, emitter);
    }

    Transport t{};
    const TransportError parsed = parse_transport(ip, packet.size(), t);
    if (destination == kAftrIpv4) {
        if (parsed == TransportError::none && t.proto == Protocol::icmp && t.icmp_type == icmp::echo_request &&
            checksum({ip + t.offset, packet.size() - t.offset}) == 0)
            return answer_aftr_echo(packet, b4);
        // NAT-PMP (port_control.cpp): only from a B4 and a source let in above.
        if (parsed == TransportError::none && t.proto == Protocol::udp && t.destination == 5351)
            return answer_port_control(packet, b4, t);
        return drop(Counter::drop_inner_bad_destination);
    }
    if (is_martian(destination)) return drop(Counter::drop_inner_bad_destination);
    if (parsed == TransportError::protocol) return drop(Counter::drop_inner_protocol);
    if (parsed == TransportError::truncated) return drop(Counter::drop_b4_l4_truncated);
    if (t.proto == Protocol::icmp) {
        if (checksum({ip + t.offset, packet.size() - t.offset}) != 0) return drop(Counter::drop_b4_icmp_bad_checksum);
        if (is_icmp_error(t.icmp_type)) return error_from_b4(packet, b4, t, outer_tc);
        if (t.icmp_type != icmp::echo_request) return drop(Counter::drop_b4_icmp_type);
    }
    if (ip[ipv4::ttl] <= 1)
        return refuse_to_b4(packet, b4, Counter::drop_inner_ttl_expired, icmp::time_exceeded, icmp::code_ttl_exceeded);
    const bool hairpin = pool_.index_of(destination) != Pool::npos && owns_port(t.destination);
    const bool dont_fragment = (load16(ip + ipv4::flags_fragment) & ipv4::flag_df) != 0;
    // RFC 4787 REQ-13: too big for the uplink with DF set: 3/4 to the host,
    // quoting its packet as it sent it, before any binding is made for it.
    // (A hairpin is bounded by the other B4's tunnel instead.)
    if (!hairpin && dont_fragment && packet.size() > config_.uplink_mtu)
        return refuse_to_b4(packet, b4, Counter::drop_b4_too_big_df, icmp::destination_unreachable,
                            icmp::code_fragmentation_needed, config_.uplink_mtu);

    InnerKey key{mask_ipv6(b4, config_.subscriber_prefix_length), SubscriberTable::npos, 0, source, t.source, t.proto};
    std::uint32_t id = BindingTable::npos;
    if (config_.softwires_per_subscriber == 1) {
        // One softwire each (the default): the binding names its subscriber,
        // whose line holds the prefix and the B4 address to check, so an
        // established flow needs no subscriber lookup first.
        id = tables_.bindings.find_inner_if(tables_.bindings.inner_hash(key), [&](const Binding& s) {
            return s.inner_address == key.address && s.inner_port == key.port && s.proto == key.proto &&
                   tables_.subscribers[s.subscriber].prefix == key.prefix;
        });
        if (id != BindingTable::npos) key.subscriber = tables_.bindings[id].subscriber;
    }
    if (id == BindingTable::npos) key.subscriber = tables_.subscribers.find(key.prefix);
    if (key.subscriber != SubscriberTable::npos) {
        key.softwire = softwire_slot(key.subscriber, b4);
        if (key.softwire == SubscriberTable::no_softwire) return drop(Counter::drop_b4_softwire_limit);
        // (With one softwire each the search above already was this one.)
        if (id == BindingTable::npos && config_.softwires_per_subscriber > 1) id = tables_.bindings.find_inner(key);
    }
    if (id == BindingTable::npos) {
        // Only a SYN opens a TCP binding: stray segments of dead connections
        // must not consume ports.
        if (t.proto == Protocol::tcp && ((t.tcp_flags & tcp::syn) == 0 || (t.tcp_flags & tcp::rst)))
            return drop(Counter::drop_tcp_not_syn);
        Verdict refused = Verdict::drop;
        id = create_binding(packet, b4, key, t, refused);
        if (id == BindingTable::npos) return refused;
    }
    Binding& s = tables_.bindings[id];
    if (t.proto == Protocol::tcp) {
        update_tcp(id, s, t.tcp_flags, true);
        if (config_.mss_clamp && (t.tcp_flags & tcp::syn) && clamp_mss(ip, packet.size(), t, config_.mss_clamp))
            counters_.add(Counter::mss_clamped);
    }
    s.last_seen = now_;
    tables_.subscribers.count(s.subscriber, Traffic::from_b4, now_);
    if (!tables_.remotes.empty()) remember_remote(id, s, destination);

    set_dscp(ip, outer_tc);  // RFC 6333 7.1, in the decapsulating direction
    decrement_ttl(ip);
    rewrite_source(ip, packet.size(), t, s.public_address, s.public_port);
    // RFC 6864 / RFC 7857 10: hosts behind different B4s pick IDs
    // independently, so on a shared public address they would collide when
    // the datagrams are fragmented (by us or later on the path). A datagram
    // that may be fragmented gets an ID from the engine's own sequence.
    if (!dont_fragment) set_identification(ip, next_ip_id());

    if (hairpin) return uplink_to_b4(packet, t, true, emitter);
    if (packet.size() > config_.uplink_mtu) fragment_ipv4(packet, config_.uplink_mtu, emitter);
    counters_.add(Counter::out_uplink_packets);
    return Verdict::to_uplink;
}

std::uint32_t Engine::Impl::choose_address(std::uint32_t hash, Protocol proto) const {
    // Start where the subscriber's hash points, so subscribers spread over
    // the pool; prefer an address that can still give a whole quota.
    // With port blocks, one that can still give all the blocks it may hold.
    const std::uint32_t n = pool_.size();
    const bool blocks = tables_.blocks.enabled();
    const std::uint32_t want = blocks ? tables_.blocks.each() : std::min(quota(proto), tables_.ports.range_size());
    const auto free = [&](std::uint32_t a) {
        return blocks ? tables_.blocks.free_count(a) : tables_.ports.free_count(a, proto);
    };
    for (std::uint32_t need : {want, 1u})
        for (std::uint32_t i = 0, a = hash % n; i < n; ++i, a = (a + 1 == n ? 0 : a + 1))
            if (free(a) >= need) return a;
    return Pool::npos;
}

std::uint8_t Engine::Impl::softwire_slot(std::uint32_t sub, const Ipv6Address& b4) {
    SubscriberTable& subscribers = tables_.subscribers;
    std::uint8_t slot = subscribers.slot_of(sub, b4);
    if (slot != SubscriberTable::no_softwire) {
        subscribers.touch(sub, slot, now_);
        return slot;
    }
    slot = subscribers.add_softwire(sub, b4, now_);
    if (slot != SubscriberTable::no_softwire) return slot;
    // RFC 7785 4: the B4's address changed, so its bindings follow it, but
    // not more often than the hold allows: a host that keeps changing its
    // source address must not keep taking over its neighbours' softwires.
    const Subscriber& s = subscribers[sub];
    if (s.moved && now_ - s.moved_at < config_.softwire_move_hold) return SubscriberTable::no_softwire;
    counters_.add(Counter::softwires_moved);
    const std::uint8_t moved = subscribers.oldest_softwire(sub);
    if (events_) {
        // Bindings made through the old address are now reached through the
        // new one: the log says so, or their records would name the old B4.
        Event e = subscriber_event(EventKind::softwire_moved, sub, b4);
        e.previous_b4 = subscribers.b4(sub, moved);
        report(e);
    }
    subscribers.move_softwire(sub, moved, b4, now_);
    return moved;
}

std::uint32_t Engine::Impl::find_binding(const Ipv6Address& b4, std::uint32_t address, std::uint16_t port,
                                         Protocol proto) const {
    InnerKey key{mask_ipv6(b4, config_.subscriber_prefix_length), 0, 0, address, port, proto};
    key.subscriber = tables_.subscribers.find(key.prefix);
    if (key.subscriber == SubscriberTable::npos) return BindingTable::npos;
    key.softwire = tables_.subscribers.slot_of(key.subscriber, b4);
    if (key.softwire == SubscriberTable::no_softwire) return BindingTable::npos;
    return tables_.bindings.find_inner(key);
}

std::uint32_t Engine::Impl::create_binding(Packet& packet, const Ipv6Address& b4, InnerKey key, const Transport& t,
                                           Verdict& refused) {
    Counter why = Counter::drop_pool_exhausted;
    const std::uint32_t id = make_binding(b4, key, t, std::nullopt, why);
    if (id == BindingTable::npos) refused = refuse_unreachable(packet, b4, why);
    return id;
}

std::uint32_t Engine::Impl::make_binding(const Ipv6Address& b4, InnerKey key, const Transport& t,
                                         std::optional<std::uint16_t> wanted, Counter& why) {
    std::uint32_t sub = key.subscriber;
    const bool fresh = sub == SubscriberTable::npos;
    // RFC 7422: the subscriber's address and ports are the formula's (every
    // B4 let in is in a --b4-prefix, so every subscriber has its range).
    std::optional<DeterministicMap::Range> range;
    if (deterministic_) {
        if (const auto number = deterministic_->number_of(key.prefix)) range = deterministic_->range_of(*number);
    }
    if (fresh) {
        const std::uint32_t address =
            range ? range->pool_index : choose_address(tables_.subscribers.hash(key.prefix), t.proto);
        if (address == Pool::npos) {
            report_refusal(why = Counter::drop_pool_exhausted, key, b4, t);
            return BindingTable::npos;
        }
        sub = tables_.subscribers.insert(key.prefix, address, config_.tunnel_mtu);
        if (sub == SubscriberTable::npos) {
            report_refusal(why = Counter::drop_subscriber_table_full, key, b4, t);
            return BindingTable::npos;
        }
        key.subscriber = sub;
        key.softwire = tables_.subscribers.add_softwire(sub, b4, now_);
        counters_.add(Counter::subscribers_created);
        // RFC 6887 14.1.3: a client of the AFTR before it started again
        // learns from the epoch in this that its mappings are gone.
        if (config_.pcp_announce && config_.pcp_max_mappings && now_ - started_at_ < config_.pcp_announce)
            announce_ = b4;
    }
    Subscriber& subscriber = tables_.subscribers[sub];
    auto refuse = [&](Counter reason) {
        report_refusal(why = reason, key, b4, t);
        if (fresh) {
            tables_.subscribers.erase(sub);
            counters_.add(Counter::subscribers_removed);
        }
        return BindingTable::npos;
    };
    // RFC 6888 REQ-4 and REQ-11: refuse the new flow, never evict an old one.
    if (subscriber.bindings[index_of(t.proto)] >= quota(t.proto)) return refuse(Counter::drop_quota_exhausted);
    if (subscriber.rate_second != now_) {
        subscriber.rate_second = now_;
        subscriber.rate_count = 0;
    }
    if (config_.new_bindings_per_second && subscriber.rate_count >= config_.new_bindings_per_second)
        return refuse(Counter::drop_binding_rate_limited);
    if (tables_.bindings.size() >= tables_.bindings.capacity()) return refuse(Counter::drop_binding_table_full);
    // RFC 7857 4: the paired address is out of ports, so the flow fails.
    // RFC 4787 REQ-4: UDP keeps the source port's parity (RTP and RTCP pair ports by it).
    const auto parity = t.proto == Protocol::udp ? std::optional<std::uint8_t>(t.source & 1) : std::nullopt;
    Counter no_port = Counter::drop_pool_exhausted;
    std::uint32_t new_block = PortBlocks::npos;
    // A port a client asked for (NAT-PMP, PCP) when it is free; with ranges
    // or blocks, the subscriber's own only.
    const bool wanted_free = wanted && !range && !tables_.blocks.enabled() && owns_port(*wanted) &&
                             tables_.ports.take(subscriber.pool_index, t.proto, *wanted);
    const auto port =
        wanted_free ? wanted
        : range     ? tables_.ports.allocate_in(subscriber.pool_index, t.proto, rng_, parity, range->first, range->last)
        : tables_.blocks.enabled() ? block_port(sub, key.softwire, t.proto, parity, no_port, new_block)
                                   : tables_.ports.allocate(subscriber.pool_index, t.proto, rng_, parity);
    if (!port) return refuse(no_port);

    Binding s{};
    s.inner_address = key.address;
    s.inner_port = key.port;
    s.proto = key.proto;
    s.public_address = pool_.address_at(subscriber.pool_index);
    s.public_port = *port;
    s.pool_index = static_cast<std::uint16_t>(subscriber.pool_index);
    s.last_seen = now_;
    s.subscriber = sub;
    s.softwire = key.softwire;
    s.inner_hash = tables_.bindings.inner_hash(key);
    const std::uint32_t id = tables_.bindings.insert(s);
    ++subscriber.bindings[index_of(t.proto)];
    ++subscriber.rate_count;
    if (!tables_.remotes.empty()) tables_.remotes[id] = {};
    tables_.wheel.schedule(id, now_ + timeout_seconds(tables_.bindings[id]) + 1);
    counters_.add(Counter::bindings_created);
    if (events_) {
        // The subscriber only now, when it holds a binding: a refused first
        // packet leaves no subscriber behind, so it leaves no record either.
        if (fresh) report(subscriber_event(EventKind::subscriber_created, sub, b4));
        if (new_block != PortBlocks::npos)
            report(block_event(EventKind::port_block_allocated, new_block, clock_.count()));
        if (binding_events()) report(binding_event(EventKind::binding_created, tables_.bindings[id], clock_.count()));
    }
    return id;
}

std::optional<std::uint16_t> Engine::Impl::block_port(std::uint32_t sub, std::uint8_t softwire, Protocol proto,
                                                      std::optional<std::uint8_t> parity, Counter& why,
                                                      std::uint32_t& new_block) {
    PortBlocks& blocks = tables_.blocks;
    const auto held = blocks.held_by(sub);
    for (std::size_t i = held.size(); i-- > 0;)
        if (const auto port = port_in_block(held[i], proto, parity)) return port;
    if (held.size() == blocks.each()) {
        why = Counter::drop_port_blocks_full;
        return std::nullopt;
    }
    const std::uint32_t block = blocks.acquire(tables_.subscribers[sub].pool_index, sub, softwire, rng_);
    if (block == PortBlocks::npos) return std::nullopt;  // the address has none left
    // Its ports are free unless a hold queue out of order still has one.
    if (const auto port = port_in_block(block, proto, parity)) {
        new_block = block;
        counters_.add(Counter::port_blocks_allocated);
        return port;
    }
    blocks.release(block);  // never reported, so no record
    return std::nullopt;
}

std::optional<std::uint16_t> Engine::Impl::port_in_block(std::uint32_t block, Protocol proto,
                                                         std::optional<std::uint8_t> parity) {
    PortBlocks& blocks = tables_.blocks;
    const auto port = tables_.ports.allocate_in(blocks.address_of(block), proto, rng_, parity, blocks.first_port(block),
                                                blocks.last_port(block));
    if (!port) return std::nullopt;
    PortBlocks::Block& b = blocks[block];
    if (b.bindings++ == 0 && b.release_at != 0) {  // back in use within its hold
        blocks.wheel().cancel(block);
        b.release_at = 0;
    }
    return port;
}

Verdict Engine::Impl::refuse_unreachable(Packet& packet, const Ipv6Address& b4, Counter why) {
    // RFC 6888 REQ-11: ICMP Destination Unreachable, host unreachable.
    return refuse_to_b4(packet, b4, why, icmp::destination_unreachable, icmp::code_host_unreachable);
}

Verdict Engine::Impl::refuse_to_b4(Packet& packet, const Ipv6Address& b4, Counter why, std::uint8_t type,
                                   std::uint8_t code, std::uint16_t mtu) {
    if (!icmp_error_allowed()) return drop(why);
    if (!make_icmpv4_error(packet, type, code, kAftrIpv4, next_ip_id(), mtu) ||
        !encapsulate(packet, config_.aftr_address, b4, 0))
        return drop(Counter::drop_no_headroom);
    counters_.add(why);
    counters_.add(type == icmp::time_exceeded               ? Counter::sent_icmp_time_exceeded
                  : code == icmp::code_fragmentation_needed ? Counter::sent_icmp_too_big
                                                            : Counter::sent_icmp_unreachable);
    return Verdict::to_b4;
}

Verdict Engine::Impl::answer_aftr_echo(Packet& packet, const Ipv6Address& b4) {
    make_icmpv4_echo_reply(packet, next_ip_id());
    if (!encapsulate(packet, config_.aftr_address, b4, 0)) return drop(Counter::drop_no_headroom);
    counters_.add(Counter::out_aftr_echo_replies);
    return Verdict::to_b4;
}

}  // namespace dslite
