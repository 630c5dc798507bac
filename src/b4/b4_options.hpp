// SPDX-License-Identifier: BSD-2-Clause
// dslite-b4's command line. Problems come back as one line, "option: what is
// wrong", which main prints before exiting with status 2.
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "dslite/address.hpp"
#include "platform/device_spec.hpp"

namespace dslite::b4 {

struct Options {
    Ipv6Address b4_address{};
    Ipv6Address aftr_address{};
    platform::DeviceSpec device;                 // --device: the home side's TUN or utun
    std::optional<platform::HostPort> aftr_udp;  // --aftr udp:HOST:PORT; raw IPv6 otherwise (Linux)
    bool configure = true;                       // address, MTU, up, default route on the device
    std::uint32_t mtu = 1460;                    // 1500 minus the IPv6 header
    spdlog::level::level_enum log_level = spdlog::level::info;
};

struct Help {
    std::string text;
};

// Options, the --help text, or the error line.
std::variant<Options, Help, std::string> parse_options(int argc, const char* const argv[]);

}  // namespace dslite::b4
