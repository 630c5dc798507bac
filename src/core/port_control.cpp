// SPDX-License-Identifier: BSD-2-Clause
// NAT-PMP (RFC 6886) at 192.0.0.1:5351, from the hosts behind the B4s (RFC
// 6888 REQ-9: subscribers control their mappings). A host sends from its
// private address through its softwire, so the AFTR knows who asks: the
// mapping is the binding of that B4, that address and that port, counted in
// the subscriber's quota and in --pcp-max-mappings, endpoint-independent
// and open to every remote, living at least to its lifetime. Any other
// version is PCP's (pcp.cpp), as RFC 6887 Appendix A has a server that
// speaks both tell them apart.
#include <algorithm>
#include <array>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

namespace {

// RFC 6886 3.5 result codes.
constexpr std::uint16_t kSuccess = 0, kRefused = 2, kNetworkFailure = 3, kOutOfResources = 4, kUnsupportedOpcode = 5;

}  // namespace

Verdict Engine::Impl::answer_port_control(Packet& packet, const Ipv6Address& b4, const Transport& t) {
    std::uint8_t* ip = packet.data();
    const std::size_t available = packet.size() - t.offset;
    const std::uint16_t udp_length = load16(ip + t.offset + udp::length);
    if (udp_length < udp::header_size || udp_length > available) return drop(Counter::drop_port_control_malformed);
    if (load16(ip + t.offset + udp::checksum) != 0 &&
        checksum({ip + t.offset, udp_length},
                 pseudo_header_ipv4(ip + ipv4::source, ip + ipv4::destination, proto_udp, udp_length)) != 0)
        return drop(Counter::drop_port_control_malformed);
    const std::uint8_t* m = ip + t.offset + udp::header_size;
    const std::size_t n = udp_length - udp::header_size;
    // Anything shorter than a header, or a response (opcode 128 and up):
    // nothing to answer (RFC 6887 8.2 and RFC 6886 3.1 alike).
    if (n < 2 || m[1] >= 128) return drop(Counter::drop_port_control_malformed);
    if (m[0] != 0) return answer_pcp(packet, b4, t, {m, n});
    if (n > 1100) return drop(Counter::drop_port_control_malformed);
    const std::uint8_t opcode = m[1];
    const std::uint32_t host = load32(ip + ipv4::source);

    std::array<std::uint8_t, 16> reply{};
    std::size_t size = 8;
    std::uint16_t result = kSuccess;
    if (opcode == 0) {
        // The public address the subscriber has, or would get.
        size = 12;
        const std::uint32_t sub = tables_.subscribers.find(mask_ipv6(b4, config_.subscriber_prefix_length));
        std::uint32_t index = sub != SubscriberTable::npos ? tables_.subscribers[sub].pool_index : Pool::npos;
        if (index == Pool::npos && deterministic_) {
            if (const auto number = deterministic_->number_of(mask_ipv6(b4, config_.subscriber_prefix_length)))
                index = deterministic_->range_of(*number).pool_index;
        } else if (index == Pool::npos) {
            index = choose_address(tables_.subscribers.hash(mask_ipv6(b4, config_.subscriber_prefix_length)),
                                   Protocol::udp);
        }
        if (index == Pool::npos) result = kNetworkFailure;
        store32(reply.data() + 8, index == Pool::npos ? 0 : pool_.address_at(index));
    } else if (opcode == 1 || opcode == 2) {
        if (n < 12) return drop(Counter::drop_port_control_malformed);
        size = 16;
        const std::uint16_t internal = load16(m + 4);
        const Granted g = map_requested(b4, host, internal, opcode == 1 ? Protocol::udp : Protocol::tcp, load16(m + 6),
                                        load32(m + 8));
        result = g.result;
        store16(reply.data() + 8, internal);
        store16(reply.data() + 10, g.port);
        store32(reply.data() + 12, g.lifetime);
    } else {
        result = kUnsupportedOpcode;
    }
    reply[0] = 0;
    reply[1] = static_cast<std::uint8_t>(128 + opcode);
    store16(reply.data() + 2, result);
    store32(reply.data() + 4, epoch_seconds());
    write_port_control_answer(packet, host, t.source, {reply.data(), size}, 64);
    if (!encapsulate(packet, config_.aftr_address, b4, 0)) return drop(Counter::drop_no_headroom);
    counters_.add(Counter::out_port_control_answers);
    return Verdict::to_b4;
}

