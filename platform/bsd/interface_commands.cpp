// SPDX-License-Identifier: BSD-2-Clause
#include "platform/bsd/interface_commands.hpp"

#include <spdlog/spdlog.h>

namespace dslite::platform::bsd {
namespace {

// macOS and OpenBSD route IPv6 into an interface only once it has an IPv6
// address of its own. It must not be the AFTR address (the kernel would keep
// those packets), so it is a link-local one, which no one else can reach.
std::string link_local(const InterfaceConfig& config) { return "fe80::1%" + config.interface; }

std::vector<Ipv4Prefix> split_default(const std::vector<Ipv4Prefix>& routes) {
    std::vector<Ipv4Prefix> out;
    for (const auto& route : routes) {
        if (route.length == 0) {
            out.push_back({Ipv4Address{0}, 1});
            out.push_back({Ipv4Address{0x80000000}, 1});
        } else {
            out.push_back(route);
        }
    }
    return out;
}

Command ifconfig(const InterfaceConfig& config, std::vector<std::string> words) {
    words.insert(words.begin(), {kIfconfig, config.interface});
    return {std::move(words)};
}

// The gateway part of a route into the interface: its name where route(8)
// takes one (-interface), else OpenBSD's -iface and an address of this host
// on the interface.
std::vector<std::string> into(System system, const InterfaceConfig& config, bool ipv6) {
    if (system != System::openbsd) return {"-interface", config.interface};
    return {"-iface", ipv6 ? link_local(config) : to_string(config.ipv4 ? config.ipv4->local : Ipv4Address{})};
}

Command route(std::string verb, const std::string& family, const std::string& prefix,
              std::vector<std::string> gateway) {
    std::vector<std::string> words{kRoute, "-n", std::move(verb), family, prefix};
    words.insert(words.end(), gateway.begin(), gateway.end());
    return {std::move(words)};
}

}  // namespace

std::vector<Command> setup_commands(System system, const InterfaceConfig& config) {
    std::vector<Command> out;
    out.push_back(ifconfig(config, {"mtu", std::to_string(config.mtu), "up"}));
    if (config.ipv4)
        out.push_back(ifconfig(config, {"inet", to_string(config.ipv4->local), to_string(config.ipv4->peer), "netmask",
                                        "255.255.255.255"}));
    if (!config.ipv6_routes.empty()) {
        // FreeBSD marks new interfaces ifdisabled; macOS and OpenBSD need the address.
        if (system == System::freebsd)
            out.push_back(ifconfig(config, {"inet6", "-ifdisabled"}));
        else
            out.push_back(ifconfig(config, {"inet6", link_local(config), "prefixlen", "64"}));
    }
    for (const auto& prefix : config.ipv6_routes)
        out.push_back(route("add", "-inet6", to_string(prefix), into(system, config, true)));
    for (const auto& prefix : split_default(config.ipv4_routes))
        out.push_back(route("add", "-inet", to_string(prefix), into(system, config, false)));
    return out;
}

std::vector<Command> teardown_commands(System, const InterfaceConfig& config) {
    // By destination alone, as wg-quick does: the gateway may be gone already.
    std::vector<Command> out;
    for (const auto& prefix : split_default(config.ipv4_routes))
        out.push_back(route("delete", "-inet", to_string(prefix), {}));
    for (const auto& prefix : config.ipv6_routes) out.push_back(route("delete", "-inet6", to_string(prefix), {}));
    return out;
}

std::optional<std::string> configure(System system, const InterfaceConfig& config) {
    return run_all(setup_commands(system, config));
}

void unconfigure(System system, const InterfaceConfig& config) {
    for (const auto& command : teardown_commands(system, config)) {
        if (auto error = run(command)) spdlog::warn("{}", *error);
    }
}

}  // namespace dslite::platform::bsd
