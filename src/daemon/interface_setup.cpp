#include "interface_setup.hpp"

#include <spdlog/spdlog.h>

#include <fstream>

#include "platform/linux/netlink.hpp"

namespace dslite::daemon {

namespace {

namespace nl = platform::netlink;

// The largest IPv4 packet that still fits into one IPv6 packet of `mtu`;
// the kernel then sends Fragmentation Needed to Internet hosts itself.
constexpr std::uint32_t kIpv6Header = 40;

// Netlink errors name the interface already.
std::optional<std::string> fail(const char* option, const std::string& error) { return std::string(option) + ": " + error; }

std::optional<std::string> bring_up(const char* option, const std::string& interface, std::uint32_t mtu) {
    if (auto e = nl::set_mtu(interface, mtu)) return fail(option, *e);
    if (auto e = nl::set_link_up(interface)) return fail(option, *e);
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

    if (settings.shared_tun()) {
        // One MTU for both kinds: the IPv6 one, or B4s' full-size packets would bounce.
        if (auto e = bring_up("b4-device", b4->interface, settings.mtu)) return e;
    } else {
        if (b4) {
            if (auto e = bring_up("b4-device", b4->interface, settings.mtu)) return e;
        }
        if (uplink) {
            if (auto e = bring_up("uplink-device", uplink->interface, settings.mtu - kIpv6Header)) return e;
        }
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
    if (b4) spdlog::info("tun:{}: up, MTU {}, route {}/128", b4->interface, settings.mtu, to_string(config.aftr_address));
    if (uplink) {
        const auto mtu = settings.shared_tun() ? settings.mtu : settings.mtu - kIpv6Header;
        for (const auto& pool : config.pools) spdlog::info("tun:{}: up, MTU {}, route {}", uplink->interface, mtu, to_string(pool));
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
