// SPDX-License-Identifier: BSD-2-Clause
// The public IPv4 pool: several non-overlapping prefixes (RFC 6333 8.1)
// flattened into one index space so per-address state is a plain array.
#pragma once

#include <cstdint>
#include <vector>

#include "dslite/address.hpp"

namespace dslite {

class Pool {
public:
    static constexpr std::uint32_t npos = 0xffffffffu;

    Pool() = default;
    explicit Pool(const std::vector<Ipv4Prefix>& prefixes) {
        std::uint32_t base = 0;
        for (const auto& p : prefixes) {
            ranges_.push_back({p.address.value, static_cast<std::uint32_t>(p.size()), base});
            base += static_cast<std::uint32_t>(p.size());
        }
        size_ = base;
    }

    // Index of a (host order) address in the pool, or npos.
    std::uint32_t index_of(std::uint32_t address) const {
        for (const auto& r : ranges_)
            if (address - r.first < r.count) return r.base + (address - r.first);
        return npos;
    }
    std::uint32_t address_at(std::uint32_t index) const {
        for (const auto& r : ranges_)
            if (index - r.base < r.count) return r.first + (index - r.base);
        return 0;
    }
    std::uint32_t size() const { return size_; }

private:
    struct Range {
        std::uint32_t first;
        std::uint32_t count;
        std::uint32_t base;
    };
    std::vector<Range> ranges_;
    std::uint32_t size_ = 0;
};

}  // namespace dslite
