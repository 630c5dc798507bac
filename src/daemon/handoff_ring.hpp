// SPDX-License-Identifier: BSD-2-Clause
// Packets one worker thread hands to another (the engine owning them, see
// dslite/shares.hpp): a single-producer single-consumer ring of records
// [length][side][bytes padded to 8], copied in and out. No lock: the producer
// only moves the tail, the consumer only the head; each caches the other's.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <span>
#include <vector>

#include "dslite/engine.hpp"

namespace dslite::daemon {

class HandoffRing {
public:
    // `capacity` bytes, a power of two.
    explicit HandoffRing(std::size_t capacity) : bytes_(capacity), mask_(capacity - 1) {}
    HandoffRing(const HandoffRing&) = delete;
    HandoffRing& operator=(const HandoffRing&) = delete;

    // Producer: false (and nothing written) when the ring has no room.
    bool push(Side side, std::span<const std::uint8_t> packet) { return push(side, {}, packet); }
    // One record of `head` then `packet` (a capture's timestamp before the bytes).
    bool push(Side side, std::span<const std::uint8_t> head, std::span<const std::uint8_t> packet) {
        const std::size_t length = head.size() + packet.size();
        const std::size_t need = kRecordHeader + padded(length);
        std::size_t tail = tail_.load(std::memory_order_relaxed);
        std::size_t at = tail & mask_;
        // A record never wraps: the rest of the ring is skipped with a marker.
        const std::size_t skip = bytes_.size() - at < need ? bytes_.size() - at : 0;
        if (need + skip > bytes_.size()) return false;
        if (tail + skip + need - cached_head_ > bytes_.size()) {
            cached_head_ = head_.load(std::memory_order_acquire);
            if (tail + skip + need - cached_head_ > bytes_.size()) return false;
        }
        if (skip) {
            store_header(at, kSkip, 0);
            tail += skip;
            at = 0;
        }
        store_header(at, static_cast<std::uint32_t>(length), static_cast<std::uint32_t>(side));
        if (!head.empty()) std::memcpy(bytes_.data() + at + kRecordHeader, head.data(), head.size());
        if (!packet.empty())
            std::memcpy(bytes_.data() + at + kRecordHeader + head.size(), packet.data(), packet.size());
        tail_.store(tail + need, std::memory_order_release);
        return true;
    }

    // Consumer: hands up to `max` packets to take(side, bytes), whose bytes
    // are valid during the call only. Returns how many.
    template <typename Take>
    std::size_t pop(std::size_t max, Take&& take) {
        std::size_t head = head_.load(std::memory_order_relaxed);
        std::size_t count = 0;
        while (count < max) {
            if (head == cached_tail_) {
                cached_tail_ = tail_.load(std::memory_order_acquire);
                if (head == cached_tail_) break;
            }
            const std::size_t at = head & mask_;
            std::uint32_t length, side;
            std::memcpy(&length, bytes_.data() + at, 4);
            std::memcpy(&side, bytes_.data() + at + 4, 4);
            if (length == kSkip) {
                head += bytes_.size() - at;
                continue;
            }
            take(static_cast<Side>(side), std::span<const std::uint8_t>(bytes_.data() + at + kRecordHeader, length));
            head += kRecordHeader + padded(length);
            ++count;
        }
        head_.store(head, std::memory_order_release);
        return count;
    }

    // Either side: nothing waiting (a snapshot).
    bool empty() const { return head_.load(std::memory_order_acquire) == tail_.load(std::memory_order_acquire); }

    // Bytes written and not yet taken: a moment's reading, from any thread.
    std::size_t used() const { return tail_.load(std::memory_order_acquire) - head_.load(std::memory_order_acquire); }
    std::size_t capacity() const { return bytes_.size(); }

private:
    static constexpr std::size_t kRecordHeader = 8;
    static constexpr std::uint32_t kSkip = 0xffffffffu;
    static std::size_t padded(std::size_t n) { return (n + 7) & ~std::size_t{7}; }
    void store_header(std::size_t at, std::uint32_t length, std::uint32_t side) {
        std::memcpy(bytes_.data() + at, &length, 4);
        std::memcpy(bytes_.data() + at + 4, &side, 4);
    }

    std::vector<std::uint8_t> bytes_;
    std::size_t mask_;
    // Each index on a cache line of its own with the other side's cached copy
    // of it, so the two threads do not share a line they write.
    alignas(64) std::atomic<std::size_t> head_{0};
    std::size_t cached_tail_ = 0;  // consumer's
    alignas(64) std::atomic<std::size_t> tail_{0};
    std::size_t cached_head_ = 0;  // producer's
};

}  // namespace dslite::daemon
