// SPDX-License-Identifier: BSD-2-Clause
// Interface setup over rtnetlink, for the TUNs the daemons own: bring a link
// up, set its MTU, give it addresses and route prefixes into it. Each call
// returns nothing on success or one line saying what failed. Start-up only;
// never on the packet path.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "dslite/address.hpp"

namespace dslite::platform::netlink {

std::optional<std::string> set_link_up(const std::string& interface);
std::optional<std::string> set_mtu(const std::string& interface, std::uint32_t mtu);

// An address with its on-link prefix length (host bits set, unlike a Prefix).
// An address the interface already has counts as success. IPv6 addresses
// skip duplicate address detection: they are usable at once.
std::optional<std::string> add_address(const std::string& interface, Ipv4Address address, std::uint8_t prefix_length);
std::optional<std::string> add_address(const std::string& interface, const Ipv6Address& address,
                                       std::uint8_t prefix_length);

// A route for `destination` out of `interface` (no gateway: TUNs are point to
// point). Refuses to replace an existing route to the same prefix, which
// might be the host's own default route.
std::optional<std::string> add_route(const std::string& interface, const Ipv4Prefix& destination);
std::optional<std::string> add_route(const std::string& interface, const Ipv6Prefix& destination);
// Removes what add_route added; a route (or interface) that is gone already
// counts as success.
std::optional<std::string> delete_route(const std::string& interface, const Ipv4Prefix& destination);
std::optional<std::string> delete_route(const std::string& interface, const Ipv6Prefix& destination);

}  // namespace dslite::platform::netlink
