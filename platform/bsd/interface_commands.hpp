// SPDX-License-Identifier: BSD-2-Clause
// How macOS, FreeBSD and OpenBSD set up a tun: the system's own ifconfig and
// route, as argv lists built from an InterfaceConfig. Pure, and compiled on
// every OS, so the lists for all three are unit-tested on Linux; only the
// OS's own platform/<os>/system.cpp runs them. Written from wg-quick's
// scripts for those systems and their route(8), ifconfig(8) and tun(4)
// manuals; not run here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/interface_config.hpp"
#include "platform/posix/command.hpp"

namespace dslite::platform::bsd {

enum class System { darwin, freebsd, openbsd };

inline constexpr const char* kIfconfig = "/sbin/ifconfig";
inline constexpr const char* kRoute = "/sbin/route";

// Up with its MTU, the IPv4 point-to-point address, IPv6 made usable where
// there are IPv6 routes, then the routes. A default route (0.0.0.0/0)
// becomes 0.0.0.0/1 and 128.0.0.0/1, as wg-quick does: more specific than
// the host's own default, which stays for when the daemon leaves.
std::vector<Command> setup_commands(System system, const InterfaceConfig& config);
// Deletes the routes setup_commands added.
std::vector<Command> teardown_commands(System system, const InterfaceConfig& config);

// setup_commands run in order: nothing, or the failing command's line.
std::optional<std::string> configure(System system, const InterfaceConfig& config);
// teardown_commands run, each failure logged as a warning.
void unconfigure(System system, const InterfaceConfig& config);

}  // namespace dslite::platform::bsd
