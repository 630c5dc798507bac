// SPDX-License-Identifier: BSD-2-Clause
// What the daemon runs with besides the engine's configuration: its devices,
// control socket and interface setup. Plain data: src/app fills it from
// flags and config files (daemon_options.hpp), tests fill it by hand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "binding_log.hpp"
#include "platform/control_path.hpp"
#include "platform/device_spec.hpp"
#include "platform/privileges.hpp"

namespace dslite::daemon {

struct DaemonSettings {
    platform::DeviceSpec b4_device;
    platform::DeviceSpec uplink_device;
    std::string control = platform::kDefaultControlPath;
    bool configure = true;  // bring TUNs up, set MTUs, add routes
    // MTU for the daemon's TUNs; without it the B4 TUN gets the engine's
    // tunnel MTU and the uplink TUN its uplink MTU.
    std::optional<std::uint32_t> mtu;
    bool random_seed = true;  // no --seed given: seed from the OS
    // Engines side by side, a thread and a queue of each device each.
    unsigned threads = 1;
    // Where the binding log goes (--log-bindings); none: no log.
    std::vector<SinkSpec> binding_log;
    // The --config file, read again on SIGHUP; empty: none was given.
    std::string config_file;
    // --metrics [ADDR]:PORT: the Prometheus endpoint, as given; empty: off.
    std::string metrics;
    // --user NAME: who the daemon becomes once its devices, interfaces and
    // sockets are set up; none: it stays as started.
    std::optional<platform::Account> user;
    // --state-file PATH: bindings saved at SIGTERM, restored at start; empty: none.
    std::string state_file;

    // One interface (TUN, utun) serving both sides: open once, dispatch by IP version.
    bool shared_device() const { return platform::is_interface(b4_device) && b4_device == uplink_device; }
};

}  // namespace dslite::daemon