void Engine::Impl::write_port_control_answer(Packet& packet, std::uint32_t host, std::uint16_t port,
                                             std::span<const std::uint8_t> message, std::uint8_t ttl) {
    const std::size_t total = ipv4::min_header_size + udp::header_size + message.size();
    packet.resize(total);
    std::uint8_t* ip = packet.data();
    ip[0] = 0x45;
    ip[ipv4::tos] = 0;
    store16(ip + ipv4::total_length, static_cast<std::uint16_t>(total));
    store16(ip + ipv4::identification, next_ip_id());
    store16(ip + ipv4::flags_fragment, 0);
    ip[ipv4::ttl] = ttl;
    ip[ipv4::protocol] = proto_udp;
    store16(ip + ipv4::checksum, 0);
    store32(ip + ipv4::source, kAftrIpv4);
    store32(ip + ipv4::destination, host);
    store16(ip + ipv4::checksum, checksum({ip, ipv4::min_header_size}));
    std::uint8_t* u = ip + ipv4::min_header_size;
    const auto udp_length = static_cast<std::uint16_t>(udp::header_size + message.size());
    store16(u + l4::source_port, kPortControlPort);
    store16(u + l4::destination_port, port);
    store16(u + udp::length, udp_length);
    store16(u + udp::checksum, 0);
    std::memmove(u + udp::header_size, message.data(), message.size());
    const std::uint16_t sum =
        checksum({u, udp_length}, pseudo_header_ipv4(ip + ipv4::source, ip + ipv4::destination, proto_udp, udp_length));
    store16(u + udp::checksum, sum == 0 ? 0xffff : sum);
}

std::uint32_t Engine::Impl::requested_binding(const Ipv6Address& b4, std::uint32_t host, std::uint16_t port,
                                              Protocol proto, InnerKey& key) {
    key = {mask_ipv6(b4, config_.subscriber_prefix_length), SubscriberTable::npos, 0, host, port, proto};
    key.subscriber = tables_.subscribers.find(key.prefix);
    if (key.subscriber == SubscriberTable::npos) return BindingTable::npos;
    key.softwire = softwire_slot(key.subscriber, b4);
    if (key.softwire == SubscriberTable::no_softwire) return BindingTable::npos;
    return tables_.bindings.find_inner(key);
}

bool Engine::Impl::request(std::uint32_t id, std::uint32_t lifetime) {
    Binding& s = tables_.bindings[id];
    if (!s.requested) {
        if (tables_.requested_count[s.subscriber] >= config_.pcp_max_mappings) return false;
        s.requested = true;
        ++tables_.requested_count[s.subscriber];
    }
    tables_.pcp[id].until = now_ + lifetime + 1;  // as due_of counts an idle end
    return true;
}

void Engine::Impl::unrequest(std::uint32_t id) {
    Binding& s = tables_.bindings[id];
    if (!s.requested) return;
    s.requested = false;
    --tables_.requested_count[s.subscriber];
    tables_.pcp[id] = {};
    // The wheel may hold it for the lifetime's end: move it to its idle end.
    tables_.wheel.cancel(id);
    tables_.wheel.schedule(id, std::max(due_of(id), now_ + 1));
}

std::uint32_t Engine::Impl::remaining_seconds(std::uint32_t id) const {
    const Binding& s = tables_.bindings[id];
    if (s.is_static) return 0xffffffff;
    const std::uint32_t due = due_of(id) - 1;
    return due > now_ ? due - now_ : 0;
}

Engine::Impl::Granted Engine::Impl::map_requested(const Ipv6Address& b4, std::uint32_t host, std::uint16_t port,
                                                  Protocol proto, std::uint16_t wanted, std::uint32_t lifetime) {
    if (config_.pcp_max_mappings == 0) return {kRefused};
    // RFC 6886 3.4: deleting every mapping of the host (port 0) is not
    // offered: it would walk the whole table for one request.
    if (port == 0) return {kRefused};
    InnerKey key;
    std::uint32_t id = requested_binding(b4, host, port, proto, key);
    if (key.subscriber != SubscriberTable::npos && key.softwire == SubscriberTable::no_softwire) return {kRefused};
    if (lifetime == 0) {
        // Only what was asked for goes: a binding made by traffic stays.
        if (id != BindingTable::npos && tables_.bindings[id].requested) {
            tables_.wheel.cancel(id);
            remove(id, RemovalReason::deleted, now_);
        }
        return {kSuccess, 0, 0};
    }
    lifetime = std::clamp(lifetime, std::min(kPcpMinLifetime, config_.pcp_max_lifetime), config_.pcp_max_lifetime);
    if (id != BindingTable::npos && tables_.bindings[id].is_static)
        return {kSuccess, tables_.bindings[id].public_port, lifetime};
    if (id == BindingTable::npos) {
        if (key.subscriber != SubscriberTable::npos &&
            tables_.requested_count[key.subscriber] >= config_.pcp_max_mappings)
            return {kOutOfResources};
        Transport t{};
        t.proto = proto;
        t.source = port;
        Counter why = Counter::drop_pool_exhausted;
        id = make_binding(b4, key, t, wanted ? std::optional<std::uint16_t>(wanted) : std::nullopt, why);
        if (id == BindingTable::npos) return {kOutOfResources};
    }
    if (!request(id, lifetime)) return {kOutOfResources};
    Binding& s = tables_.bindings[id];
    s.last_seen = now_;
    return {kSuccess, s.public_port, lifetime};
}

}  // namespace dslite
