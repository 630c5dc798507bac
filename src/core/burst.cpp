// SPDX-License-Identifier: BSD-2-Clause
// Burst processing: before handling a burst's packets one by one, compute
// each packet's binding hash and prefetch its index slot, then its record.
// With a million bindings every lookup is two cache misses; overlapping them
// across the burst is worth more than anything else on the packet path.
#include <algorithm>
#include <array>
#include <cstring>

#include "dslite/wire.hpp"
#include "engine_impl.hpp"

namespace dslite {

using namespace wire;

namespace {

constexpr std::size_t kLookahead = 32;

// The key fields of a transport header, or nothing for other protocols.
bool transport_key(const std::uint8_t* ip, std::size_t ihl, std::size_t port_field, Protocol& proto,
                   std::uint16_t& port) {
    switch (ip[ipv4::protocol]) {
    case proto_tcp: proto = Protocol::tcp; break;
    case proto_udp: proto = Protocol::udp; break;
    case proto_icmp:
        proto = Protocol::icmp;
        port = load16(ip + ihl + icmp::identifier);
        return true;
    default: return false;
    }
    port = load16(ip + ihl + port_field);
    return true;
}

// A software pipeline over the burst: packet i's index slots are requested
// 2*kDistance packets before it is handled and its records kDistance packets
// before, so each miss has the time of several packets' work to arrive.
// `by_subscriber`: a B4 path that looks the subscriber up before the binding.
template <bool Inner, class Tables, class Hash, class One>
void lookahead(std::span<Packet> packets, std::span<Verdict> verdicts, const Tables& tables, bool by_subscriber,
               Hash&& hash, One&& one) {
    constexpr std::size_t kDistance = 8;
    const std::size_t count = std::min(packets.size(), verdicts.size());
    std::array<Keys, kLookahead> keys;
    for (std::size_t base = 0; base < count; base += kLookahead) {
        const std::size_t n = std::min(kLookahead, count - base);
        for (std::size_t i = 0; i < n; ++i) keys[i] = hash(packets[base + i]);
        for (std::size_t i = 0; i < n + 2 * kDistance; ++i) {
            if (i < n && keys[i].valid) {
                const Keys& k = keys[i];
                if constexpr (Inner) {
                    tables.bindings.prefetch_inner_slot(k.binding);
                    if (by_subscriber) tables.subscribers.prefetch_slot(k.subscriber);
                } else {
                    tables.bindings.prefetch_public_slot(k.binding);
                }
            }
            if (i >= kDistance && i - kDistance < n && keys[i - kDistance].valid) {
                const Keys& k = keys[i - kDistance];
                if constexpr (Inner) {
                    tables.bindings.prefetch_inner_record(k.binding);
                    if (by_subscriber) tables.subscribers.prefetch_record(k.subscriber);
                } else {
                    tables.bindings.prefetch_public_record(k.binding);
                }
            }
            if (i >= 2 * kDistance) verdicts[base + i - 2 * kDistance] = one(packets[base + i - 2 * kDistance]);
        }
    }
}

}  // namespace

Keys Engine::Impl::inner_key_hash(const Packet& packet) const {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size + ipv4::min_header_size + icmp::header_size ||
        h[ipv6::next_header] != proto_ipv4)
        return {};
    const std::uint8_t* ip = h + ipv6::header_size;
    const std::size_t ihl = ipv4::header_length(ip);
    if (ihl < ipv4::min_header_size || ipv6::header_size + ihl + icmp::header_size > packet.size()) return {};
    Protocol proto;
    std::uint16_t port;
    if (!transport_key(ip, ihl, l4::source_port, proto, port)) return {};
    Ipv6Address b4;
    std::memcpy(b4.data(), h + ipv6::source, 16);
    // Softwire slot 0: right for every subscriber with one softwire (the
    // default); a wrong guess only prefetches the wrong line.
    const InnerKey key{mask_ipv6(b4, config_.subscriber_prefix_length), 0, 0, load32(ip + ipv4::source), port, proto};
    // With one softwire each the B4 path finds the binding first, and its
    // subscriber by the binding; with several it looks the subscriber up.
    const bool by_subscriber = config_.softwires_per_subscriber > 1;
    return Keys{tables_.bindings.inner_hash(key), by_subscriber ? tables_.subscribers.hash(key.prefix) : 0, 1};
}

Keys Engine::Impl::public_key_hash(const Packet& packet) const {
    const std::uint8_t* ip = packet.data();
    if (packet.size() < ipv4::min_header_size + icmp::header_size) return {};
    const std::size_t ihl = ipv4::header_length(ip);
    if (ihl < ipv4::min_header_size || ihl + icmp::header_size > packet.size()) return {};
    Protocol proto;
    std::uint16_t port;
    if (!transport_key(ip, ihl, l4::destination_port, proto, port)) return {};
    return Keys{tables_.bindings.public_hash(load32(ip + ipv4::destination), port, proto), 0, 1};
}

void Engine::from_b4(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter) {
    Impl& i = *impl_;
    lookahead<true>(
        packets, verdicts, i.tables_, i.config_.softwires_per_subscriber > 1,
        [&](const Packet& p) { return i.inner_key_hash(p); }, [&](Packet& p) { return i.from_b4(p, now, emitter); });
}

void Engine::from_uplink(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter) {
    Impl& i = *impl_;
    lookahead<false>(
        packets, verdicts, i.tables_, false, [&](const Packet& p) { return i.public_key_hash(p); },
        [&](Packet& p) { return i.from_uplink(p, now, emitter); });
}

}  // namespace dslite
