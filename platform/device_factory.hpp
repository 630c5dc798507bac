// SPDX-License-Identifier: BSD-2-Clause
// Device specs (platform/device_spec.hpp) to devices. Parsing is separate
// from opening so configuration errors show before any privileged call, and
// so it can be tested without privileges.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dslite/address.hpp"
#include "platform/device.hpp"
#include "platform/device_spec.hpp"

namespace dslite::platform {

// The specs this OS opens, for messages: any ("tun:NAME, raw,
// udp:[ADDR]:PORT or pcap:IN[,OUT]" on Linux), and those that can carry the
// uplink (interfaces and capture files).
std::string device_forms();
std::string uplink_forms();

// `option` names the flag the spec came from; errors read "OPTION: why".
// Refuses specs this OS cannot open (platform/system.hpp).
std::variant<DeviceSpec, std::string> parse_device_spec(std::string_view option, std::string_view text);
// The same without this OS's refusals: every form every OS knows.
std::variant<DeviceSpec, std::string> parse_device_spec_on_any_system(std::string_view option, std::string_view text);

struct DeviceContext {
    Ipv6Address local_address{};  // what a raw device binds to (the AFTR address)
};

std::variant<std::unique_ptr<Device>, std::string> open_device(std::string_view option, const DeviceSpec& spec,
                                                               const DeviceContext& context);

// `count` devices, one per worker thread: for 1 what open_device opens;
// above, queues of one interface (system.hpp's no_queues says which can).
std::variant<std::vector<std::unique_ptr<Device>>, std::string> open_device_queues(std::string_view option,
                                                                                   const DeviceSpec& spec,
                                                                                   const DeviceContext& context,
                                                                                   unsigned count);

// parse_device_spec then open_device.
std::variant<std::unique_ptr<Device>, std::string> make_device(std::string_view option, std::string_view text,
                                                               const DeviceContext& context);

}  // namespace dslite::platform
