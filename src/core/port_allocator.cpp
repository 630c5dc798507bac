// SPDX-License-Identifier: BSD-2-Clause
#include "port_allocator.hpp"

#include <algorithm>
#include <bit>

namespace dslite {

PortAllocator::PortAllocator(std::uint32_t addresses, std::uint16_t port_min, std::uint16_t port_max,
                             std::uint32_t hold_seconds, std::uint32_t hold_capacity)
    : port_min_(port_min),
      range_(std::uint32_t{port_max} - port_min + 1),
      words_per_space_((range_ + 63) / 64),
      hold_seconds_(hold_seconds),
      bits_(std::size_t{addresses} * kProtocols * words_per_space_, 0),
      free_(std::size_t{addresses} * kProtocols, range_),
      held_(hold_seconds ? (hold_capacity ? hold_capacity : 1) : 0) {
    if (range_ % 64 != 0) {
        const std::uint64_t past_end = ~std::uint64_t{0} << (range_ % 64);
        for (std::uint32_t s = 0; s < addresses * kProtocols; ++s) words(s)[words_per_space_ - 1] = past_end;
    }
}

std::optional<std::uint16_t> PortAllocator::allocate_in(std::uint32_t address, Protocol proto, Rng& rng,
                                                        std::optional<std::uint8_t> parity, std::uint16_t first_port,
                                                        std::uint16_t last_port) {
    const std::uint32_t space = address * kProtocols + index_of(proto);
    if (free_[space] == 0 || first_port < port_min_ || last_port < first_port) return std::nullopt;
    const std::uint32_t lo = first_port - port_min_;
    const std::uint32_t hi = std::min<std::uint32_t>(last_port - port_min_, range_ - 1);
    if (lo > hi) return std::nullopt;
    const std::uint32_t span = hi - lo + 1;
    std::uint64_t* w = words(space);
    auto take = [&](std::uint32_t offset) {
        w[offset / 64] |= std::uint64_t{1} << (offset % 64);
        --free_[space];
        return static_cast<std::uint16_t>(port_min_ + offset);
    };
    // Offsets whose port has the wanted parity: every other bit of a word,
    // from the first if port_min has that parity (64 is even, so every word
    // starts alike).
    const bool paired = parity && span >= 2;
    const std::uint32_t first = paired ? (*parity ^ port_min_) & 1u : 0;
    const std::uint64_t wanted = !paired ? ~std::uint64_t{0} : first ? 0xaaaaaaaaaaaaaaaaull : 0x5555555555555555ull;
    // A few random probes find a port at once unless the window is nearly
    // full; then scan its words from a random start, which stays bounded.
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::uint32_t offset = lo + rng.below(span);
        if (paired) {
            offset = (offset & ~1u) | first;
            if (offset > hi) offset -= 2;
            if (offset < lo) offset += 2;
        }
        if ((w[offset / 64] >> (offset % 64) & 1) == 0) return take(offset);
    }
    const std::uint32_t first_word = lo / 64, words_in = hi / 64 - first_word + 1;
    // Bits of word i inside the window.
    const auto inside = [&](std::uint32_t i) {
        std::uint64_t m = ~std::uint64_t{0};
        if (i == lo / 64) m &= ~std::uint64_t{0} << (lo % 64);
        if (i == hi / 64 && hi % 64 != 63) m &= ~(~std::uint64_t{0} << (hi % 64 + 1));
        return m;
    };
    for (const std::uint64_t mask : {wanted, ~std::uint64_t{0}}) {
        std::uint32_t n = rng.below(words_in);
        for (std::uint32_t k = 0; k < words_in; ++k, n = (n + 1 == words_in ? 0 : n + 1)) {
            const std::uint32_t i = first_word + n;
            const std::uint64_t usable = mask & inside(i);
            if ((w[i] | ~usable) != ~std::uint64_t{0})
                return take(i * 64 + static_cast<std::uint32_t>(std::countr_one(w[i] | ~usable)));
        }
    }
    return std::nullopt;
}

bool PortAllocator::take(std::uint32_t address, Protocol proto, std::uint16_t port) {
    if (port < port_min_ || std::uint32_t{port} - port_min_ >= range_ || taken(address, proto, port)) return false;
    const std::uint32_t space = address * kProtocols + index_of(proto);
    const std::uint32_t offset = port - port_min_;
    words(space)[offset / 64] |= std::uint64_t{1} << (offset % 64);
    --free_[space];
    return true;
}

void PortAllocator::set_free(std::uint32_t space, std::uint16_t port) {
    const std::uint32_t offset = port - port_min_;
    words(space)[offset / 64] &= ~(std::uint64_t{1} << (offset % 64));
    ++free_[space];
}

bool PortAllocator::release(std::uint32_t address, Protocol proto, std::uint16_t port, std::uint32_t now) {
    const std::uint32_t space = address * kProtocols + index_of(proto);
    if (hold_seconds_ == 0) {
        set_free(space, port);
        return true;
    }
    bool in_time = true;
    if (held_size_ == held_.size()) {
        const Held& oldest = held_[held_head_];
        if (oldest.space != kEnded) set_free(oldest.space, oldest.port);
        held_head_ = (held_head_ + 1) % held_.size();
        --held_size_;
        in_time = false;
    }
    held_[(held_head_ + held_size_) % held_.size()] = {now + hold_seconds_, space, port};
    ++held_size_;
    return in_time;
}

bool PortAllocator::hold(std::uint32_t address, Protocol proto, std::uint16_t port, std::uint32_t release_at) {
    if (held_size_ == held_.size() || !take(address, proto, port)) return false;
    held_[(held_head_ + held_size_) % held_.size()] = {release_at, address * kProtocols + index_of(proto), port};
    ++held_size_;
    return true;
}

void PortAllocator::advance(std::uint32_t now) {
    while (held_size_ > 0 && held_[held_head_].release_at <= now) {
        if (held_[held_head_].space != kEnded) set_free(held_[held_head_].space, held_[held_head_].port);
        held_head_ = (held_head_ + 1) % held_.size();
        --held_size_;
    }
}

bool PortAllocator::end_hold(std::uint32_t address, Protocol proto, std::uint16_t port) {
    const std::uint32_t space = address * kProtocols + index_of(proto);
    for (std::size_t i = 0; i < held_size_; ++i) {
        Held& h = held_[(held_head_ + i) % held_.size()];
        if (h.space != space || h.port != port) continue;
        h.space = kEnded;  // advance() passes it by
        set_free(space, port);
        return true;
    }
    return false;
}

void PortAllocator::set_hold(std::uint32_t hold_seconds, std::uint32_t hold_capacity) {
    if (hold_seconds && held_.empty()) held_.resize(hold_capacity ? hold_capacity : 1);
    hold_seconds_ = hold_seconds;
}

bool PortAllocator::taken(std::uint32_t address, Protocol proto, std::uint16_t port) const {
    if (port < port_min_ || std::uint32_t{port} - port_min_ >= range_) return false;
    const std::uint32_t offset = port - port_min_;
    const std::uint64_t* w = bits_.data() + std::size_t{address * kProtocols + index_of(proto)} * words_per_space_;
    return (w[offset / 64] >> (offset % 64) & 1) != 0;
}

std::size_t PortAllocator::memory_bytes() const {
    return bits_.size() * sizeof(std::uint64_t) + free_.size() * sizeof(std::uint32_t) + held_.size() * sizeof(Held);
}

}  // namespace dslite
