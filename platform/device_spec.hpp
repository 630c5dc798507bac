// SPDX-License-Identifier: BSD-2-Clause
// Device specs as given on the command line (--b4-device, --uplink-device,
// dslite-b4 --device), parsed the same way on every OS; which of them this OS
// can open is platform/system.hpp's to say.
//   tun, tun:NAME      a TUN: Linux (/dev/net/tun), FreeBSD (/dev/tun clone or
//                      /dev/NAME), OpenBSD (tun:tunN, /dev/tunN); bare: the next free
//   utun, utun:N       a macOS utun: the next free one, or utunN
//   raw                IPv4-in-IPv6 over a raw socket bound to the local address (Linux)
//   udp:[ADDR]:PORT    a UDP softwire listening there (udp:A.B.C.D:PORT too), any OS
//   pcap:IN[,OUT]      replay IN; write what is sent to OUT, any OS
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "platform/posix/socket_address.hpp"

namespace dslite::platform {

struct TunSpec {
    std::string interface;  // empty: the next free TUN, named by the kernel
    bool operator==(const TunSpec&) const = default;
};
struct UtunSpec {
    std::optional<unsigned> unit;  // utunN; none: the next free
    bool operator==(const UtunSpec&) const = default;
};
struct RawSpec {
    bool operator==(const RawSpec&) const = default;
};
struct UdpSpec {
    HostPort listen;
    bool operator==(const UdpSpec&) const = default;
};
struct PcapSpec {
    std::string input;
    std::string output;  // empty: none
    bool operator==(const PcapSpec&) const = default;
};
using DeviceSpec = std::variant<TunSpec, UtunSpec, RawSpec, UdpSpec, PcapSpec>;

// A spec for a network interface of the OS (tun, utun): the ones the daemons
// configure, and the ones one device may serve for both sides of the AFTR.
inline bool is_interface(const DeviceSpec& spec) {
    return std::holds_alternative<TunSpec>(spec) || std::holds_alternative<UtunSpec>(spec);
}

}  // namespace dslite::platform
