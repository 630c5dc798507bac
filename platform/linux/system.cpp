// SPDX-License-Identifier: BSD-2-Clause
// Linux: TUNs from /dev/net/tun, the raw IPv4-in-IPv6 socket, setup over
// rtnetlink, forwarding from /proc/sys.
#include "platform/system.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

#include "platform/linux/netlink.hpp"
#include "platform/linux/raw_device.hpp"
#include "platform/linux/tun_device.hpp"

namespace dslite::platform {
namespace {

// IPv6 off on a TUN: the kernel then sends it no router or listener solicitations.
std::optional<std::string> disable_ipv6(const std::string& interface) {
    const std::string path = "/proc/sys/net/ipv6/conf/" + interface + "/disable_ipv6";
    std::ofstream out(path);
    if (!(out << "1\n") || !out.flush()) return interface + ": cannot write " + path;
    return std::nullopt;
}

std::optional<bool> read_flag(const char* path) {
    std::ifstream in(path);
    std::string value;
    if (!(in >> value)) return std::nullopt;
    return value != "0";
}

}  // namespace

std::string_view system_name() { return "Linux"; }

std::string_view interface_forms() { return "tun:NAME"; }

std::string_view default_home_device() { return "tun:b4"; }

std::optional<std::string> unsupported(const DeviceSpec& spec) {
    if (std::holds_alternative<UtunSpec>(spec)) return std::string("utun is macOS's; on Linux use tun:NAME");
    if (const auto* tun = std::get_if<TunSpec>(&spec); tun && tun->interface.empty())
        return std::string("a bare 'tun' is FreeBSD's next free TUN; on Linux name it: tun:NAME");
    return std::nullopt;
}

std::variant<std::unique_ptr<Device>, std::string> open_interface_device(const DeviceSpec& spec,
                                                                         const Ipv6Address& local) {
    if (const auto* tun = std::get_if<TunSpec>(&spec)) return as_device(TunDevice::open(tun->interface));
    if (std::holds_alternative<RawSpec>(spec)) return as_device(RawDevice::open(local));
    return std::string("not an interface device");
}

std::optional<std::string> no_queues(const DeviceSpec& spec) {
    if (std::holds_alternative<TunSpec>(spec)) return std::nullopt;
    return std::string("has one queue; more threads than one need tun:NAME devices (a TUN with a queue per thread)");
}

std::variant<std::vector<std::unique_ptr<Device>>, std::string> open_interface_queues(const DeviceSpec& spec,
                                                                                      unsigned count) {
    const auto* tun = std::get_if<TunSpec>(&spec);
    if (!tun) return *no_queues(spec);
    auto opened = TunDevice::open_queues(tun->interface, count);
    if (auto* e = std::get_if<std::string>(&opened)) return std::move(*e);
    std::vector<std::unique_ptr<Device>> devices;
    for (auto& q : std::get<std::vector<std::unique_ptr<TunDevice>>>(opened)) devices.push_back(std::move(q));
    return devices;
}

std::optional<std::string> configure(const InterfaceConfig& config) {
    namespace nl = netlink;
    const std::string& name = config.interface;
    if (config.ipv4_only) {
        if (auto e = disable_ipv6(name)) return e;
    }
    if (auto e = nl::set_mtu(name, config.mtu)) return e;
    // The B4's 192.0.0.2 sits in the softwire's 192.0.0.0/29 (RFC 6333 section 5.7).
    if (config.ipv4 && !config.ipv4_only_for_routes) {
        if (auto e = nl::add_address(name, config.ipv4->local, 29)) return e;
    }
    if (auto e = nl::set_link_up(name)) return e;  // IPv4 routes need the link up
    for (const auto& route : config.ipv6_routes) {
        if (auto e = nl::add_route(name, route)) return e;
    }
    for (const auto& route : config.ipv4_routes) {
        if (auto e = nl::add_route(name, route)) return e;
    }
    return std::nullopt;
}

void unconfigure(const InterfaceConfig& config) {
    // A TUN the daemon created takes its routes with it; one that was there
    // before (persistent) would keep them and refuse the next start.
    const auto warn = [](const std::optional<std::string>& e) {
        if (e) spdlog::warn("{}", *e);
    };
    for (const auto& route : config.ipv4_routes) warn(netlink::delete_route(config.interface, route));
    for (const auto& route : config.ipv6_routes) warn(netlink::delete_route(config.interface, route));
}

Forwarding ipv4_forwarding() { return {"net.ipv4.ip_forward", read_flag("/proc/sys/net/ipv4/ip_forward")}; }

Forwarding ipv6_forwarding() {
    return {"net.ipv6.conf.all.forwarding", read_flag("/proc/sys/net/ipv6/conf/all/forwarding")};
}

}  // namespace dslite::platform
