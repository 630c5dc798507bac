// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/shares.hpp"

#include <algorithm>
#include <cstring>

#include "dslite/deterministic.hpp"
#include "dslite/wire.hpp"
#include "hash.hpp"
#include "ipv4.hpp"

namespace dslite {

using namespace wire;

namespace {

std::uint32_t divided(std::uint32_t total, unsigned count) { return (total + count - 1) / count; }

}  // namespace

std::vector<std::pair<std::uint16_t, std::uint16_t>> Shares::split(const EngineConfig& config, unsigned count) {
    if (config.port_mapping != PortMapping::deterministic || count < 2)
        return split_port_range(config.port_min, config.port_max, count, share_unit(config));
    // RFC 7422 ranges fill from the start of the range: split the ranges in
    // use, so each engine serves as many subscribers as the others, and the
    // last takes the unused rest.
    auto made = DeterministicMap::make(config);
    const auto* map = std::get_if<DeterministicMap>(&made);
    if (!map) return {};
    const std::uint64_t addresses = Pool(config.pools).size();
    const std::uint64_t used = (map->subscribers() + addresses - 1) / addresses;
    auto slices =
        split_port_range(config.port_min, static_cast<std::uint16_t>(config.port_min + used * map->ports_each() - 1),
                         count, map->ports_each());
    if (!slices.empty()) slices.back().second = config.port_max;
    return slices;
}

Shares::Shares(const EngineConfig& config, unsigned count)
    : config_(config), count_(count), slices_(split(config, count)), pools_(config.pools) {
    if (config.port_mapping == PortMapping::deterministic && count > 1) {
        auto made = DeterministicMap::make(config);
        if (auto* map = std::get_if<DeterministicMap>(&made)) deterministic_ = std::move(*map);
    }
    if (count < 2) return;
    // A subscriber with static mappings belongs to the engine whose slice
    // holds their public ports, so its other bindings are made there too.
    for (const StaticMapping& m : config.static_mappings) {
        const Ipv6Address prefix = mask_ipv6(m.b4, config.subscriber_prefix_length);
        const Owner owner = of_port(m.public_port);
        auto it = std::find_if(pinned_.begin(), pinned_.end(), [&](const auto& p) { return p.first == prefix; });
        if (it == pinned_.end()) {
            pinned_.emplace_back(prefix, owner.index);
        } else if (it->second != owner.index && !conflict_) {
            conflict_ = "the static mappings of " + to_string(Ipv6Prefix{prefix, config.subscriber_prefix_length}) +
                        " have ports in two threads' shares of --port-range (" +
                        std::to_string(slices_[it->second].first) + "-" + std::to_string(slices_[it->second].second) +
                        " and " + std::to_string(slices_[owner.index].first) + "-" +
                        std::to_string(slices_[owner.index].second) + ")";
        }
    }
    std::sort(pinned_.begin(), pinned_.end());
}

EngineConfig Shares::config_of(unsigned i) const {
    EngineConfig c = config_;
    if (count_ == 1) return c;
    c.port_min = slices_[i].first;
    c.port_max = slices_[i].second;
    c.pool_shared = true;
    c.shared_port_min = config_.port_min;
    c.shared_port_max = config_.port_max;
    // The same memory as one engine: a subscriber's bindings all live in the
    // engine that owns it, so each table gets its part of the whole (under
    // deterministic mapping, at least the part of the subscribers it serves).
    c.max_bindings = divided(config_.max_bindings, count_);
    c.max_subscribers = divided(config_.max_subscribers, count_);
    if (deterministic_) {
        const std::uint64_t served = subscribers_served(i), all = deterministic_->subscribers();
        c.max_subscribers = static_cast<std::uint32_t>(
            std::min<std::uint64_t>(config_.max_subscribers, std::max<std::uint64_t>(c.max_subscribers, served)));
        c.max_bindings = static_cast<std::uint32_t>(std::min<std::uint64_t>(
            config_.max_bindings,
            std::max<std::uint64_t>(c.max_bindings, (std::uint64_t{config_.max_bindings} * served + all - 1) / all)));
    }
    // The static mappings of the subscribers it serves come on top.
    for (const auto& [prefix, engine] : pinned_) c.max_subscribers += engine == i;
    for (const StaticMapping& m : config_.static_mappings) c.max_bindings += of_port(m.public_port) == Owner::of(i);
    c.seed = mix64(config_.seed + i + 1);
    return c;
}

std::uint64_t Shares::subscribers_served(unsigned i) const {
    // Subscriber n has range n div A: those of engine i's ranges.
    const std::uint64_t addresses = Pool(config_.pools).size();
    const std::uint64_t each = deterministic_->ports_each();
    const std::uint64_t first = (slices_[i].first - config_.port_min) / each;
    const std::uint64_t last = (std::uint64_t{slices_[i].second} + 1 - config_.port_min) / each;
    const std::uint64_t all = deterministic_->subscribers();
    return std::min(all, last * addresses) - std::min(all, first * addresses);
}

Owner Shares::of_subscriber(const std::uint8_t* address) const {
    if (count_ == 1) return Owner::of(0);
    Ipv6Address a;
    std::memcpy(a.data(), address, 16);
    const Ipv6Address prefix = mask_ipv6(a, config_.subscriber_prefix_length);
    if (!pinned_.empty()) {
        const auto it = std::lower_bound(pinned_.begin(), pinned_.end(), std::pair{prefix, 0u});
        if (it != pinned_.end() && it->first == prefix) return Owner::of(it->second);
    }
    // RFC 7422: the engine whose slice holds the subscriber's range.
    if (deterministic_)
        if (const auto number = deterministic_->number_of(prefix))
            return of_port(deterministic_->range_of(*number).first);
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
    for (unsigned i = 0; i < slices_.size(); ++i)
        if (port >= slices_[i].first && port <= slices_[i].second) return Owner::of(i);
    return {};
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
