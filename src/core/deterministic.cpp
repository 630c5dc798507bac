// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/deterministic.hpp"

#include <algorithm>

namespace dslite {

namespace {

// Bits [from, to) of an address as a number (to - from <= 64).
std::uint64_t bits(const Ipv6Address& a, unsigned from, unsigned to) {
    std::uint64_t n = 0;
    for (unsigned i = from; i < to; ++i) n = n << 1 | ((a[i / 8] >> (7 - i % 8)) & 1u);
    return n;
}

void set_bits(Ipv6Address& a, unsigned from, unsigned to, std::uint64_t n) {
    for (unsigned i = to; i-- > from; n >>= 1) {
        const auto bit = static_cast<std::uint8_t>(1u << (7 - i % 8));
        a[i / 8] = static_cast<std::uint8_t>((n & 1) ? a[i / 8] | bit : a[i / 8] & ~bit);
    }
}

// More subscribers than any pool could give a port each: refused early.
constexpr unsigned kMostSubscriberBits = 32;

}  // namespace

std::variant<DeterministicMap, std::string> DeterministicMap::make(const EngineConfig& c) {
    DeterministicMap m;
    m.length_ = c.subscriber_prefix_length;
    // Engines side by side all use the formula over the whole range.
    const std::uint16_t port_min = c.pool_shared ? c.shared_port_min : c.port_min;
    const std::uint16_t port_max = c.pool_shared ? c.shared_port_max : c.port_max;
    m.port_min_ = port_min;
    m.pool_ = Pool(c.pools);
    if (c.b4_prefixes.empty())
        return std::string("needs --b4-prefix: the subscribers it maps are that prefix's /") +
               std::to_string(c.subscriber_prefix_length) + "s";
    for (std::size_t i = 0; i < c.b4_prefixes.size(); ++i) {
        const Ipv6Prefix& p = c.b4_prefixes[i];
        if (p.length > m.length_)
            return "--b4-prefix " + to_string(p) + " is longer than --subscriber-prefix-length " +
                   std::to_string(m.length_);
        if (unsigned{m.length_} - p.length > kMostSubscriberBits)
            return "--b4-prefix " + to_string(p) + " holds more than 2^32 subscribers of /" + std::to_string(m.length_);
        for (std::size_t j = 0; j < i; ++j) {
            const Ipv6Prefix& q = c.b4_prefixes[j];
            if (p.contains(q.address) || q.contains(p.address))
                return "--b4-prefix " + to_string(p) + " overlaps " + to_string(q) +
                       ": a subscriber would have two ranges";
        }
        const std::uint64_t count = std::uint64_t{1} << (m.length_ - p.length);
        m.blocks_.push_back({p, m.subscribers_, count});
        m.subscribers_ += count;
    }
    const std::uint64_t addresses = m.pool_.size();
    m.ports_each_ = std::max({c.quota.tcp, c.quota.udp, c.quota.icmp});
    const std::uint32_t ports = std::uint32_t{port_max} - port_min + 1;
    m.ranges_per_address_ = m.ports_each_ ? ports / m.ports_each_ : 0;
    if (m.ranges_per_address_ == 0)
        return "a range of " + std::to_string(m.ports_each_) + " ports (the largest quota) does not fit --port-range";
    const std::uint64_t capacity = addresses * m.ranges_per_address_;
    if (m.subscribers_ > capacity)
        return std::to_string(m.subscribers_) + " subscribers (/" + std::to_string(m.length_) +
               "s of --b4-prefix) need as many ranges of " + std::to_string(m.ports_each_) +
               " ports, but the pool has " + std::to_string(addresses) + " addresses x " +
               std::to_string(m.ranges_per_address_) + " = " + std::to_string(capacity);
    return m;
}

std::optional<std::uint64_t> DeterministicMap::number_of(const Ipv6Address& subscriber) const {
    for (const Block& b : blocks_)
        if (b.prefix.contains(subscriber)) return b.first + bits(subscriber, b.prefix.length, length_);
    return std::nullopt;
}

Ipv6Prefix DeterministicMap::prefix_of(std::uint64_t number) const {
    for (const Block& b : blocks_) {
        if (number - b.first >= b.count) continue;
        Ipv6Address a = b.prefix.address;
        set_bits(a, b.prefix.length, length_, number - b.first);
        return {a, length_};
    }
    return {};
}

DeterministicMap::Range DeterministicMap::range_of(std::uint64_t number) const {
    Range r;
    r.pool_index = static_cast<std::uint32_t>(number % pool_.size());
    r.address = Ipv4Address{pool_.address_at(r.pool_index)};
    const std::uint64_t block = number / pool_.size();
    r.first = static_cast<std::uint16_t>(port_min_ + block * ports_each_);
    r.last = static_cast<std::uint16_t>(r.first + ports_each_ - 1);
    return r;
}

std::optional<std::uint64_t> DeterministicMap::owner_of(Ipv4Address address, std::uint16_t port) const {
    const std::uint32_t index = pool_.index_of(address.value);
    if (index == Pool::npos || port < port_min_) return std::nullopt;
    const std::uint64_t block = (port - port_min_) / ports_each_;
    if (block >= ranges_per_address_) return std::nullopt;
    const std::uint64_t number = block * pool_.size() + index;
    if (number >= subscribers_) return std::nullopt;
    return number;
}

}  // namespace dslite
