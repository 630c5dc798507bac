// SPDX-License-Identifier: BSD-2-Clause
// Addresses and prefixes as plain values. IPv4 addresses are kept in host
// byte order here (config, control output); the packet path works on the
// wire bytes and converts only at the edges.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace dslite {

using Ipv6Address = std::array<std::uint8_t, 16>;

struct Ipv4Address {
    std::uint32_t value = 0;  // host byte order
    friend bool operator==(Ipv4Address, Ipv4Address) = default;
    friend auto operator<=>(Ipv4Address, Ipv4Address) = default;
};

struct Ipv4Prefix {
    Ipv4Address address;  // host bits are zero
    std::uint8_t length = 32;

    bool contains(Ipv4Address a) const;
    bool overlaps(const Ipv4Prefix& other) const;
    std::uint64_t size() const { return std::uint64_t{1} << (32 - length); }
    friend bool operator==(const Ipv4Prefix&, const Ipv4Prefix&) = default;
};

struct Ipv6Prefix {
    Ipv6Address address{};  // host bits are zero
    std::uint8_t length = 128;

    bool contains(const Ipv6Address& a) const;
    friend bool operator==(const Ipv6Prefix&, const Ipv6Prefix&) = default;
};

// Zeroes every bit after the first `length` bits. Inline and a word at a
// time: every packet of a B4 is masked to find its subscriber.
inline Ipv6Address mask_ipv6(const Ipv6Address& a, std::uint8_t length) {
    Ipv6Address out;
    for (unsigned half = 0; half < 2; ++half) {
        const unsigned bits = length > half * 64 ? std::min(64u, length - half * 64u) : 0u;
        // The first `bits` bits of the half in memory order, whatever the host's byte order.
        std::array<std::uint8_t, 8> mask{};
        for (unsigned i = 0; i < 8; ++i)
            mask[i] = static_cast<std::uint8_t>(bits >= (i + 1) * 8 ? 0xff
                                                : bits > i * 8      ? 0xff00u >> (bits - i * 8)
                                                                    : 0);
        std::uint64_t word, m;
        std::memcpy(&word, a.data() + half * 8, 8);
        std::memcpy(&m, mask.data(), 8);
        word &= m;
        std::memcpy(out.data() + half * 8, &word, 8);
    }
    return out;
}

std::optional<Ipv4Address> parse_ipv4(std::string_view text);
std::optional<Ipv6Address> parse_ipv6(std::string_view text);
// "a.b.c.d/len"; a bare address is a /32. Refuses set host bits.
std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);
// "x::y/len"; a bare address is a /128. Refuses set host bits.
std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view text);

std::string to_string(Ipv4Address a);
std::string to_string(const Ipv6Address& a);
std::string to_string(const Ipv4Prefix& p);
std::string to_string(const Ipv6Prefix& p);

}  // namespace dslite
