// SPDX-License-Identifier: BSD-2-Clause
// The one topology of every test that builds packets in memory: unit,
// daemon, replay scenarios, fuzz seeds. Documentation ranges; hosts private.
// (The e2e lab, tests/e2e/lab.sh, is real interfaces in namespaces: the same
// B4s, server and pool, and addresses of its own for the AFTR and hosts.)
#pragma once

#include <cstdint>

#include "dslite/address.hpp"
#include "dslite/config.hpp"
#include "support/packet_builder.hpp"

namespace dslite::test::net {

inline const Ipv6Address aftr = v6("2001:db8:0:1::1");
inline const Ipv6Address b4_a = v6("2001:db8:a::2");     // subscriber 2001:db8:a::/56
inline const Ipv6Address b4_a2 = v6("2001:db8:a:1::2");  // same /56 as b4_a
inline const Ipv6Address b4_b = v6("2001:db8:b::2");     // another subscriber
inline const Ipv4Address aftr_v4 = v4("192.0.0.1");
inline const Ipv4Address host = v4("10.0.0.1");  // behind every B4
inline const Ipv4Address host2 = v4("10.0.0.2");
inline const Ipv4Prefix pool_prefix = *parse_ipv4_prefix("198.51.100.0/28");
inline const Ipv4Address pool = v4("198.51.100.1");  // its first address: the pool of one address
inline const Ipv4Address server1 = v4("203.0.113.10");
inline const Ipv4Address server2 = v4("203.0.113.20");
inline const Ipv6Address router = v6("2001:db8:ffff::1");  // on the IPv6 path to the B4s

}  // namespace dslite::test::net

namespace dslite::test {

// An engine configuration for the lab, tables sized for a test.
inline EngineConfig lab_engine_config(std::uint32_t max_bindings, std::uint32_t max_subscribers) {
    EngineConfig c;
    c.aftr_address = net::aftr;
    c.pools = {net::pool_prefix};
    c.max_bindings = max_bindings;
    c.max_subscribers = max_subscribers;
    return c;
}

}  // namespace dslite::test
