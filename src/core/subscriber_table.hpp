// SPDX-License-Identifier: BSD-2-Clause
// Subscribers: a B4 prefix of the configured length (RFC 7785), holding the
// one public address all its bindings use (paired pooling, RFC 6888 REQ-2),
// its binding counts per protocol (the quota, RFC 6888 REQ-4) and its
// softwires: the B4 addresses its bindings are reached through, at most
// softwires_per_subscriber of them (RFC 7785 4). A binding names its
// softwire by slot, so a softwire that moves to a new B4 address takes all
// of its bindings along at once.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "dslite/address.hpp"
#include "flat_index.hpp"
#include "hash.hpp"
#include "port_allocator.hpp"
#include "slab.hpp"

namespace dslite {

// One cache line: a B4's packet or a reply reads the prefix, the first
// softwire and the tunnel MTU together.
struct alignas(64) Subscriber {
    Ipv6Address prefix;
    Ipv6Address first_b4;      // softwire slot 0; slots from 1 are kept beside the table
    std::uint32_t pool_index;  // the paired public address
    // At most one binding per port of its one public address: 16 bits hold it.
    std::array<std::uint16_t, kProtocols> bindings;
    std::uint16_t tunnel_mtu;       // RFC 2473 6.7: per B4, lowered by ICMPv6 PTB
    std::uint32_t rate_second = 0;  // new bindings made in that second
    std::uint32_t rate_count = 0;
    std::uint32_t first_seen_last = 0;  // slot 0's last use (engine seconds)
    std::uint32_t moved_at = 0;         // engine seconds
    std::uint8_t softwire_count = 0;
    bool moved = false;  // a softwire has moved: the next move waits for the hold
    // The low 16 bits of the engine second (plus one) its quota was last
    // reported full (events.hpp); a collision every 18 hours costs one record.
    std::uint16_t quota_reported = 0;
};
static_assert(sizeof(Subscriber) == 64);

struct Softwire {
    Ipv6Address b4;
    std::uint32_t last_seen;  // engine seconds: the least recently used is the one that moves
};

// A subscriber's packets in the last whole second, for "who is busiest now"
// (dslite-ctl top): counted as they pass, one compare and one increment, so
// a query ranks a million subscribers without a per-second walk to age them.
// Kept beside the table: the record's line is full.
struct Traffic {
    static constexpr std::size_t from_b4 = 0, to_b4 = 1;

    std::uint32_t second = 0;                 // the engine second `current` counts
    std::array<std::uint32_t, 2> current{};   // from, to the B4 in that second
    std::array<std::uint32_t, 2> previous{};  // in the second before it

    void count(std::size_t direction, std::uint32_t now) {
        if (second != now) [[unlikely]] {
            previous = second + 1 == now ? current : std::array<std::uint32_t, 2>{};
            current = {};
            second = now;
        }
        ++current[direction];
    }
    // The packets of the last whole second before `now`.
    std::array<std::uint32_t, 2> last_second(std::uint32_t now) const {
        if (second == now) return previous;
        if (second + 1 == now) return current;
        return {};
    }
};

class SubscriberTable {
public:
    static constexpr std::uint32_t npos = Slab<Subscriber>::npos;

    static constexpr std::uint8_t no_softwire = 0xff;

