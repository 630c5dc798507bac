// SPDX-License-Identifier: BSD-2-Clause
// A softwire over UDP, for labs and hosts without raw sockets: each datagram
// carries one whole IPv6 packet (header included). Listening (the AFTR), it
// answers a B4 through the UDP peer that last sent for that B4's IPv6
// source. Connected (dslite-b4), everything goes to the one AFTR peer.
// Anyone who can reach the port can claim any B4 address: lab use only.
#pragma once

#include "platform/posix/burst_io.hpp"

#include <array>
#include <memory>
#include <string>
#include <variant>

#include "platform/device.hpp"
#include "platform/posix/device_stats.hpp"
#include "platform/posix/peer_table.hpp"
#include "platform/posix/socket_address.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

class UdpDevice final : public Device {
public:
    static constexpr std::size_t kDefaultPeers = 1 << 16;

    static std::variant<std::unique_ptr<UdpDevice>, std::string> listen(const SocketAddress& local,
                                                                        std::size_t max_peers = kDefaultPeers);
    static std::variant<std::unique_ptr<UdpDevice>, std::string> connect(const SocketAddress& remote);

    std::size_t read_burst(std::span<Packet> slots) override;
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return fd_.get(); }
    std::string name() const override { return name_; }

    std::uint16_t local_port() const;
    const DeviceStats& stats() const override { return stats_; }
    const PeerTable& peers() const { return peers_; }
    std::uint64_t unknown_b4_drops() const { return unknown_b4_; }

private:
    struct Opened {
        explicit Opened() = default;
    };

public:
    UdpDevice(Opened, UniqueFd fd, std::string name, bool connected, std::size_t max_peers)
        : fd_(std::move(fd)), name_(std::move(name)), connected_(connected), peers_(max_peers) {}

private:
    bool accept(Packet& slot, const Datagram& datagram, const SocketAddress& peer);
    // Points batch_[n] at `packet` and its B4's peer; false (counted) if it cannot go.
    bool stage(const Packet& packet, std::size_t n);

    // One burst's messages, their buffers and peer addresses, allocated once.
    std::array<Datagram, kMaxDatagrams> batch_{};
    std::array<iovec, kMaxDatagrams> iov_{};
    std::array<SocketAddress, kMaxDatagrams> from_{};

    UniqueFd fd_;
    std::string name_;
    bool connected_;
    PeerTable peers_;
    std::uint64_t unknown_b4_ = 0;  // answers for a B4 no peer spoke for
    DeviceStats stats_;
};

}  // namespace dslite::platform
