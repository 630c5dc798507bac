// SPDX-License-Identifier: BSD-2-Clause
#include "interface_setup.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "platform/system.hpp"

namespace dslite::daemon {

namespace {

// The B4 side takes whole IPv6 packets from B4s, the uplink whole IPv4
// packets from the Internet: the engine, not the kernel, fragments or sends
// Packet Too Big / Fragmentation Needed for what does not fit the other side.
struct Mtus {
    std::uint32_t b4;
    std::uint32_t uplink;
};

Mtus interface_mtus(const DaemonSettings& settings, const EngineConfig& config) {
    if (settings.mtu) return {*settings.mtu, *settings.mtu};
    if (settings.shared_device()) {
        const std::uint32_t larger = std::max(config.tunnel_mtu, config.uplink_mtu);
        return {larger, larger};
    }
    return {config.tunnel_mtu, config.uplink_mtu};
}

void add_uplink(platform::InterfaceConfig& c, const EngineConfig& config) {
    c.ipv4 = platform::InterfaceConfig::Ipv4Ends{platform::kAftrIpv4, platform::kB4Ipv4};
    c.ipv4_only_for_routes = true;
    c.ipv4_routes = config.pools;
    for (const NoNat& route : config.no_nat) c.ipv4_routes.push_back(route.prefix);
}

std::string routes_text(const platform::InterfaceConfig& c) {
    std::string out;
    for (const auto& r : c.ipv6_routes) out += (out.empty() ? "" : ", ") + to_string(r);
    for (const auto& r : c.ipv4_routes) out += (out.empty() ? "" : ", ") + to_string(r);
    return out;
}

}  // namespace

std::vector<OwnedInterface> plan_interfaces(const DaemonSettings& settings, const EngineConfig& config,
                                            const Device& b4, const Device& uplink) {
    std::vector<OwnedInterface> out;
    if (!settings.configure) return out;
    const Mtus mtu = interface_mtus(settings, config);
    const bool shared = &b4 == &uplink;
    if (platform::is_interface(settings.b4_device) && !b4.interface().empty()) {
        platform::InterfaceConfig c;
        c.interface = b4.interface();
        c.mtu = mtu.b4;
        c.ipv6_routes = {Ipv6Prefix{config.aftr_address, 128}};
        if (shared) add_uplink(c, config);
        out.push_back({"b4-device", b4.name(), std::move(c)});
    }
    if (!shared && platform::is_interface(settings.uplink_device) && !uplink.interface().empty()) {
        platform::InterfaceConfig c;
        c.interface = uplink.interface();
        c.mtu = mtu.uplink;
        c.ipv4_only = true;
        add_uplink(c, config);
        out.push_back({"uplink-device", uplink.name(), std::move(c)});
    }
    return out;
}

std::optional<std::string> configure_interfaces(const std::vector<OwnedInterface>& interfaces) {
    for (const auto& owned : interfaces) {
        if (auto e = platform::configure(owned.config)) return std::string(owned.option) + ": " + *e;
    }
    return std::nullopt;
}

void unconfigure_interfaces(const std::vector<OwnedInterface>& interfaces) {
    for (const auto& owned : interfaces) platform::unconfigure(owned.config);
}

std::optional<std::string> update_no_nat_routes(std::vector<OwnedInterface>& interfaces, const EngineConfig& running,
                                                const EngineConfig& next) {
    const auto prefixes = [](const EngineConfig& c) {
        std::vector<Ipv4Prefix> out;
        for (const NoNat& route : c.no_nat) out.push_back(route.prefix);
        return out;
    };
    const std::vector<Ipv4Prefix> before = prefixes(running), after = prefixes(next);
    const auto in = [](const std::vector<Ipv4Prefix>& list, const Ipv4Prefix& p) {
        return std::find(list.begin(), list.end(), p) != list.end();
    };
    std::optional<std::string> problem;
    for (auto& owned : interfaces) {
        // The interface that carries the pool's routes carries these.
        if (owned.config.ipv4_routes.empty()) continue;
        platform::InterfaceConfig gone = owned.config, added = owned.config;
        gone.ipv6_routes.clear();
        added.ipv6_routes.clear();
        gone.ipv4_routes.clear();
        added.ipv4_routes.clear();
        added.ipv4_only = false;  // done at start
        for (const Ipv4Prefix& p : before)
            if (!in(after, p)) gone.ipv4_routes.push_back(p);
        for (const Ipv4Prefix& p : after)
            if (!in(before, p)) added.ipv4_routes.push_back(p);
        if (!gone.ipv4_routes.empty()) platform::unconfigure(gone);
        auto& routes = owned.config.ipv4_routes;
        routes.erase(
            std::remove_if(routes.begin(), routes.end(), [&](const Ipv4Prefix& p) { return in(gone.ipv4_routes, p); }),
            routes.end());
        if (added.ipv4_routes.empty()) continue;
        if (auto e = platform::configure(added)) {
            problem = std::string(owned.option) + ": " + *e;
            continue;
        }
        routes.insert(routes.end(), added.ipv4_routes.begin(), added.ipv4_routes.end());
    }
    return problem;
}

void log_configuration(const std::vector<OwnedInterface>& interfaces) {
    bool ipv4 = false;
    bool ipv6 = false;
    for (const auto& owned : interfaces) {
        spdlog::info("{}: up, MTU {}, routes {}", owned.device, owned.config.mtu, routes_text(owned.config));
        ipv4 = ipv4 || !owned.config.ipv4_routes.empty();
        ipv6 = ipv6 || !owned.config.ipv6_routes.empty();
    }
    if (const auto f = platform::ipv6_forwarding(); ipv6 && f.enabled == false)
        spdlog::warn("IPv6 forwarding is off ({} = 0): softwires from other interfaces will not reach the B4 side",
                     f.setting);
    if (const auto f = platform::ipv4_forwarding(); ipv4 && f.enabled == false)
        spdlog::warn("IPv4 forwarding is off ({} = 0): the Internet will not reach the uplink", f.setting);
}

}  // namespace dslite::daemon
