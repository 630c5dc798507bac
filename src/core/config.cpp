#include "dslite/config.hpp"

namespace dslite {

std::vector<std::pair<std::uint16_t, std::uint16_t>> split_port_range(std::uint16_t min, std::uint16_t max,
                                                                      unsigned n) {
    std::vector<std::pair<std::uint16_t, std::uint16_t>> slices;
    if (n == 0 || min > max) return slices;
    std::uint32_t total = std::uint32_t{max} - min + 1;
    std::uint32_t start = min;
    for (unsigned i = 0; i < n; ++i) {
        std::uint32_t size = total / n + (i < total % n ? 1 : 0);
        if (size == 0) break;
        slices.emplace_back(static_cast<std::uint16_t>(start), static_cast<std::uint16_t>(start + size - 1));
        start += size;
    }
    return slices;
}

}  // namespace dslite
