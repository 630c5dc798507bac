// SPDX-License-Identifier: BSD-2-Clause
// What differs between the operating systems, declared once here and defined
// by one folder per OS (platform/linux, darwin, freebsd, openbsd), of which
// CMake builds the one for the target system. Everything above platform/
// calls these and includes no OS header of its own.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dslite/address.hpp"
#include "platform/device.hpp"
#include "platform/device_spec.hpp"
#include "platform/interface_config.hpp"

namespace dslite::platform {

// "Linux", "macOS", "FreeBSD" or "OpenBSD", for messages.
std::string_view system_name();

// The interface specs this OS opens ("tun:NAME", "utun, utun:N"), for
// messages; device_factory.hpp adds the devices every OS has.
std::string_view interface_forms();

// dslite-b4's home-side interface unless --device says otherwise.
std::string_view default_home_device();

// Why this OS cannot open `spec` (a macOS utun on Linux, raw outside Linux),
// or nothing. Checked when options are parsed, before anything is opened.
std::optional<std::string> unsupported(const DeviceSpec& spec);

// Opens a tun, utun or raw spec that unsupported() lets through; `local` is
// what a raw device binds to. udp: and pcap: are the same everywhere
// (device_factory). Errors are one line.
std::variant<std::unique_ptr<Device>, std::string> open_interface_device(const DeviceSpec& spec,
                                                                         const Ipv6Address& local);

// Why `spec` cannot be opened as several queues, one per worker thread
// (--threads), or nothing: only Linux TUNs can (IFF_MULTI_QUEUE).
std::optional<std::string> no_queues(const DeviceSpec& spec);
// `count` queues of a spec that no_queues() lets through, one device each.
std::variant<std::vector<std::unique_ptr<Device>>, std::string> open_interface_queues(const DeviceSpec& spec,
                                                                                      unsigned count);

// Applies `config` to its interface: nothing, or one line naming what failed.
std::optional<std::string> configure(const InterfaceConfig& config);
// Removes the routes configure() added, before the interface goes away.
// Best effort: what fails is logged, exit goes on.
void unconfigure(const InterfaceConfig& config);

// Whether the kernel forwards IPv4 or IPv6 between interfaces, and the
// setting that says so (net.ipv4.ip_forward, net.inet.ip.forwarding...).
// `enabled` is empty when it cannot be read.
struct Forwarding {
    std::string_view setting;
    std::optional<bool> enabled;
};
Forwarding ipv4_forwarding();
Forwarding ipv6_forwarding();

}  // namespace dslite::platform
