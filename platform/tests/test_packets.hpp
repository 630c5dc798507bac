// SPDX-License-Identifier: BSD-2-Clause
// Packets for the device tests, built on the shared wire helpers.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::test {

using Bytes = std::vector<std::uint8_t>;

inline Ipv6Address v6(const char* text) { return *parse_ipv6(text); }
inline Ipv4Address v4(const char* text) { return *parse_ipv4(text); }

// IPv4 + UDP with correct checksums.
inline Bytes ipv4_udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, const Bytes& payload,
                      std::uint8_t tos = 0) {
    namespace ip = wire::ipv4;
    Bytes p(20 + 8 + payload.size(), 0);
    p[0] = 0x45;
    p[ip::tos] = tos;
    wire::store16(&p[ip::total_length], static_cast<std::uint16_t>(p.size()));
    p[ip::ttl] = 64;
    p[ip::protocol] = wire::proto_udp;
    wire::store32(&p[ip::source], src.value);
    wire::store32(&p[ip::destination], dst.value);
    wire::store16(&p[ip::checksum], checksum({p.data(), 20}));
    std::uint8_t* u = &p[20];
    wire::store16(u + wire::l4::source_port, sport);
    wire::store16(u + wire::l4::destination_port, dport);
    wire::store16(u + wire::udp::length, static_cast<std::uint16_t>(8 + payload.size()));
    std::memcpy(u + 8, payload.data(), payload.size());
    const auto sum = pseudo_header_ipv4(&p[ip::source], &p[ip::destination], wire::proto_udp,
                                        static_cast<std::uint16_t>(8 + payload.size()));
    wire::store16(u + wire::udp::checksum, checksum({u, 8 + payload.size()}, sum));
    return p;
}

// IPv6 header in front of `payload` with next header `nh`.
inline Bytes ipv6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t nh, const Bytes& payload,
                  std::uint8_t traffic_class = 0, std::uint8_t hop_limit = 64) {
    namespace ip = wire::ipv6;
    Bytes p(40, 0);
    wire::store32(p.data(), 6u << 28 | std::uint32_t{traffic_class} << 20);
    wire::store16(&p[ip::payload_length], static_cast<std::uint16_t>(payload.size()));
    p[ip::next_header] = nh;
    p[ip::hop_limit] = hop_limit;
    std::memcpy(&p[ip::source], src.data(), 16);
    std::memcpy(&p[ip::destination], dst.data(), 16);
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

// IPv6 + UDP with a correct checksum.
inline Bytes ipv6_udp(const Ipv6Address& src, std::uint16_t sport, const Ipv6Address& dst, std::uint16_t dport,
                      const Bytes& payload) {
    Bytes u(8 + payload.size(), 0);
    wire::store16(&u[wire::l4::source_port], sport);
    wire::store16(&u[wire::l4::destination_port], dport);
    wire::store16(&u[wire::udp::length], static_cast<std::uint16_t>(u.size()));
    std::memcpy(&u[8], payload.data(), payload.size());
    const auto sum = pseudo_header_ipv6(src.data(), dst.data(), wire::proto_udp, static_cast<std::uint32_t>(u.size()));
    wire::store16(&u[wire::udp::checksum], checksum(u, sum));
    return ipv6(src, dst, wire::proto_udp, u);
}

inline Bytes bytes_of(const char* text) { return Bytes(text, text + std::strlen(text)); }

}  // namespace dslite::test
