#include "interface_setup.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>

#include "platform/linux/netlink.hpp"

namespace dslite::daemon {

namespace {

namespace nl = platform::netlink;

// The B4 TUN takes whole IPv6 packets from B4s, the uplink TUN whole IPv4
// packets from the Internet: the engine, not the kernel, fragments or sends
// Packet Too Big / Fragmentation Needed for what does not fit the other side.
struct Mtus {
    std::uint32_t b4;
    std::uint32_t uplink;
};

Mtus tun_mtus(const DaemonSettings& settings, const EngineConfig& config) {
    if (settings.mtu) return {*settings.mtu, *settings.mtu};
    if (settings.shared_tun()) {
        const std::uint32_t larger = std::max(config.tunnel_mtu, config.uplink_mtu);
        return {larger, larger};
    }
    return {config.tunnel_mtu, config.uplink_mtu};
}

// Netlink errors name the interface already.
std::optional<std::string> fail(const char* option, const std::string& error) { return std::string(option) + ": " + error; }

std::optional<std::string> bring_up(const char* option, const std::string& interface, std::uint32_t mtu) {
    if (auto e = nl::set_mtu(interface, mtu)) return fail(option, *e);
    if (auto e = nl::set_link_up(interface)) return fail(option, *e);
    return std::nullopt;
}

// An uplink-only TUN carries IPv4: without IPv6 on it the kernel sends it no
// router or listener solicitations, which would only be counted as drops.
std::optional<std::string> disable_ipv6(const std::string& interface) {
    const std::string path = "/proc/sys/net/ipv6/conf/" + interface + "/disable_ipv6";
    std::ofstream out(path);
    if (!(out << "1\n") || !out.flush()) return "uplink-device: " + interface + ": cannot write " + path;
    return std::nullopt;
}

bool sysctl_is_zero(const char* path) {
    std::ifstream in(path);
    std::string value;
    return in >> value && value == "0";
}

}  // namespace

std::optional<std::string> configure_interfaces(const DaemonSettings& settings, const EngineConfig& config) {
    if (!settings.configure) return std::nullopt;
    const auto* b4 = std::get_if<platform::TunSpec>(&settings.b4_device);
    const auto* uplink = std::get_if<platform::TunSpec>(&settings.uplink_device);
    const Mtus mtu = tun_mtus(settings, config);

    if (b4) {
        if (auto e = bring_up("b4-device", b4->interface, mtu.b4)) return e;
    }
    if (uplink && !settings.shared_tun()) {
        if (auto e = disable_ipv6(uplink->interface)) return e;
        if (auto e = bring_up("uplink-device", uplink->interface, mtu.uplink)) return e;
    }
    if (b4) {
        if (auto e = nl::add_route(b4->interface, Ipv6Prefix{config.aftr_address, 128}))
            return fail("b4-device", *e);
    }
    if (uplink) {
        for (const auto& pool : config.pools) {
            if (auto e = nl::add_route(uplink->interface, pool)) return fail("uplink-device", *e);
        }
    }
    return std::nullopt;
}

void log_configuration(const DaemonSettings& settings, const EngineConfig& config) {
    const auto* b4 = std::get_if<platform::TunSpec>(&settings.b4_device);
    const auto* uplink = std::get_if<platform::TunSpec>(&settings.uplink_device);
    const Mtus mtu = tun_mtus(settings, config);
    if (b4) spdlog::info("tun:{}: up, MTU {}, route {}/128", b4->interface, mtu.b4, to_string(config.aftr_address));
    if (uplink) {
        for (const auto& pool : config.pools)
            spdlog::info("tun:{}: up, MTU {}, route {}", uplink->interface, mtu.uplink, to_string(pool));
    }
    if (std::holds_alternative<platform::TunSpec>(settings.b4_device) &&
        sysctl_is_zero("/proc/sys/net/ipv6/conf/all/forwarding"))
        spdlog::warn("IPv6 forwarding is off (net.ipv6.conf.all.forwarding = 0): softwires from other "
                     "interfaces will not reach the B4 TUN");
    if (std::holds_alternative<platform::TunSpec>(settings.uplink_device) &&
        sysctl_is_zero("/proc/sys/net/ipv4/ip_forward"))
        spdlog::warn("IPv4 forwarding is off (net.ipv4.ip_forward = 0): the Internet will not reach the uplink TUN");
}

}  // namespace dslite::daemon
