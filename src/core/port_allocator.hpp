// SPDX-License-Identifier: BSD-2-Clause
// Ports (and ICMP identifiers) of every pool address, per protocol: a bitmap
// of taken ports, random choice inside this engine's port slice (RFC 6056),
// and a FIFO that keeps a freed port taken for the hold time (RFC 6888 REQ-8).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "dslite/protocol.hpp"
#include "rng.hpp"

namespace dslite {

class PortAllocator {
public:
    PortAllocator(std::uint32_t addresses, std::uint16_t port_min, std::uint16_t port_max, std::uint32_t hold_seconds,
                  std::uint32_t hold_capacity);

    // A free port chosen at random; with `parity` (0 or 1), one of that
    // parity while there is one (RFC 4787 REQ-4), else any.
    std::optional<std::uint16_t> allocate(std::uint32_t address, Protocol proto, Rng& rng,
                                          std::optional<std::uint8_t> parity = std::nullopt) {
        return allocate_in(address, proto, rng, parity, port_min_, static_cast<std::uint16_t>(port_min_ + range_ - 1));
    }
    // The same within ports [first, last] of the range (RFC 7422's
    // per-subscriber ranges); the whole range draws the same random numbers
    // as allocate().
    std::optional<std::uint16_t> allocate_in(std::uint32_t address, Protocol proto, Rng& rng,
                                             std::optional<std::uint8_t> parity, std::uint16_t first,
                                             std::uint16_t last);
    // Takes that very port (a static mapping's); false if it is taken already.
    bool take(std::uint32_t address, Protocol proto, std::uint16_t port);
    // Returns the port to the pool after the hold time. Returns false if the
    // hold queue was full and the oldest held port had to be released early.
    bool release(std::uint32_t address, Protocol proto, std::uint16_t port, std::uint32_t now);
    // Releases held ports whose hold time is over.
    void advance(std::uint32_t now);
    // Ends the hold of that port now, if it is held (a static mapping added
    // at run time takes it over); false if it is not held.
    bool end_hold(std::uint32_t address, Protocol proto, std::uint16_t port);
    // Ports freed from now on are held this long; `hold_capacity` as at
    // construction, for a hold that was 0 there.
    void set_hold(std::uint32_t hold_seconds, std::uint32_t hold_capacity);

    // A saved state (state.cpp): every held port, oldest first, as
    // visit(address, proto, port, release_at); and a port held again until
    // `release_at`, which must not be before the last one held (false when
    // the port is taken or the hold is off or full).
    template <class Visit>
    void for_each_held(Visit&& visit) const {
        for (std::size_t i = 0; i < held_size_; ++i) {
            const Held& h = held_[(held_head_ + i) % held_.size()];
            if (h.space == kEnded) continue;
            const std::uint32_t p = h.space % kProtocols;
            visit(h.space / kProtocols,
                  p == 0   ? Protocol::tcp
                  : p == 1 ? Protocol::udp
                           : Protocol::icmp,
                  h.port, h.release_at);
        }
    }
    bool hold(std::uint32_t address, Protocol proto, std::uint16_t port, std::uint32_t release_at);
    bool taken(std::uint32_t address, Protocol proto, std::uint16_t port) const;
    std::uint32_t free_count(std::uint32_t address, Protocol proto) const {
        return free_[address * kProtocols + index_of(proto)];
    }
    std::uint32_t range_size() const { return range_; }
    std::size_t memory_bytes() const;

private:
    struct Held {
        std::uint32_t release_at;
        std::uint32_t space;  // address * kProtocols + proto; kEnded once end_hold() freed it
        std::uint16_t port;
    };
    std::uint64_t* words(std::uint32_t space) { return bits_.data() + std::size_t{space} * words_per_space_; }
    void set_free(std::uint32_t space, std::uint16_t port);
    static constexpr std::uint32_t kEnded = 0xffffffff;

    std::uint16_t port_min_;
    std::uint32_t range_;
    std::uint32_t words_per_space_;
    std::uint32_t hold_seconds_;
    std::vector<std::uint64_t> bits_;  // 1 = taken or held; bits past the range are set
    std::vector<std::uint32_t> free_;
    std::vector<Held> held_;  // ring
    std::size_t held_head_ = 0;
    std::size_t held_size_ = 0;
};

}  // namespace dslite
