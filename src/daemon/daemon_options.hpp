// The daemon's own options (the engine's are in src/app/aftr_options.hpp). Like
// every option they work as flags and as `name = value` in --config files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "aftr_options.hpp"
#include "platform/control_path.hpp"
#include "platform/device_factory.hpp"

namespace dslite::daemon {

namespace po = boost::program_options;

using platform::kDefaultControlPath;

struct DaemonSettings {
    platform::DeviceSpec b4_device;
    platform::DeviceSpec uplink_device;
    std::string control = kDefaultControlPath;
    bool configure = true;  // bring TUNs up, set MTUs, add routes
    // MTU for the daemon's TUNs; without it the B4 TUN gets the engine's
    // tunnel MTU and the uplink TUN its uplink MTU.
    std::optional<std::uint32_t> mtu;
    bool random_seed = true;  // no --seed given: seed from the OS
    // Engines side by side, a thread and a queue of each device each.
    unsigned threads = 1;

    // One interface (TUN, utun) serving both sides: open once, dispatch by IP version.
    bool shared_device() const;
};

// --b4-device, --uplink-device, --control, --no-configure, --mtu, --threads.
po::options_description daemon_options();

// Checks without opening anything, so mistakes show before privileged calls.
app::Parsed<DaemonSettings> daemon_settings(const po::variables_map& values);

}  // namespace dslite::daemon
