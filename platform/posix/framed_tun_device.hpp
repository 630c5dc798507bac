// SPDX-License-Identifier: BSD-2-Clause
// A tun device whose every packet comes after a 4-byte header holding the
// packet's address family in network byte order: macOS utun, FreeBSD tun
// (with TUNSIFHEAD) and OpenBSD tun. Each OS numbers AF_INET6 its own way,
// so the numbers are data and this one piece of code frames for all three.
// The header is read into a buffer of its own beside the slot (readv) and
// written into the packet's headroom, so no packet is copied for it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "platform/device.hpp"
#include "platform/posix/device_stats.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

struct AddressFamilies {
    std::uint32_t inet;
    std::uint32_t inet6;
};
inline constexpr AddressFamilies kDarwinFamilies{2, 30};
inline constexpr AddressFamilies kFreeBsdFamilies{2, 28};
inline constexpr AddressFamilies kOpenBsdFamilies{2, 24};

// Why frames were dropped; each is also counted in DeviceStats.
struct FramingStats {
    std::uint64_t rx_short = 0;        // no packet after the header, or not even a header
    std::uint64_t rx_bad_family = 0;   // a family that is not this OS's AF_INET/AF_INET6 for the packet's IP version
    std::uint64_t tx_no_headroom = 0;  // a packet without 4 bytes in front of it for the header
};

class FramedTunDevice final : public Device {
public:
    static constexpr std::size_t kHeaderSize = 4;

    // `fd` is open and non-blocking; `name` as the spec that opens it again
    // ("utun:3", "tun:tun0"), `interface` the OS's name for it. `after_close`
    // runs once the descriptor is closed (FreeBSD keeps a closed tun: it
    // destroys one it created there).
    FramedTunDevice(UniqueFd fd, std::string name, std::string interface, AddressFamilies families,
                    std::function<void()> after_close = {})
        : fd_(std::move(fd)),
          name_(std::move(name)),
          interface_(std::move(interface)),
          families_(families),
          after_close_(std::move(after_close)) {}
    ~FramedTunDevice() override {
        fd_.reset();
        if (after_close_) after_close_();
    }
    FramedTunDevice(const FramedTunDevice&) = delete;
    FramedTunDevice& operator=(const FramedTunDevice&) = delete;

    std::size_t read_burst(std::span<Packet> slots) override;
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return fd_.get(); }
    std::string name() const override { return name_; }
    std::string interface() const override { return interface_; }

    const DeviceStats& stats() const override { return stats_; }
    const FramingStats& framing() const { return framing_; }

private:
    bool read_one(Packet& slot);  // false: nothing more to read now

    UniqueFd fd_;
    std::string name_;
    std::string interface_;
    AddressFamilies families_;
    std::function<void()> after_close_;
    DeviceStats stats_;
    FramingStats framing_;
};

}  // namespace dslite::platform
