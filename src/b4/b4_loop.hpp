// SPDX-License-Identifier: BSD-2-Clause
// The B4's event loop: IPv4 read from the TUN leaves encapsulated through
// the softwire device; IPv4-in-IPv6 read from the softwire device arrives on
// the TUN. Devices are polled through Boost.Asio and drained in bursts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "encapsulation.hpp"
#include "platform/device.hpp"

namespace dslite::b4 {

struct Counters {
    std::uint64_t encapsulated = 0;       // IPv4 from the TUN sent to the AFTR
    std::uint64_t decapsulated = 0;       // IPv4 from the AFTR written to the TUN
    std::uint64_t drop_not_ipv4 = 0;      // the TUN gave something other than IPv4
    std::uint64_t drop_malformed = 0;     // IPv4 (either way) whose header does not add up
    std::uint64_t drop_not_softwire = 0;  // not IPv4-in-IPv6 from the AFTR to us
    std::uint64_t drop_device = 0;        // a device refused to send
};

class Loop {
public:
    static constexpr std::size_t kBurst = 64;

    // Both devices must have a wait handle and outlive the loop; so must `io`.
    Loop(boost::asio::io_context& io, Device& tun, Device& softwire, const Tunnel& tunnel);
    ~Loop();
    Loop(const Loop&) = delete;
    Loop& operator=(const Loop&) = delete;

    void start();
    const Counters& counters() const { return counters_; }

private:
    struct Direction {
        Direction(boost::asio::io_context& io, Device& from, Device& to);
        Device& from;
        Device& to;
        boost::asio::posix::stream_descriptor readable;
        std::vector<PacketBuffer> buffers;
        std::vector<Packet> slots;
        std::vector<Packet> out;
        bool encapsulating = false;
    };

    void wait(Direction& d);
    void drain(Direction& d);

    boost::asio::io_context& io_;
    Tunnel tunnel_;
    Direction outbound_;  // TUN to AFTR
    Direction inbound_;   // AFTR to TUN
    Counters counters_;
};

}  // namespace dslite::b4
