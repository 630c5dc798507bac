// SPDX-License-Identifier: BSD-2-Clause
// Which UDP peer last spoke for a B4 address, so answers to that B4 go back
// the way its packets came. Fixed size, allocated once: a flood of new
// sources evicts old entries instead of growing memory.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "dslite/address.hpp"
#include "platform/posix/socket_address.hpp"

namespace dslite::platform {

class PeerTable {
public:
    // `capacity` is rounded up to a power of two (at least the probe window).
    explicit PeerTable(std::size_t capacity) {
        std::size_t size = kProbe;
        while (size < capacity) size *= 2;
        entries_.resize(size);
    }

    // Remembers `peer` for `b4`; returns true if this replaced a different peer
    // of the same B4 or evicted another B4.
    bool learn(const Ipv6Address& b4, const SocketAddress& peer) {
        const std::size_t home = index(b4);
        Entry* empty = nullptr;
        for (std::size_t i = 0; i < kProbe; ++i) {
            Entry& e = entries_[(home + i) & (entries_.size() - 1)];
            if (e.used && e.b4 == b4) {
                const bool moved = !same_endpoint(e.peer, peer);
                if (moved) e.peer = peer;
                return moved;
            }
            if (!e.used && empty == nullptr) empty = &e;
        }
        if (empty != nullptr) {
            *empty = Entry{true, b4, peer};
            ++size_;
            return false;
        }
        entries_[home] = Entry{true, b4, peer};  // the window is full: newest wins
        return true;
    }

    const SocketAddress* find(const Ipv6Address& b4) const {
        const std::size_t home = index(b4);
        for (std::size_t i = 0; i < kProbe; ++i) {
            const Entry& e = entries_[(home + i) & (entries_.size() - 1)];
            if (e.used && e.b4 == b4) return &e.peer;
        }
        return nullptr;
    }

    std::size_t size() const { return size_; }
    std::size_t capacity() const { return entries_.size(); }

private:
    static constexpr std::size_t kProbe = 8;
    struct Entry {
        bool used = false;
        Ipv6Address b4{};
        SocketAddress peer;
    };

    std::size_t index(const Ipv6Address& a) const {
        std::uint64_t hi;
        std::uint64_t lo;
        std::memcpy(&hi, a.data(), 8);
        std::memcpy(&lo, a.data() + 8, 8);
        std::uint64_t h = (hi ^ (lo * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;
        return static_cast<std::size_t>(h ^ (h >> 31)) & (entries_.size() - 1);
    }

    std::vector<Entry> entries_;
    std::size_t size_ = 0;
};

}  // namespace dslite::platform
