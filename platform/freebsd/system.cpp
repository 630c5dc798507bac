// SPDX-License-Identifier: BSD-2-Clause
// FreeBSD: tun devices, setup with ifconfig and route, forwarding from
// sysctl. Not compiled or run here; the command lists are unit-tested on
// Linux.
#include "platform/system.hpp"

#include "platform/bsd/interface_commands.hpp"
#include "platform/bsd/sysctl_by_name.hpp"
#include "platform/freebsd/tun_device.hpp"

namespace dslite::platform {

std::string_view system_name() { return "FreeBSD"; }

std::string_view interface_forms() { return "tun, tun:NAME"; }

std::string_view default_home_device() { return "tun"; }

std::optional<std::string> unsupported(const DeviceSpec& spec) {
    if (std::holds_alternative<UtunSpec>(spec)) return std::string("utun is macOS's; on FreeBSD use tun or tun:NAME");
    if (std::holds_alternative<RawSpec>(spec))
        return std::string("raw is Linux-only; on FreeBSD softwires come over a tun or udp:[ADDR]:PORT");
    return std::nullopt;
}

std::variant<std::unique_ptr<Device>, std::string> open_interface_device(const DeviceSpec& spec, const Ipv6Address&) {
    if (const auto* tun = std::get_if<TunSpec>(&spec)) return freebsd::open_tun(*tun);
    return std::string("not an interface device");
}

std::optional<std::string> configure(const InterfaceConfig& config) {
    return bsd::configure(bsd::System::freebsd, config);
}

void unconfigure(const InterfaceConfig& config) { bsd::unconfigure(bsd::System::freebsd, config); }

Forwarding ipv4_forwarding() { return bsd::forwarding_sysctl("net.inet.ip.forwarding"); }
Forwarding ipv6_forwarding() { return bsd::forwarding_sysctl("net.inet6.ip6.forwarding"); }

}  // namespace dslite::platform
