// SPDX-License-Identifier: BSD-2-Clause
// Start-up configuration of the daemon's interfaces (a TUN or utun on either
// side), so one command gives a working AFTR: up, MTUs set, the AFTR address
// routed into the B4 side and the pools into the uplink. What each interface
// needs is worked out here, the same on every OS; platform::configure does
// it the OS's way. Other devices (raw, udp:, pcap:) need nothing.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon_settings.hpp"
#include "dslite/config.hpp"
#include "platform/device.hpp"
#include "platform/interface_config.hpp"

namespace dslite::daemon {

struct OwnedInterface {
    const char* option;  // the flag its device came from, for messages
    std::string device;  // the device's name ("tun:aftr6", "utun:3")
    platform::InterfaceConfig config;
};

// What the opened devices need (none for a device that is not an interface).
// A shared device gets one configuration carrying both sides' routes.
std::vector<OwnedInterface> plan_interfaces(const DaemonSettings& settings, const EngineConfig& config,
                                            const Device& b4, const Device& uplink);

// Configures each in order: nothing, or "OPTION: what failed". Logs nothing:
// a refusal stays one line.
std::optional<std::string> configure_interfaces(const std::vector<OwnedInterface>& interfaces);
// Removes what configure_interfaces added, before the devices close.
void unconfigure_interfaces(const std::vector<OwnedInterface>& interfaces);

// A reloaded configuration's --no-nat prefixes (SIGHUP): routes the new ones
// into the uplink interface and removes the routes of those gone, and
// remembers them for unconfigure_interfaces. Nothing, or what failed.
std::optional<std::string> update_no_nat_routes(std::vector<OwnedInterface>& interfaces, const EngineConfig& running,
                                                const EngineConfig& next);

// Logs what configure_interfaces did, and warns when the kernel will not
// forward to or from the interfaces.
void log_configuration(const std::vector<OwnedInterface>& interfaces);

}  // namespace dslite::daemon
