// SPDX-License-Identifier: BSD-2-Clause
// Open-addressing index from a 32-bit key hash to a 32-bit record id, linear
// probing, backward-shift deletion (no tombstones, so probe chains stay short
// under churn). Keys live in the records; the caller's predicate compares them.
// Sized once at construction: at most half full, so no rehash ever happens.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "huge_page_allocator.hpp"

namespace dslite {

class FlatIndex {
public:
    static constexpr std::uint32_t npos = 0xffffffffu;

    explicit FlatIndex(std::uint32_t max_entries)
        : slots_(std::bit_ceil(std::uint64_t{max_entries} * 2 < 16 ? 16 : std::uint64_t{max_entries} * 2)),
          mask_(static_cast<std::uint32_t>(slots_.size() - 1)) {}

    // Returns the id whose record matches, or npos.
    template <class Matches>
    std::uint32_t find(std::uint32_t hash, Matches&& matches) const {
        for (std::uint32_t i = hash & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id == npos) return npos;
            if (s.hash == hash && matches(s.id)) return s.id;
        }
    }

    // The caller guarantees the key is absent and the index below capacity.
    void insert(std::uint32_t hash, std::uint32_t id) {
        std::uint32_t i = hash & mask_;
        while (slots_[i].id != npos) i = (i + 1) & mask_;
        slots_[i] = {hash, id};
    }

    void erase(std::uint32_t hash, std::uint32_t id) {
        std::uint32_t i = hash & mask_;
        while (slots_[i].id != id) {
            if (slots_[i].id == npos) return;
            i = (i + 1) & mask_;
        }
        // Shift later members of the cluster back into the hole when their
        // home slot is not inside (hole, their position].
        for (std::uint32_t j = (i + 1) & mask_; slots_[j].id != npos; j = (j + 1) & mask_) {
            std::uint32_t home = slots_[j].hash & mask_;
            if (((j - home) & mask_) >= ((j - i) & mask_)) {
                slots_[i] = slots_[j];
                i = j;
            }
        }
        slots_[i] = Slot{};
    }

    // For bursts: start loading the home slot, and later name the first id
    // filed under `hash` (unverified) so its record can be loaded too.
    void prefetch(std::uint32_t hash) const { __builtin_prefetch(&slots_[hash & mask_]); }
    std::uint32_t first_candidate(std::uint32_t hash) const {
        for (std::uint32_t i = hash & mask_;; i = (i + 1) & mask_) {
            const Slot& s = slots_[i];
            if (s.id == npos || s.hash == hash) return s.id;
        }
    }
    std::size_t memory_bytes() const { return slots_.size() * sizeof(Slot); }

private:
    struct Slot {
        std::uint32_t hash = 0;
        std::uint32_t id = npos;
    };
    std::vector<Slot, HugePageAllocator<Slot>> slots_;
    std::uint32_t mask_;
};

}  // namespace dslite
