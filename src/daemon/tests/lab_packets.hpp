// SPDX-License-Identifier: BSD-2-Clause
// Packets of the lab topology for the daemon tests: a site host behind a B4
// talking UDP or ping to a server through the AFTR.
#pragma once

#include "support/topology.hpp"
#include "support/packet_builder.hpp"

namespace dslite::daemon::lab {

using namespace dslite::test;

inline EngineConfig lab_config() { return lab_engine_config(1024, 64); }

// A UDP datagram from the site host behind `b4`, as that B4 sends it.
inline Bytes softwire_udp(const Ipv6Address& b4, std::uint16_t port, std::string_view payload) {
    const Bytes inner = ipv4_udp(Ipv4Header{net::host, net::server1}, UdpDatagram{port, 7, text_bytes(payload)});
    return softwire(Ipv6Header{b4, net::aftr}, inner);
}

// The server's answer to a public address and port.
inline Bytes uplink_udp(Ipv4Address to, std::uint16_t port, std::string_view payload) {
    return ipv4_udp(Ipv4Header{net::server1, to}, UdpDatagram{7, port, text_bytes(payload)});
}

}  // namespace dslite::daemon::lab
