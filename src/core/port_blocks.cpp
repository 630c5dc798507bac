// SPDX-License-Identifier: BSD-2-Clause
#include "port_blocks.hpp"

namespace dslite {

namespace {

std::uint32_t per_address(const EngineConfig& c) {
    return c.port_block_size ? (std::uint32_t{c.port_max} - c.port_min + 1) / c.port_block_size : 0;
}

}  // namespace

PortBlocks::PortBlocks(const EngineConfig& c, std::uint32_t addresses)
    : port_min_(c.port_min),
      size_(c.port_block_size),
      per_address_(per_address(c)),
      each_(each_for(c)),
      free_(size_ ? addresses : 0, 0, static_cast<std::uint16_t>(per_address_ ? per_address_ - 1 : 0), 0, 0),
      blocks_(size_ ? std::size_t{addresses} * per_address_ : 0),
      held_(size_ ? std::size_t{c.max_subscribers} * each_ : 0),
      held_count_(size_ ? c.max_subscribers : 0),
      wheel_(static_cast<std::uint32_t>(blocks_.size())) {}

std::uint32_t PortBlocks::acquire(std::uint32_t address, std::uint32_t subscriber, std::uint8_t softwire, Rng& rng) {
    if (held_count_[subscriber] == each_) return npos;
    const auto n = free_.allocate(address, Protocol::udp, rng);
    if (!n) return npos;
    const std::uint32_t block = address * per_address_ + *n;
    blocks_[block] = Block{subscriber, 0, 0, softwire};
    held_[std::size_t{subscriber} * each_ + held_count_[subscriber]++] = block;
    ++in_use_;
    return block;
}

bool PortBlocks::take(std::uint32_t block, std::uint32_t subscriber, std::uint8_t softwire) {
    if (block >= blocks_.size() || held_count_[subscriber] == each_ ||
        !free_.take(address_of(block), Protocol::udp, static_cast<std::uint16_t>(block % per_address_)))
        return false;
    blocks_[block] = Block{subscriber, 0, 0, softwire};
    held_[std::size_t{subscriber} * each_ + held_count_[subscriber]++] = block;
    ++in_use_;
    return true;
}

void PortBlocks::release(std::uint32_t block) {
    const std::uint32_t owner = blocks_[block].owner;
    std::uint32_t* list = held_.data() + std::size_t{owner} * each_;
    std::uint32_t* end = list + held_count_[owner];
    // Kept in order: the newest block is the one tried first.
    std::uint32_t* at = std::find(list, end, block);
    std::copy(at + 1, end, at);
    --held_count_[owner];
    free_.release(address_of(block), Protocol::udp, static_cast<std::uint16_t>(block % per_address_), 0);
    blocks_[block] = Block{};
    --in_use_;
}

std::size_t PortBlocks::memory_bytes() const {
    return free_.memory_bytes() + blocks_.size() * sizeof(Block) + held_.size() * sizeof(std::uint32_t) +
           held_count_.size() + (blocks_.empty() ? 0 : wheel_.memory_bytes());
}

}  // namespace dslite
