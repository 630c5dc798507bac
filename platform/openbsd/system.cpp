// SPDX-License-Identifier: BSD-2-Clause
// OpenBSD: tun devices, setup with ifconfig and route, forwarding from
// sysctl(2) by MIB (OpenBSD has no sysctlbyname). Not compiled or run here;
// the command lists are unit-tested on Linux.
#include "platform/system.hpp"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <netinet/in.h>

#include "platform/bsd/interface_commands.hpp"
#include "platform/openbsd/tun_device.hpp"

namespace dslite::platform {
namespace {

Forwarding read_sysctl(const char* name, int family, int protocol, int variable) {
    int mib[4] = {CTL_NET, family, protocol, variable};
    int value = 0;
    std::size_t size = sizeof value;
    if (::sysctl(mib, 4, &value, &size, nullptr, 0) != 0) return {name, std::nullopt};
    return {name, value != 0};
}

}  // namespace

std::string_view system_name() { return "OpenBSD"; }

std::string_view interface_forms() { return "tun:tunN"; }

std::string_view default_home_device() { return "tun:tun0"; }

std::optional<std::string> unsupported(const DeviceSpec& spec) {
    if (std::holds_alternative<UtunSpec>(spec)) return std::string("utun is macOS's; on OpenBSD use tun:tunN");
    if (std::holds_alternative<RawSpec>(spec))
        return std::string("raw is Linux-only; on OpenBSD softwires come over a tun or udp:[ADDR]:PORT");
    if (const auto* tun = std::get_if<TunSpec>(&spec)) return openbsd::bad_name(tun->interface);
    return std::nullopt;
}

std::variant<std::unique_ptr<Device>, std::string> open_interface_device(const DeviceSpec& spec, const Ipv6Address&) {
    if (const auto* tun = std::get_if<TunSpec>(&spec)) return openbsd::open_tun(*tun);
    return std::string("not an interface device");
}

std::optional<std::string> configure(const InterfaceConfig& config) {
    return bsd::configure(bsd::System::openbsd, config);
}

void unconfigure(const InterfaceConfig& config) { bsd::unconfigure(bsd::System::openbsd, config); }

Forwarding ipv4_forwarding() { return read_sysctl("net.inet.ip.forwarding", PF_INET, IPPROTO_IP, IPCTL_FORWARDING); }
Forwarding ipv6_forwarding() {
    return read_sysctl("net.inet6.ip6.forwarding", PF_INET6, IPPROTO_IPV6, IPV6CTL_FORWARDING);
}

}  // namespace dslite::platform
