// Packets of the lab topology for the daemon tests: a site host behind a B4
// talking UDP or ping to a server through the AFTR.
#pragma once

#include "dslite/config.hpp"
#include "support/packet_builder.hpp"

namespace dslite::daemon::lab {

using namespace dslite::test;

inline const Ipv6Address kAftr = v6("2001:db8:ff::1");
inline const Ipv6Address kB4a = v6("2001:db8:a::2");
inline const Ipv6Address kB4b = v6("2001:db8:b::2");
inline const Ipv4Address kHost = v4("192.168.1.10");
inline const Ipv4Address kServer = v4("203.0.113.10");

inline EngineConfig lab_config() {
    EngineConfig c;
    c.aftr_address = kAftr;
    c.pools = {*parse_ipv4_prefix("198.51.100.0/28")};
    c.max_sessions = 1024;
    c.max_subscribers = 64;
    return c;
}

// A UDP datagram from the site host behind `b4`, as that B4 sends it.
inline Bytes softwire_udp(const Ipv6Address& b4, std::uint16_t port, std::string_view payload) {
    const Bytes inner = ipv4_udp(Ipv4Header{kHost, kServer}, UdpDatagram{port, 7, text_bytes(payload)});
    return softwire(Ipv6Header{b4, kAftr}, inner);
}

// The server's answer to a public address and port.
inline Bytes uplink_udp(Ipv4Address to, std::uint16_t port, std::string_view payload) {
    return ipv4_udp(Ipv4Header{kServer, to}, UdpDatagram{7, port, text_bytes(payload)});
}

}  // namespace dslite::daemon::lab
