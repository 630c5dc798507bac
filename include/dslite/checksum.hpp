// SPDX-License-Identifier: BSD-2-Clause
// Internet checksum (RFC 1071) and its incremental update (RFC 1624).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>

namespace dslite {

// One's-complement sum of `data` folded into 16 bits, added to `initial`;
// bytes are taken in network order. Not complemented.
std::uint32_t checksum_partial(std::span<const std::uint8_t> data, std::uint32_t initial = 0);

inline std::uint16_t checksum_fold(std::uint32_t sum) {
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

// The value to store in a checksum field covering `data` (plus `initial`).
inline std::uint16_t checksum(std::span<const std::uint8_t> data, std::uint32_t initial = 0) {
    return static_cast<std::uint16_t>(~checksum_fold(checksum_partial(data, initial)));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). All values host order.
inline std::uint16_t checksum_update16(std::uint16_t hc, std::uint16_t old_word, std::uint16_t new_word) {
    std::uint32_t sum = static_cast<std::uint16_t>(~hc);
    sum += static_cast<std::uint16_t>(~old_word);
    sum += new_word;
    return static_cast<std::uint16_t>(~checksum_fold(sum));
}

inline std::uint16_t checksum_update32(std::uint16_t hc, std::uint32_t old_value, std::uint32_t new_value) {
    std::uint32_t sum = static_cast<std::uint16_t>(~hc);
    sum += static_cast<std::uint16_t>(~(old_value >> 16));
    sum += static_cast<std::uint16_t>(~old_value);
    sum += new_value >> 16;
    sum += new_value & 0xffff;
    return static_cast<std::uint16_t>(~checksum_fold(sum));
}

// Sum of the IPv4 pseudo header for TCP/UDP (RFC 793/768), addresses as wire bytes.
std::uint32_t pseudo_header_ipv4(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t protocol,
                                 std::uint16_t length);
// Sum of the IPv6 pseudo header (RFC 8200 8.1), addresses as wire bytes.
std::uint32_t pseudo_header_ipv6(const std::uint8_t* src, const std::uint8_t* dst, std::uint8_t next_header,
                                 std::uint32_t length);

}  // namespace dslite
