#include "dslite/shares.hpp"

#include <cstring>

#include "dslite/wire.hpp"
#include "hash.hpp"
#include "ipv4.hpp"

namespace dslite {

using namespace wire;

namespace {

std::uint32_t divided(std::uint32_t total, unsigned count) { return (total + count - 1) / count; }

}  // namespace

Shares::Shares(const EngineConfig& config, unsigned count)
    : config_(config),
      count_(count),
      slices_(split_port_range(config.port_min, config.port_max, count)),
      pools_(config.pools) {}

EngineConfig Shares::config_of(unsigned i) const {
    EngineConfig c = config_;
    if (count_ == 1) return c;
    c.port_min = slices_[i].first;
    c.port_max = slices_[i].second;
    c.pool_shared = true;
    // The same memory as one engine: a subscriber's bindings all live in the
    // engine that owns it, so each table gets its part of the whole.
    c.max_bindings = divided(config_.max_bindings, count_);
    c.max_subscribers = divided(config_.max_subscribers, count_);
    c.seed = mix64(config_.seed + i + 1);
    return c;
}

Owner Shares::of_subscriber(const std::uint8_t* address) const {
    if (count_ == 1) return Owner::of(0);
    Ipv6Address a;
    std::memcpy(a.data(), address, 16);
    const Ipv6Address prefix = mask_ipv6(a, config_.subscriber_prefix_length);
    std::uint64_t high = 0, low = 0;
    std::memcpy(&high, prefix.data(), 8);
    std::memcpy(&low, prefix.data() + 8, 8);
    // Seeded as the tables are: nobody outside can pick B4 addresses that all land on one engine.
    return Owner::of(hash_words(config_.seed, high, low, 0x73686172) % count_);
}

Owner Shares::from_b4(std::span<const std::uint8_t> p) const {
    if (p.size() < ipv6::header_size || (p[0] >> 4) != 6) return {};
    // Where a router on the path reports a packet of ours toward a B4, the
    // quoted packet's destination is that B4 (softwire_errors.cpp).
    constexpr std::size_t quoted = ipv6::header_size + icmp::header_size;
    if (p[ipv6::next_header] == proto_icmpv6 && p.size() >= ipv6::header_size + icmp::header_size &&
        p[ipv6::header_size + icmp::type] < icmp::v6_echo_request) {
        if (p.size() < quoted + ipv6::header_size) return {};
        return of_subscriber(p.data() + quoted + ipv6::destination);
    }
    return of_subscriber(p.data() + ipv6::source);
}

Owner Shares::of_port(std::uint16_t port) const {
    if (port < config_.port_min || port > config_.port_max) return {};
    // Slices differ by at most one port, the longer ones first (split_port_range).
    const std::uint32_t offset = port - config_.port_min;
    const std::uint32_t total = std::uint32_t{config_.port_max} - config_.port_min + 1;
    const std::uint32_t small = total / count_;
    const std::uint32_t longer = total % count_;
    const std::uint32_t in_longer = longer * (small + 1);
    if (offset < in_longer) return Owner::of(offset / (small + 1));
    return Owner::of(longer + (offset - in_longer) / small);
}

bool Shares::in_pool(std::uint32_t address) const {
    for (const auto& pool : pools_)
        if (pool.contains(Ipv4Address{address})) return true;
    return false;
}

Owner Shares::from_uplink(std::span<const std::uint8_t> p) const { return by_ports(p, false); }

Owner Shares::from_first_fragment(std::span<const std::uint8_t> p) const { return by_ports(p, true); }

Owner Shares::by_ports(std::span<const std::uint8_t> p, bool fragments_too) const {
    if (p.size() < ipv4::min_header_size || (p[0] >> 4) != 4) return {};
    const std::size_t length = ipv4::header_length(p.data());
    if (length < ipv4::min_header_size || p.size() < length) return {};
    if (!in_pool(load32(p.data() + ipv4::destination))) return {};
    if (is_fragment(p.data()) && !fragments_too) return {Owner::fragment, 0};
    const std::uint8_t* l4 = p.data() + length;
    const std::size_t available = p.size() - length;
    switch (p[ipv4::protocol]) {
    case proto_tcp:
    case proto_udp:
        if (available < 4) return {};
        return of_port(load16(l4 + l4::destination_port));
    case proto_icmp: break;
    default: return {};
    }
    if (available < icmp::header_size) return {};
    if (l4[icmp::type] == icmp::echo_reply) return of_port(load16(l4 + icmp::identifier));
    if (!is_icmp_error(l4[icmp::type])) return {};
    // The quoted packet is one we sent: its source is the pool address and port.
    const std::uint8_t* quoted = l4 + icmp::header_size;
    const std::size_t quoted_available = available - icmp::header_size;
    if (quoted_available < ipv4::min_header_size) return {};
    const std::size_t quoted_length = ipv4::header_length(quoted);
    if (quoted_length < ipv4::min_header_size || quoted_available < quoted_length + icmp::header_size) return {};
    const std::uint8_t* quoted_l4 = quoted + quoted_length;
    switch (quoted[ipv4::protocol]) {
    case proto_tcp:
    case proto_udp: return of_port(load16(quoted_l4 + l4::source_port));
    case proto_icmp: return of_port(load16(quoted_l4 + icmp::identifier));
    default: return {};
    }
}

}  // namespace dslite
