// SPDX-License-Identifier: BSD-2-Clause
// The one interface between the daemon and the outside world: a device moves
// whole IP packets in bursts. Platforms that give one packet per call loop
// inside read_burst/write_burst; recvmmsg, io_uring or TUN offloads can fill a
// burst at once without the daemon noticing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "dslite/packet.hpp"

namespace dslite {

// What a device saw, for dslite-ctl stats.
struct DeviceStats {
    std::uint64_t rx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t rx_errors = 0;     // the read call itself failed
    std::uint64_t rx_malformed = 0;  // read, but not a packet we can hand on
    std::uint64_t tx_packets = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t tx_errors = 0;   // the write call failed (no route, too big...)
    std::uint64_t tx_dropped = 0;  // refused before writing, or the queue was full
    // TUN offloads (Linux): super-packets the kernel handed over, cut into
    // rx_packets; super-packets written, joined from tx_packets.
    std::uint64_t rx_super_packets = 0;
    std::uint64_t tx_super_packets = 0;
};

// Each field by the name it is shown under (dslite-ctl stats --json).
struct DeviceStatField {
    const char* name;
    std::uint64_t DeviceStats::*value;
};
inline constexpr DeviceStatField kDeviceStatFields[] = {
    {"rx_packets", &DeviceStats::rx_packets},
    {"rx_bytes", &DeviceStats::rx_bytes},
    {"rx_errors", &DeviceStats::rx_errors},
    {"rx_malformed", &DeviceStats::rx_malformed},
    {"rx_super_packets", &DeviceStats::rx_super_packets},
    {"tx_packets", &DeviceStats::tx_packets},
    {"tx_bytes", &DeviceStats::tx_bytes},
    {"tx_errors", &DeviceStats::tx_errors},
    {"tx_dropped", &DeviceStats::tx_dropped},
    {"tx_super_packets", &DeviceStats::tx_super_packets},
};

class Device {
public:
    virtual ~Device() = default;

    // Fills up to slots.size() packets without blocking and returns how many.
    // Each slot arrives as a window of its full capacity at the headroom mark;
    // the device resizes it to the packet read, or points it at storage of
    // its own (with the same headroom), valid until its next read_burst.
    // 0 means nothing ready (or at_end()). A device may keep packets it has
    // read for the next call (the rest of a TUN super-packet cut into
    // segments) only after filling every slot, so a caller that reads again
    // after a full burst, before waiting on wait_handle(), misses nothing.
    virtual std::size_t read_burst(std::span<Packet> slots) = 0;
    // Sends the packets (each a whole IPv4 or IPv6 packet); returns how many
    // were accepted. A packet the device cannot send is dropped, not retried.
    // A device may write its own framing into a packet's headroom (the BSD
    // and macOS tun header), never into the packet itself.
    virtual std::size_t write_burst(std::span<const Packet> packets) = 0;

    // A descriptor that polls readable when read_burst has work, or -1 for
    // devices that are always ready until at_end() (capture files).
    virtual int wait_handle() const = 0;
    // True once an input that can end (a capture file) has no more packets.
    virtual bool at_end() const { return false; }
    virtual std::string name() const = 0;
    // The OS network interface this device is (a TUN: "aftr6", "utun3"), for
    // setting it up; empty for devices that are not interfaces.
    virtual std::string interface() const { return {}; }
    virtual const DeviceStats& stats() const = 0;
};

// An opener's result (a concrete device or one line of error) as a Device;
// the error gets "OPTION: " in front when `option` is given.
template <typename Concrete>
std::variant<std::unique_ptr<Device>, std::string> as_device(std::variant<std::unique_ptr<Concrete>, std::string> r,
                                                             std::string_view option = {}) {
    if (auto* error = std::get_if<std::string>(&r))
        return option.empty() ? std::move(*error) : std::string(option) + ": " + *error;
    return std::unique_ptr<Device>(std::move(std::get<std::unique_ptr<Concrete>>(r)));
}

}  // namespace dslite
