#include "dslite/checksum.hpp"

namespace dslite {

std::uint32_t checksum_partial(std::span<const std::uint8_t> data, std::uint32_t initial) {
    // 64-bit accumulator: no carry handling inside the loop for any IPv4/IPv6 size.
    std::uint64_t sum = initial;
    std::size_t i = 0;
    const std::uint8_t* p = data.data();
    for (; i + 1 < data.size(); i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
    if (i < data.size()) sum += static_cast<std::uint32_t>(p[i] << 8);
    while (sum >> 32) sum = (sum & 0xffffffff) + (sum >> 32);
    return checksum_fold(static_cast<std::uint32_t>(sum));
}

std::uint32_t pseudo_header_ipv4(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t protocol,
                                 std::uint16_t length) {
    std::uint32_t sum = checksum_partial({src, 4});
    sum = checksum_partial({dst, 4}, sum);
    return sum + protocol + length;
}

std::uint32_t pseudo_header_ipv6(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t next_header,
                                 std::uint32_t length) {
    std::uint32_t sum = checksum_partial({src, 16});
    sum = checksum_partial({dst, 16}, sum);
    return sum + (length >> 16) + (length & 0xffff) + next_header;
}

}  // namespace dslite