    SubscriberTable(std::uint32_t capacity, std::uint8_t softwires_each, std::uint64_t seed)
        : seed_(mix64(seed ^ 0x7375'6273'6372'6962ull)),
          softwires_each_(softwires_each),
          slab_(capacity),
          index_(capacity),
          extra_(std::size_t{capacity} * (softwires_each - 1)),
          traffic_(capacity) {}

    std::uint32_t find(const Ipv6Address& prefix) const {
        return index_.find(hash(prefix), [&](std::uint32_t id) { return slab_[id].prefix == prefix; });
    }
    std::uint32_t insert(const Ipv6Address& prefix, std::uint32_t pool_index, std::uint16_t tunnel_mtu) {
        const std::uint32_t id = slab_.acquire();
        if (id == npos) return npos;
        slab_[id] = Subscriber{prefix, {}, pool_index, {}, tunnel_mtu};
        traffic_[id] = {};
        index_.insert(hash(prefix), id);
        return id;
    }

    const Ipv6Address& b4(std::uint32_t id, std::uint8_t slot) const {
        return slot == 0 ? slab_[id].first_b4 : extra_[extra_index(id, slot)].b4;
    }
    std::uint8_t slot_of(std::uint32_t id, const Ipv6Address& address) const {
        for (std::uint8_t slot = 0; slot < slab_[id].softwire_count; ++slot)
            if (b4(id, slot) == address) return slot;
        return no_softwire;
    }
    // A packet came through the softwire: it is the last one to move.
    void touch(std::uint32_t id, std::uint8_t slot, std::uint32_t now) {
        if (softwires_each_ > 1) set_last_seen(id, slot, now);
    }
    // A new softwire in a free slot; no_softwire when all are in use.
    std::uint8_t add_softwire(std::uint32_t id, const Ipv6Address& address, std::uint32_t now) {
        Subscriber& s = slab_[id];
        if (s.softwire_count == softwires_each_) return no_softwire;
        set(id, s.softwire_count, address, now);
        return s.softwire_count++;
    }
    // The least recently used softwire: the one a new address takes over.
    std::uint8_t oldest_softwire(std::uint32_t id) const {
        std::uint8_t oldest = 0;
        for (std::uint8_t slot = 1; slot < slab_[id].softwire_count; ++slot)
            if (last_seen(id, slot) < last_seen(id, oldest)) oldest = slot;
        return oldest;
    }
    // That softwire now leads to `address`.
    void move_softwire(std::uint32_t id, std::uint8_t slot, const Ipv6Address& address, std::uint32_t now) {
        set(id, slot, address, now);
        slab_[id].moved = true;
        slab_[id].moved_at = now;
    }

    // A new limit of softwires per subscriber (a reloaded configuration):
    // a subscriber keeps its first `each` softwires. Allocates.
    void set_softwires_each(std::uint8_t each) {
        if (each == softwires_each_) return;
        std::vector<Softwire> extra(std::size_t{slab_.capacity()} * (each - 1u));
        const std::uint8_t old_each = softwires_each_;
        for (std::uint32_t id = 0; id < slab_.capacity(); ++id) {
            if (!slab_.in_use(id)) continue;
            Subscriber& s = slab_[id];
            s.softwire_count = std::min(s.softwire_count, each);
            for (std::uint8_t slot = 1; slot < s.softwire_count; ++slot)
                extra[std::size_t{id} * (each - 1u) + slot - 1u] =
                    extra_[std::size_t{id} * (old_each - 1u) + slot - 1u];
        }
        extra_ = std::move(extra);
        softwires_each_ = each;
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

    // Burst lookahead, as BindingTable's: the index slot first, then the
    // record and the first softwire of the subscriber it names.
    void prefetch_slot(std::uint32_t hash) const { index_.prefetch(hash); }
    void prefetch_record(std::uint32_t hash) const {
        std::uint32_t id = index_.first_candidate(hash);
        asm volatile("" : "+r"(id));  // keeps GCC from dropping the probe with the prefetch
        if (id == npos) return;
        __builtin_prefetch(&slab_[id]);
    }

    // A packet of the subscriber's bindings passed (Traffic::from_b4 or to_b4).
    void count(std::uint32_t id, std::size_t direction, std::uint32_t now) { traffic_[id].count(direction, now); }
    const Traffic& traffic(std::uint32_t id) const { return traffic_[id]; }

    Subscriber& operator[](std::uint32_t id) { return slab_[id]; }
    const Subscriber& operator[](std::uint32_t id) const { return slab_[id]; }
    std::uint32_t size() const { return slab_.size(); }
    std::size_t memory_bytes() const {
        return slab_.memory_bytes() + index_.memory_bytes() + extra_.size() * sizeof(Softwire) +
               traffic_.size() * sizeof(Traffic);
    }
    template <class Visit>
    void for_each(Visit&& visit) const {
        slab_.for_each(visit);
    }
    template <class Visit>
    void for_each_in(std::uint32_t first, std::uint32_t last, Visit&& visit) const {
        slab_.for_each_in(first, last, visit);
    }
    std::uint32_t capacity() const { return slab_.capacity(); }

private:
    std::size_t extra_index(std::uint32_t id, std::uint8_t slot) const {
        return std::size_t{id} * (softwires_each_ - 1u) + slot - 1u;
    }
    std::uint32_t last_seen(std::uint32_t id, std::uint8_t slot) const {
        return slot == 0 ? slab_[id].first_seen_last : extra_[extra_index(id, slot)].last_seen;
    }
    void set_last_seen(std::uint32_t id, std::uint8_t slot, std::uint32_t now) {
        (slot == 0 ? slab_[id].first_seen_last : extra_[extra_index(id, slot)].last_seen) = now;
    }
    void set(std::uint32_t id, std::uint8_t slot, const Ipv6Address& address, std::uint32_t now) {
        (slot == 0 ? slab_[id].first_b4 : extra_[extra_index(id, slot)].b4) = address;
        set_last_seen(id, slot, now);
    }

    std::uint64_t seed_;
    std::uint8_t softwires_each_;
    Slab<Subscriber> slab_;
    FlatIndex index_;
    std::vector<Softwire> extra_;  // slots 1 and up, softwires_each_ - 1 per subscriber, sized once
    std::vector<Traffic, HugePageAllocator<Traffic>> traffic_;  // one per record, sized once
};

}  // namespace dslite
