// SPDX-License-Identifier: BSD-2-Clause
// Fixed-capacity record storage with a free stack: ids stay stable, nothing
// is allocated after construction.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "huge_page_allocator.hpp"

namespace dslite {

template <class T>
class Slab {
public:
    static constexpr std::uint32_t npos = 0xffffffffu;

    explicit Slab(std::uint32_t capacity) : items_(capacity), used_(capacity, 0) {
        free_.reserve(capacity);
        for (std::uint32_t id = capacity; id-- > 0;) free_.push_back(id);
    }

    // Returns a fresh id (its record left as the previous owner left it), or npos when full.
    std::uint32_t acquire() {
        if (free_.empty()) return npos;
        const std::uint32_t id = free_.back();
        free_.pop_back();
        used_[id] = 1;
        return id;
    }
    void release(std::uint32_t id) {
        used_[id] = 0;
        free_.push_back(id);
    }

    T& operator[](std::uint32_t id) { return items_[id]; }
    const T& operator[](std::uint32_t id) const { return items_[id]; }
    bool in_use(std::uint32_t id) const { return used_[id] != 0; }
    std::uint32_t capacity() const { return static_cast<std::uint32_t>(items_.size()); }
    std::uint32_t size() const { return capacity() - static_cast<std::uint32_t>(free_.size()); }
    std::size_t memory_bytes() const {
        return items_.size() * sizeof(T) + used_.size() + free_.capacity() * sizeof(std::uint32_t);
    }

    template <class Visit>
    void for_each(Visit&& visit) const {
        for_each_in(0, capacity(), visit);
    }
    // The records with ids in [first, last): a walk in pieces, whose ids stay
    // put between the pieces however the table changes meanwhile.
    template <class Visit>
    void for_each_in(std::uint32_t first, std::uint32_t last, Visit&& visit) const {
        for (std::uint32_t id = first; id < std::min(last, capacity()); ++id)
            if (used_[id]) visit(id, items_[id]);
    }

private:
    std::vector<T, HugePageAllocator<T>> items_;
    std::vector<std::uint8_t> used_;
    std::vector<std::uint32_t> free_;
};

}  // namespace dslite
