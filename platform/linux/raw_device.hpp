// SPDX-License-Identifier: BSD-2-Clause
// The softwire side over the kernel's own IPv6: a raw socket for next header
// 4 (IPv4-in-IPv6, RFC 2473) bound to the local tunnel endpoint. The kernel
// reassembles fragments and strips the IPv6 header; read_burst rebuilds it in
// the headroom so the engine sees the packet as it was on the wire (minus
// extension headers and the flow label, which the kernel keeps to itself).
// write_burst hands the kernel the payload and lets it build the header, so
// packets over the path MTU get fragmented (RFC 6333 section 5.3); packets
// with extension headers (the engine's own fragments for the tunnel MTU) go
// whole through a second, header-included socket.
#pragma once

#include "platform/posix/burst_io.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <variant>

#include "dslite/address.hpp"
#include "platform/device.hpp"
#include "platform/posix/device_stats.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

class RawDevice final : public Device {
public:
    // `local` is the AFTR address (or, in the B4, the B4 address): only
    // packets to it are read, and it is the source of everything written.
    static std::variant<std::unique_ptr<RawDevice>, std::string> open(const Ipv6Address& local);

    std::size_t read_burst(std::span<Packet> slots) override;
    // Each packet must be IPv6 from the local address. With next header 4
    // the payload goes to the header's destination with its traffic class
    // and hop limit; with extension headers the packet goes as it is.
    // Anything else is dropped and counted.
    std::size_t write_burst(std::span<const Packet> packets) override;
    int wait_handle() const override { return fd_.get(); }
    std::string name() const override { return "raw"; }

    const DeviceStats& stats() const override { return stats_; }

private:
    struct Opened {
        explicit Opened() = default;
    };

public:
    RawDevice(Opened, UniqueFd fd, UniqueFd whole, const Ipv6Address& local)
        : fd_(std::move(fd)), whole_(std::move(whole)), local_(local) {}

private:
    // What one datagram of a burst needs besides its packet, allocated once:
    // its peer, iovec and ancillary data (pktinfo, traffic class and hop
    // limit read, with slack for alignment; traffic class and hop limit sent).
    struct Slot {
        sockaddr_in6 peer{};
        iovec data{};
        alignas(cmsghdr) std::uint8_t control[CMSG_SPACE(sizeof(in6_pktinfo)) + 2 * CMSG_SPACE(sizeof(int)) + 64];
    };

    bool accept_read(Packet& slot, Datagram& datagram, Slot& s);
    // The socket `packet` goes on, or -1 (counted) if it cannot go.
    int socket_for(const Packet& packet);
    // Fills batch_[n] for `packet`: its payload on the IPIP socket, or whole.
    void stage(const Packet& packet, std::size_t n, bool ipip);

    std::array<Datagram, kMaxDatagrams> batch_{};
    std::array<Slot, kMaxDatagrams> slots_{};

    UniqueFd fd_;
    UniqueFd whole_;  // header included: packets with extension headers
    Ipv6Address local_;
    DeviceStats stats_;
};

}  // namespace dslite::platform
