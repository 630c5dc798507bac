// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/config.hpp"

#include <algorithm>

namespace dslite {

std::vector<std::pair<std::uint16_t, std::uint16_t>> split_port_range(std::uint16_t min, std::uint16_t max, unsigned n,
                                                                      std::uint32_t unit) {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> slices;
    if (n == 0 || min > max || unit == 0) return slices;
    const std::uint32_t total = std::uint32_t{max} - min + 1;
    const std::uint32_t units = total / unit;
    std::uint32_t start = min;
    for (unsigned i = 0; i < n; ++i) {
        const std::uint32_t size = (units / n + (i < units % n ? 1 : 0)) * unit;
        if (size == 0) break;
        // The last slice also takes the tail shorter than a unit.
        const std::uint32_t end = i + 1 == n ? max : start + size - 1;
        slices.emplace_back(static_cast<std::uint16_t>(start), static_cast<std::uint16_t>(end));
        start += size;
    }
    return slices;
}

std::uint32_t share_unit(const EngineConfig& c) {
    if (c.port_block_size) return c.port_block_size;
    if (c.port_mapping == PortMapping::deterministic) return std::max({c.quota.tcp, c.quota.udp, c.quota.icmp});
    return 1;
}

}  // namespace dslite
