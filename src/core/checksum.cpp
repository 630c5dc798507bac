// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/checksum.hpp"

#include <bit>

namespace dslite {

std::uint32_t checksum_partial(std::span<const std::uint8_t> data, std::uint32_t initial) {
    // The one's-complement sum does not care about byte order (RFC 1071 2.B):
    // sum 8 bytes at a time in the machine's order, swap the folded result
    // into network order, then add the tail byte by byte. A 64-bit
    // accumulator of 32-bit halves cannot overflow for any IPv4/IPv6 size.
    const std::uint8_t* p = data.data();
    const std::size_t wide = data.size() & ~std::size_t{7};
    std::uint64_t native = 0;
    for (std::size_t i = 0; i < wide; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, p + i, 8);
        native += (word & 0xffffffff) + (word >> 32);
    }
    while (native >> 32) native = (native & 0xffffffff) + (native >> 32);
    std::uint16_t folded = checksum_fold(static_cast<std::uint32_t>(native));
    if constexpr (std::endian::native == std::endian::little)
        folded = static_cast<std::uint16_t>(folded << 8 | folded >> 8);

    std::uint64_t sum = std::uint64_t{initial} + folded;
    std::size_t i = wide;
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
