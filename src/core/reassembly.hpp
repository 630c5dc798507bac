// SPDX-License-Identifier: BSD-2-Clause
// Fragment reassembly for both families (RFC 791 for the inner IPv4, RFC 8200
// 4.5 for the softwire's IPv6), bounded in memory and time: a fixed number of
// datagram slots allocated up front, a limit per owner (subscriber or remote
// host) so one party cannot take them all, and a timeout. Overlapping
// fragments discard the datagram (RFC 5722), and so does anything that lies.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <memory>
#include <vector>

#include "dslite/counters.hpp"
#include "dslite/packet.hpp"
#include "flat_index.hpp"
#include "huge_page_allocator.hpp"

namespace dslite {

// What identifies one datagram: for inner IPv4 from a B4 the softwire is
// part of it, since two B4s may send the same private source, destination and id.
struct FragmentKey {
    std::array<std::uint8_t, 16> softwire{};
    std::array<std::uint8_t, 16> source{};
    std::array<std::uint8_t, 16> destination{};
    std::uint32_t identification = 0;
    std::uint8_t protocol = 0;
    std::uint8_t family = 0;  // 4 or 6
    friend bool operator==(const FragmentKey&, const FragmentKey&) = default;
};

struct ReassemblyLimits {
    std::uint32_t slots = 64;     // datagrams in progress, all owners
    std::uint32_t per_owner = 8;  // datagrams in progress per owner
    std::uint32_t max_datagram = 65535;
    std::uint32_t timeout_seconds = 10;
};

class Reassembler {
public:
    enum class Status : std::uint8_t { incomplete, complete, dropped };

    struct Outcome {
        Status status;
        Counter drop;  // when dropped
    };

    Reassembler(const ReassemblyLimits& limits, std::uint64_t seed);

    // Offers one fragment: `header` is what goes in front of the reassembled
    // payload (taken from the fragment at offset 0), `data` the fragment's
    // payload at byte `offset`; `more` is the more-fragments flag. On
    // complete, `out` holds header + payload (the caller fixes length fields).
    Outcome add(const FragmentKey& key, std::uint32_t owner, std::span<const std::uint8_t> header, std::uint32_t offset,
                bool more, std::span<const std::uint8_t> data, std::uint32_t now, Packet& out);

    // Drops datagrams older than the timeout; returns how many.
    std::uint32_t expire(std::uint32_t now);

    std::uint32_t in_progress() const { return used_; }
    std::uint32_t capacity() const { return static_cast<std::uint32_t>(slots_.size()); }
    std::size_t memory_bytes() const;

private:
    static constexpr std::uint32_t kMaxHeader = 60;
    static constexpr std::uint32_t npos = FlatIndex::npos;
    struct Slot {
        FragmentKey key;
        std::uint32_t hash = 0;
        std::uint32_t owner = 0;
        std::uint32_t started = 0;
        std::uint32_t total = 0;     // payload length once the last fragment came, else 0
        std::uint32_t received = 0;  // payload bytes so far
        std::uint16_t header_length = 0;
        bool in_use = false;
        bool have_first = false;
    };

    std::uint32_t hash(const FragmentKey& key) const;
    std::uint32_t find(const FragmentKey& key, std::uint32_t hash) const;
    std::uint32_t open(const FragmentKey& key, std::uint32_t hash, std::uint32_t owner, std::uint32_t now,
                       Counter& refused);
    void release(std::uint32_t slot);
    std::uint8_t* data(std::uint32_t slot) { return buffers_.get() + std::size_t{slot} * limits_.max_datagram; }
    std::uint64_t* blocks(std::uint32_t slot) { return blocks_.data() + std::size_t{slot} * words_per_slot_; }
    std::uint8_t* header(std::uint32_t slot) { return headers_.data() + std::size_t{slot} * kMaxHeader; }

    ReassemblyLimits limits_;
    std::uint64_t seed_;
    std::uint32_t words_per_slot_;
    std::vector<Slot> slots_;
    // Allocated at start but never written before a fragment lands in it
    // (blocks_ says what arrived), so the OS maps a slot's pages when the
    // slot is first used: an engine with 64 slots does not start by zeroing 4 MiB.
    struct FreeBuffers {
        std::size_t bytes;
        void operator()(std::uint8_t* p) const { HugePageAllocator<std::uint8_t>{}.deallocate(p, bytes); }
    };
    std::size_t buffer_bytes_;
    std::unique_ptr<std::uint8_t[], FreeBuffers> buffers_;
    std::vector<std::uint64_t> blocks_;  // one bit per 8-byte block received
    std::vector<std::uint8_t> headers_;
    FlatIndex index_;
    std::uint32_t used_ = 0;
};

}  // namespace dslite
