// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <string>

namespace dslite {

namespace {

std::uint32_t ipv4_mask(std::uint8_t length) { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }

// Splits "addr/len"; a missing "/len" gives `full`.
bool split_prefix(std::string_view text, std::string& address, std::uint8_t& length, std::uint8_t full) {
    auto slash = text.find('/');
    address = std::string(text.substr(0, slash));
    if (slash == std::string_view::npos) {
        length = full;
        return true;
    }
    auto digits = text.substr(slash + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc{} || end != digits.data() + digits.size() || digits.empty() || value > full) return false;
    length = static_cast<std::uint8_t>(value);
    return true;
}

}  // namespace

bool Ipv4Prefix::contains(Ipv4Address a) const { return (a.value & ipv4_mask(length)) == address.value; }

bool Ipv4Prefix::overlaps(const Ipv4Prefix& other) const {
    auto shorter = length < other.length ? length : other.length;
    return (address.value & ipv4_mask(shorter)) == (other.address.value & ipv4_mask(shorter));
}

bool Ipv6Prefix::contains(const Ipv6Address& a) const { return mask_ipv6(a, length) == address; }

std::optional<Ipv4Address> parse_ipv4(std::string_view text) {
    std::string s(text);
    in_addr a{};
    if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
    return Ipv4Address{ntohl(a.s_addr)};
}

std::optional<Ipv6Address> parse_ipv6(std::string_view text) {
    std::string s(text);
    Ipv6Address a{};
    if (inet_pton(AF_INET6, s.c_str(), a.data()) != 1) return std::nullopt;
    return a;
}

std::optional<Ipv4Prefix> parse_ipv4_prefix(std::string_view text) {
    std::string address;
    std::uint8_t length = 0;
    if (!split_prefix(text, address, length, 32)) return std::nullopt;
    auto a = parse_ipv4(address);
    if (!a || (a->value & ~ipv4_mask(length)) != 0) return std::nullopt;
    return Ipv4Prefix{*a, length};
}

std::optional<Ipv6Prefix> parse_ipv6_prefix(std::string_view text) {
    std::string address;
    std::uint8_t length = 0;
    if (!split_prefix(text, address, length, 128)) return std::nullopt;
    auto a = parse_ipv6(address);
    if (!a || mask_ipv6(*a, length) != *a) return std::nullopt;
    return Ipv6Prefix{*a, length};
}

std::string to_string(Ipv4Address a) {
    in_addr n{htonl(a.value)};
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &n, buf, sizeof buf);
    return buf;
}

std::string to_string(const Ipv6Address& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
    return buf;
}

std::string to_string(const Ipv4Prefix& p) { return to_string(p.address) + "/" + std::to_string(p.length); }
std::string to_string(const Ipv6Prefix& p) { return to_string(p.address) + "/" + std::to_string(p.length); }

}  // namespace dslite
