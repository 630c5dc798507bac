// SPDX-License-Identifier: BSD-2-Clause
// macOS: utun devices, setup with ifconfig and route, forwarding from
// sysctl. Not run here: compiled against the macOS SDK headers by
// scripts/check-macos; the command lists are unit-tested on Linux.
#include "platform/system.hpp"

#include "platform/bsd/interface_commands.hpp"
#include "platform/bsd/sysctl_by_name.hpp"
#include "platform/darwin/utun_device.hpp"

namespace dslite::platform {

std::string_view system_name() { return "macOS"; }

std::string_view interface_forms() { return "utun, utun:N"; }

std::string_view default_home_device() { return "utun"; }

std::optional<std::string> unsupported(const DeviceSpec& spec) {
    if (std::holds_alternative<TunSpec>(spec)) return std::string("macOS has no tun devices: use utun or utun:N");
    if (std::holds_alternative<RawSpec>(spec))
        return std::string("raw is Linux-only; on macOS softwires come over a utun or udp:[ADDR]:PORT");
    return std::nullopt;
}

std::variant<std::unique_ptr<Device>, std::string> open_interface_device(const DeviceSpec& spec, const Ipv6Address&) {
    if (const auto* utun = std::get_if<UtunSpec>(&spec)) return darwin::open_utun(*utun);
    return std::string("not an interface device");
}

std::optional<std::string> configure(const InterfaceConfig& config) {
    return bsd::configure(bsd::System::darwin, config);
}

void unconfigure(const InterfaceConfig& config) { bsd::unconfigure(bsd::System::darwin, config); }

Forwarding ipv4_forwarding() { return bsd::forwarding_sysctl("net.inet.ip.forwarding"); }
Forwarding ipv6_forwarding() { return bsd::forwarding_sysctl("net.inet6.ip6.forwarding"); }

}  // namespace dslite::platform
