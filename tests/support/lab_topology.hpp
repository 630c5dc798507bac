// The addresses of the test lab (tests/e2e/lab.sh) for tests that build
// packets in memory: two B4 sites whose hosts share 192.168.1.10, the AFTR,
// a server, and the pool.
#pragma once

#include <cstdint>

#include "dslite/config.hpp"
#include "support/packet_builder.hpp"

namespace dslite::test {

inline const Ipv6Address kAftr = v6("2001:db8:ff::1");
inline const Ipv6Address kB4a = v6("2001:db8:a::2");
inline const Ipv6Address kB4b = v6("2001:db8:b::2");
inline const Ipv4Address kHost = v4("192.168.1.10");
inline const Ipv4Address kServer = v4("203.0.113.10");

// An engine configuration for the lab, tables sized for a test.
inline EngineConfig lab_engine_config(std::uint32_t max_bindings, std::uint32_t max_subscribers) {
    EngineConfig c;
    c.aftr_address = kAftr;
    c.pools = {*parse_ipv4_prefix("198.51.100.0/28")};
    c.max_bindings = max_bindings;
    c.max_subscribers = max_subscribers;
    return c;
}

}  // namespace dslite::test
