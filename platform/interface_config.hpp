// SPDX-License-Identifier: BSD-2-Clause
// What a daemon wants of a network interface it owns (a TUN or utun), as
// data: the daemons say what, each OS says how (Linux over rtnetlink, macOS
// and the BSDs by running their own ifconfig and route, see bsd/).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dslite/address.hpp"

namespace dslite::platform {

// The softwire's own IPv4 link (RFC 6333 section 5.7): 192.0.0.1 is the AFTR,
// 192.0.0.2 the B4.
inline constexpr Ipv4Address kAftrIpv4{0xc0000001};
inline constexpr Ipv4Address kB4Ipv4{0xc0000002};

struct InterfaceConfig {
    std::string interface;
    std::uint32_t mtu = 1500;

    struct Ipv4Ends {
        Ipv4Address local;
        Ipv4Address peer;
    };
    std::optional<Ipv4Ends> ipv4;
    // The address is wanted only so that IPv4 routes can point into the
    // interface (macOS and the BSDs need one for that). Linux routes into an
    // interface without one, and there the address would become the source of
    // the kernel's own ICMP errors about traffic it forwards from the uplink.
    bool ipv4_only_for_routes = false;

    std::vector<Ipv6Prefix> ipv6_routes;
    // Need `ipv4`: OpenBSD routes through the interface's own address.
    std::vector<Ipv4Prefix> ipv4_routes;
    // Carries IPv4 only: IPv6 is turned off where the OS would otherwise send
    // router or listener solicitations into it (Linux).
    bool ipv4_only = false;
};

}  // namespace dslite::platform
