// Device specs as given on the command line, to devices:
//   tun:NAME           a Linux TUN (created if missing, removed on exit if so)
//   raw                IPv4-in-IPv6 over a raw socket bound to the local address
//   udp:[ADDR]:PORT    a UDP softwire listening there (udp:A.B.C.D:PORT too)
//   pcap:IN[,OUT]      replay IN; write what is sent to OUT
// Parsing is separate from opening so configuration errors show before any
// privileged call, and so it can be tested without privileges.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "dslite/address.hpp"
#include "platform/device.hpp"
#include "platform/linux/socket_address.hpp"

namespace dslite::platform {

struct TunSpec {
    std::string interface;
};
struct RawSpec {};
struct UdpSpec {
    HostPort listen;
};
struct PcapSpec {
    std::string input;
    std::string output;  // empty: none
};
using DeviceSpec = std::variant<TunSpec, RawSpec, UdpSpec, PcapSpec>;

// `option` names the flag the spec came from; errors read "OPTION: why".
std::variant<DeviceSpec, std::string> parse_device_spec(std::string_view option, std::string_view text);

struct DeviceContext {
    Ipv6Address local_address{};  // what a raw device binds to (the AFTR address)
};

std::variant<std::unique_ptr<Device>, std::string> open_device(std::string_view option, const DeviceSpec& spec,
                                                               const DeviceContext& context);

// parse_device_spec then open_device.
std::variant<std::unique_ptr<Device>, std::string> make_device(std::string_view option, std::string_view text,
                                                               const DeviceContext& context);

}  // namespace dslite::platform
