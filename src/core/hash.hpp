// SPDX-License-Identifier: BSD-2-Clause
// Seeded 64-bit mixing for table keys. Seeded per engine so that remote
// hosts cannot aim packets at one probe chain.
#pragma once

#include <cstdint>

namespace dslite {

inline std::uint64_t mix64(std::uint64_t x) {
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ull;
    x ^= x >> 32;
    return x;
}

inline std::uint32_t hash_words(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    std::uint64_t h = mix64(seed ^ a);
    h = mix64(h ^ b);
    h = mix64(h ^ c);
    return static_cast<std::uint32_t>(h);
}

}  // namespace dslite
