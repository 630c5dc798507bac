// SPDX-License-Identifier: BSD-2-Clause
// Which packets a capture (dslite-ctl capture) takes, and its request line:
//   capture [--b4 ADDR[/LEN]] [--public ADDR[:PORT]] [--count N] [--snaplen N]
// A condition is met by either packet of a pair, the one the engine was
// handed or what it made of it: the softwire packet of a B4 in --b4 (outer
// source or destination), an IPv4 packet to or from --public (the inner one
// of a softwire packet too). So a subscriber's packets are taken on both
// sides of the NAT, and a public end's too. Both options: both conditions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "dslite/address.hpp"

namespace dslite::daemon {

struct CaptureFilter {
    std::optional<Ipv6Prefix> b4;  // a bare address is a /128
    std::optional<Ipv4Address> public_address;
    std::optional<std::uint16_t> public_port;  // TCP or UDP port, ICMP echo identifier

    static constexpr unsigned kB4 = 1, kPublic = 2;
    // The conditions `packet` meets, a bit each.
    unsigned met(std::span<const std::uint8_t> packet) const;
    // The conditions set: a pair is taken when the bits its packets meet cover these.
    unsigned wanted() const { return (b4 ? kB4 : 0) | (public_address ? kPublic : 0); }
};

struct CaptureRequest {
    CaptureFilter filter;
    std::uint64_t count = 0;    // packets to write, then stop; 0: until stopped
    std::uint32_t snaplen = 0;  // bytes kept of each packet; 0: all of it
};

// The words after "capture"; "--OPTION: what is wrong" when refused.
std::variant<CaptureRequest, std::string> parse_capture_request(std::span<const std::string_view> args);
// The whole line, "capture ..." ("not a capture request" if it is another command).
std::variant<CaptureRequest, std::string> parse_capture_line(std::string_view line);
bool is_capture_line(std::string_view line);

}  // namespace dslite::daemon
