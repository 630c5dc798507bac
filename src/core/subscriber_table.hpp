// Subscribers: a B4 prefix of the configured length (RFC 7785), holding the
// one public address all its bindings use (paired pooling, RFC 6888 REQ-2)
// and its binding counts per protocol (the quota, RFC 6888 REQ-4).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "dslite/address.hpp"
#include "flat_index.hpp"
#include "hash.hpp"
#include "port_allocator.hpp"
#include "slab.hpp"

namespace dslite {

struct Subscriber {
    Ipv6Address prefix;
    std::uint32_t pool_index;  // the paired public address
    std::array<std::uint32_t, kProtocols> bindings;
    std::uint16_t tunnel_mtu;       // RFC 2473 6.7: per B4, lowered by ICMPv6 PTB
    std::uint32_t rate_second = 0;  // new bindings made in that second
    std::uint32_t rate_count = 0;
};

class SubscriberTable {
public:
    static constexpr std::uint32_t npos = Slab<Subscriber>::npos;

    SubscriberTable(std::uint32_t capacity, std::uint64_t seed)
        : seed_(mix64(seed ^ 0x7375'6273'6372'6962ull)), slab_(capacity), index_(capacity) {}

    std::uint32_t find(const Ipv6Address& prefix) const {
        return index_.find(hash(prefix), [&](std::uint32_t id) { return slab_[id].prefix == prefix; });
    }
    std::uint32_t insert(const Ipv6Address& prefix, std::uint32_t pool_index, std::uint16_t tunnel_mtu) {
        const std::uint32_t id = slab_.acquire();
        if (id == npos) return npos;
        slab_[id] = Subscriber{prefix, pool_index, {}, tunnel_mtu, 0, 0};
        index_.insert(hash(prefix), id);
        return id;
    }
    void erase(std::uint32_t id) {
        index_.erase(hash(slab_[id].prefix), id);
        slab_.release(id);
    }
    std::uint32_t hash(const Ipv6Address& prefix) const {
        std::uint64_t hi, lo;
        std::memcpy(&hi, prefix.data(), 8);
        std::memcpy(&lo, prefix.data() + 8, 8);
        return hash_words(seed_, hi, lo, 0);
    }

    Subscriber& operator[](std::uint32_t id) { return slab_[id]; }
    const Subscriber& operator[](std::uint32_t id) const { return slab_[id]; }
    std::uint32_t size() const { return slab_.size(); }
    std::size_t memory_bytes() const { return slab_.memory_bytes() + index_.memory_bytes(); }
    template <class Visit>
    void for_each(Visit&& visit) const {
        slab_.for_each(visit);
    }

private:
    std::uint64_t seed_;
    Slab<Subscriber> slab_;
    FlatIndex index_;
};

}  // namespace dslite
