// SPDX-License-Identifier: BSD-2-Clause
// Port blocks (--port-block-size N): a subscriber's ports come from blocks of
// N consecutive ports of its public address, which it holds for every
// protocol, so one record when a block is given and one when it is
// released name who had each port in it (RFC 6888 REQ-12, RFC 8158
// 4.6.10) without a record per binding. Both the block and the port within
// it are chosen at random (RFC 6056). A block goes back to the pool once its
// last binding's port hold is over (RFC 6888 REQ-8), so a port is never
// another subscriber's within the hold; the subscriber is kept while it
// holds a block, so a record's subscriber always has its blocks' records.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "dslite/config.hpp"
#include "port_allocator.hpp"
#include "timer_wheel.hpp"

namespace dslite {

class PortBlocks {
public:
    static constexpr std::uint32_t npos = 0xffffffff;
    // A subscriber's largest quota in blocks is kept to this many: its
    // blocks are searched for a free port before a new one is taken.
    static constexpr std::uint32_t kMaxEach = 64;
    static constexpr std::uint16_t kMinSize = 64;

    struct Block {
        std::uint32_t owner = npos;    // the subscriber, or npos when free
        std::uint32_t bindings = 0;    // of every protocol
        std::uint32_t release_at = 0;  // engine seconds; 0 while it has bindings
        std::uint8_t softwire = 0;     // the owner's softwire it was given through (its records' B4)
    };

    // Blocks a subscriber may hold: its largest quota, in whole blocks
    // (never more than an address has).
    static std::uint32_t each_for(const EngineConfig& c) {
        if (c.port_block_size == 0) return 0;
        const std::uint32_t largest = std::max({c.quota.tcp, c.quota.udp, c.quota.icmp});
        const std::uint32_t per_address = (std::uint32_t{c.port_max} - c.port_min + 1) / c.port_block_size;
        return std::min((largest + c.port_block_size - 1) / c.port_block_size, per_address);
    }

    // Sized once; nothing at all when c.port_block_size is 0.
    PortBlocks(const EngineConfig& c, std::uint32_t addresses);

    bool enabled() const { return size_ != 0; }
    std::uint32_t each() const { return each_; }
    std::uint32_t free_count(std::uint32_t address) const { return free_.free_count(address, Protocol::udp); }
    // The block holding a port of this engine's range (npos past the last whole block).
    std::uint32_t block_of(std::uint32_t address, std::uint16_t port) const {
        const std::uint32_t n = (port - port_min_) / size_;
        return port < port_min_ || n >= per_address_ ? npos : address * per_address_ + n;
    }
    std::uint32_t address_of(std::uint32_t block) const { return block / per_address_; }
    std::uint16_t first_port(std::uint32_t block) const {
        return static_cast<std::uint16_t>(port_min_ + block % per_address_ * size_);
    }
    std::uint16_t last_port(std::uint32_t block) const {
        return static_cast<std::uint16_t>(first_port(block) + size_ - 1);
    }

    // A free block of `address`, chosen at random, now the subscriber's
    // newest; npos when the address has none.
    std::uint32_t acquire(std::uint32_t address, std::uint32_t subscriber, std::uint8_t softwire, Rng& rng);
    // That block (a static mapping's), if it is free and the subscriber may
    // hold one more; false otherwise.
    bool take(std::uint32_t block, std::uint32_t subscriber, std::uint8_t softwire);
    // Back to the pool, and off its owner's list.
    void release(std::uint32_t block);
    // The subscriber's blocks, oldest first.
    std::span<const std::uint32_t> held_by(std::uint32_t subscriber) const {
        return {held_.data() + std::size_t{subscriber} * each_, held_count_[subscriber]};
    }
    std::uint32_t in_use() const { return in_use_; }

    Block& operator[](std::uint32_t block) { return blocks_[block]; }
    const Block& operator[](std::uint32_t block) const { return blocks_[block]; }
    std::uint32_t capacity() const { return static_cast<std::uint32_t>(blocks_.size()); }
    // Blocks whose bindings are gone wait here for the end of the port hold.
    TimerWheel& wheel() { return wheel_; }
    std::size_t memory_bytes() const;

private:
    std::uint16_t port_min_;
    std::uint16_t size_;
    std::uint32_t per_address_;
    std::uint32_t each_;
    std::uint32_t in_use_ = 0;
    // Which blocks of each address are taken: the port allocator's random
    // choice over a bitmap, with blocks for ports (one protocol's space).
    PortAllocator free_;
    std::vector<Block> blocks_;
    std::vector<std::uint32_t> held_;  // each_ per subscriber
    std::vector<std::uint8_t> held_count_;
    TimerWheel wheel_;
};

}  // namespace dslite
