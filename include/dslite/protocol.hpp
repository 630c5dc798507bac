// SPDX-License-Identifier: BSD-2-Clause
// The transport protocols the AFTR translates, as one type whose values are
// their IP protocol numbers: the wire constants are these, and per-protocol
// tables index by index_of().
#pragma once

#include <cstdint>
#include <string_view>

namespace dslite {

enum class Protocol : std::uint8_t { icmp = 1, tcp = 6, udp = 17 };

inline constexpr std::uint32_t kProtocols = 3;

// 0, 1, 2 for tcp, udp, icmp: the order of per-protocol arrays and counts.
constexpr std::uint32_t index_of(Protocol p) { return p == Protocol::tcp ? 0 : p == Protocol::udp ? 1 : 2; }

// "tcp", "udp", "icmp": as dslite-ctl and the binding log write them.
constexpr std::string_view protocol_name(Protocol p) {
    switch (p) {
    case Protocol::tcp: return "tcp";
    case Protocol::udp: return "udp";
    case Protocol::icmp: return "icmp";
    }
    return "unknown";
}

}  // namespace dslite
