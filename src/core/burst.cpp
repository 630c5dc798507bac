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

// A software pipeline over the burst: packet i's index slot is requested
// 2*kDistance packets before it is handled and its record kDistance packets
// before, so each miss has the time of several packets' work to arrive.
template <class Hash, class One>
void lookahead(std::span<Packet> packets, std::span<Verdict> verdicts, const BindingTable& bindings, bool inner,
               Hash&& hash, One&& one) {
    constexpr std::size_t kDistance = 8;
    const std::size_t count = std::min(packets.size(), verdicts.size());
    std::array<std::optional<std::uint32_t>, kLookahead> hashes;
    for (std::size_t base = 0; base < count; base += kLookahead) {
        const std::size_t n = std::min(kLookahead, count - base);
        for (std::size_t i = 0; i < n; ++i) hashes[i] = hash(packets[base + i]);
        for (std::size_t i = 0; i < n + 2 * kDistance; ++i) {
            if (i < n && hashes[i])
                inner ? bindings.prefetch_inner_slot(*hashes[i]) : bindings.prefetch_public_slot(*hashes[i]);
            if (i >= kDistance && i - kDistance < n && hashes[i - kDistance]) {
                const std::uint32_t h = *hashes[i - kDistance];
                inner ? bindings.prefetch_inner_record(h) : bindings.prefetch_public_record(h);
            }
            if (i >= 2 * kDistance) verdicts[base + i - 2 * kDistance] = one(packets[base + i - 2 * kDistance]);
        }
    }
}

}  // namespace

std::optional<std::uint32_t> Engine::Impl::inner_key_hash(const Packet& packet) const {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size + ipv4::min_header_size + icmp::header_size ||
        h[ipv6::next_header] != proto_ipv4)
        return std::nullopt;
    const std::uint8_t* ip = h + ipv6::header_size;
    const std::size_t ihl = ipv4::header_length(ip);
    if (ihl < ipv4::min_header_size || ipv6::header_size + ihl + icmp::header_size > packet.size()) return std::nullopt;
    Protocol proto;
    std::uint16_t port;
    if (!transport_key(ip, ihl, l4::source_port, proto, port)) return std::nullopt;
    Ipv6Address b4;
    std::memcpy(b4.data(), h + ipv6::source, 16);
    return tables_.bindings.inner_hash(b4, load32(ip + ipv4::source), port, proto);
}

std::optional<std::uint32_t> Engine::Impl::public_key_hash(const Packet& packet) const {
    const std::uint8_t* ip = packet.data();
    if (packet.size() < ipv4::min_header_size + icmp::header_size) return std::nullopt;
    const std::size_t ihl = ipv4::header_length(ip);
    if (ihl < ipv4::min_header_size || ihl + icmp::header_size > packet.size()) return std::nullopt;
    Protocol proto;
    std::uint16_t port;
    if (!transport_key(ip, ihl, l4::destination_port, proto, port)) return std::nullopt;
    return tables_.bindings.public_hash(load32(ip + ipv4::destination), port, proto);
}

void Engine::from_b4(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter) {
    Impl& i = *impl_;
    lookahead(
        packets, verdicts, i.tables_.bindings, true, [&](const Packet& p) { return i.inner_key_hash(p); },
        [&](Packet& p) { return i.from_b4(p, now, emitter); });
}

void Engine::from_uplink(std::span<Packet> packets, std::span<Verdict> verdicts, Time now, Emitter& emitter) {
    Impl& i = *impl_;
    lookahead(
        packets, verdicts, i.tables_.bindings, false, [&](const Packet& p) { return i.public_key_hash(p); },
        [&](Packet& p) { return i.from_uplink(p, now, emitter); });
}

}  // namespace dslite
