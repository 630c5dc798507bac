// SPDX-License-Identifier: BSD-2-Clause
// Bindings (RFC 6333 6.6: B4 address, inner address, port or ICMP id,
// protocol -> public address and port), with the two indexes the two
// directions need: the inner key (softwire, inner address, port, protocol)
// for a B4's packets, the public key (public address, port, protocol) for the
// uplink's. A binding names its B4 as its subscriber's softwire slot
// (subscriber_table.hpp), which is what lets a softwire move to a new B4
// address with its bindings (RFC 7785 4).
#pragma once

#include <cstdint>
#include <cstring>

#include "dslite/address.hpp"
#include "flat_index.hpp"
#include "hash.hpp"
#include "port_allocator.hpp"
#include "slab.hpp"

namespace dslite {

// TCP events seen on a binding (RFC 7857 2.1 keeps it to this much).
enum TcpSeen : std::uint8_t {
    tcp_syn_out = 1,
    tcp_syn_in = 2,
    tcp_fin_out = 4,
    tcp_fin_in = 8,
    tcp_rst = 16,
};

// Reset, or FIN seen both ways (RFC 7857 2.1).
inline bool tcp_closed(std::uint8_t seen) {
    return (seen & tcp_rst) || (seen & (tcp_fin_out | tcp_fin_in)) == (tcp_fin_out | tcp_fin_in);
}

struct Binding {
    std::uint32_t inner_address;  // host order
    std::uint16_t inner_port;     // or ICMP echo identifier
    Protocol proto;
    std::uint8_t tcp;              // TcpSeen bits
    std::uint32_t public_address;  // host order
    std::uint16_t public_port;
    std::uint16_t pool_index;  // index of public_address in the pool
    std::uint32_t last_seen;   // engine seconds
    std::uint32_t subscriber;
    std::uint8_t softwire;     // the subscriber's softwire slot: replies go to its B4
    std::uint8_t adf_next;     // next slot to overwrite in the remote list
    bool is_static;            // a static mapping: never in the wheel, open to every remote
    bool requested;            // asked for with NAT-PMP or PCP: open to every remote, lives to its lifetime
    std::uint32_t inner_hash;  // of its inner key, kept for erase
};
static_assert(sizeof(Binding) == 32);

// The inner key. The subscriber's prefix is what is hashed, so a burst's
// lookahead can hash a packet without finding its subscriber first; the
// subscriber and slot are what is compared.
struct InnerKey {
    Ipv6Address prefix;
    std::uint32_t subscriber;
    std::uint8_t softwire;
    std::uint32_t address;
    std::uint16_t port;
    Protocol proto;
};

class BindingTable {
public:
    static constexpr std::uint32_t npos = Slab<Binding>::npos;

    BindingTable(std::uint32_t capacity, std::uint64_t seed);

    std::uint32_t find_inner(const InnerKey& k) const {
        return inner_.find(inner_hash(k), [&](std::uint32_t id) {
            const Binding& s = slab_[id];
            return s.inner_address == k.address && s.inner_port == k.port && s.proto == k.proto &&
                   s.subscriber == k.subscriber && s.softwire == k.softwire;
        });
    }
    // The binding under an inner hash that `match` accepts.
    template <class Match>
    std::uint32_t find_inner_if(std::uint32_t hash, Match&& match) const {
        return inner_.find(hash, [&](std::uint32_t id) { return match(slab_[id]); });
    }
    std::uint32_t find_public(std::uint32_t address, std::uint16_t port, Protocol proto) const {
        return public_.find(public_hash(address, port, proto), [&](std::uint32_t id) {
            const Binding& s = slab_[id];
            return s.public_address == address && s.public_port == port && s.proto == proto;
        });
    }

    // Burst lookahead: load the index slot now, the record once the slot is in.
    void prefetch_inner_slot(std::uint32_t hash) const { inner_.prefetch(hash); }
    void prefetch_public_slot(std::uint32_t hash) const { public_.prefetch(hash); }
    void prefetch_inner_record(std::uint32_t hash) const { prefetch_record(inner_.first_candidate(hash)); }
    void prefetch_public_record(std::uint32_t hash) const { prefetch_record(public_.first_candidate(hash)); }

    std::uint32_t inner_hash(const InnerKey& k) const {
        std::uint64_t hi, lo;
        std::memcpy(&hi, k.prefix.data(), 8);
        std::memcpy(&lo, k.prefix.data() + 8, 8);
        return hash_words(seed_, hi, lo,
                          std::uint64_t{k.address} | std::uint64_t{k.port} << 32 |
                              std::uint64_t{index_of(k.proto)} << 48 | std::uint64_t{k.softwire} << 56);
    }
    std::uint32_t public_hash(std::uint32_t address, std::uint16_t port, Protocol proto) const {
        return static_cast<std::uint32_t>(
            mix64(seed_ ^ 0x5bd1e995u ^
                  (std::uint64_t{address} | std::uint64_t{port} << 32 | std::uint64_t{index_of(proto)} << 48)));
    }

    // Inserts a complete record, inner_hash included; npos when the table is full.
    std::uint32_t insert(const Binding& binding);
    void erase(std::uint32_t id);

    Binding& operator[](std::uint32_t id) { return slab_[id]; }
    const Binding& operator[](std::uint32_t id) const { return slab_[id]; }
    std::uint32_t size() const { return slab_.size(); }
    std::uint32_t capacity() const { return slab_.capacity(); }
    bool in_use(std::uint32_t id) const { return slab_.in_use(id); }
    std::size_t memory_bytes() const { return slab_.memory_bytes() + inner_.memory_bytes() + public_.memory_bytes(); }
    template <class Visit>
    void for_each(Visit&& visit) const {
        slab_.for_each(visit);
    }

private:
    // A record may straddle two cache lines: load both ends. The empty asm
    // keeps GCC 12 from deleting the probe loop and, with it, the prefetch.
    void prefetch_record(std::uint32_t id) const {
        asm volatile("" : "+r"(id));
        if (id == npos) return;
        const auto* record = reinterpret_cast<const char*>(&slab_[id]);
        __builtin_prefetch(record);
        __builtin_prefetch(record + sizeof(Binding) - 1);
    }

    std::uint64_t seed_;
    Slab<Binding> slab_;
    FlatIndex inner_;
    FlatIndex public_;
};

}  // namespace dslite
