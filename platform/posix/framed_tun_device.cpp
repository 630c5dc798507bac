// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/framed_tun_device.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>

#include "dslite/wire.hpp"

namespace dslite::platform {

std::size_t FramedTunDevice::read_burst(std::span<Packet> slots) {
    std::size_t count = 0;
    for (Packet& slot : slots) {
        if (!read_one(slot)) break;
        ++count;
    }
    return count;
}

bool FramedTunDevice::read_one(Packet& slot) {
    for (;;) {
        std::uint8_t header[kHeaderSize];
        iovec parts[2] = {{header, sizeof header}, {slot.data(), slot.size()}};
        const ssize_t n = ::readv(fd_.get(), parts, 2);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN) log_sparse(++stats_.rx_errors, name_, "read", errno);
            return false;
        }
        const auto frame = static_cast<std::size_t>(n);
        if (frame <= kHeaderSize) {
            ++framing_.rx_short;
            log_sparse(++stats_.rx_malformed, name_, "dropped a frame without a packet after its header");
            continue;
        }
        const std::size_t length = frame - kHeaderSize;
        const unsigned version = read_ip_version(slot.data(), length, slot.size(), stats_, name_);
        if (version == 0) continue;
        if (wire::load32(header) != (version == 4 ? families_.inet : families_.inet6)) {
            ++framing_.rx_bad_family;
            log_sparse(++stats_.rx_malformed, name_, "dropped a packet whose header names another address family");
            continue;
        }
        slot.resize(length);
        ++stats_.rx_packets;
        stats_.rx_bytes += length;
        return true;
    }
}

std::size_t FramedTunDevice::write_burst(std::span<const Packet> packets) {
    std::size_t accepted = 0;
    for (const Packet& packet : packets) {
        const unsigned version = packet.size() > 0 ? packet.data()[0] >> 4 : 0;
        if (version != 4 && version != 6) {
            log_sparse(++stats_.tx_dropped, name_, "dropped a packet that is not IPv4/IPv6");
            continue;
        }
        Packet framed = packet;  // the same bytes, a view that can reach into the headroom
        if (!framed.push_front(kHeaderSize)) {
            ++framing_.tx_no_headroom;
            log_sparse(++stats_.tx_dropped, name_, "dropped a packet without headroom for the tun header");
            continue;
        }
        wire::store32(framed.data(), version == 4 ? families_.inet : families_.inet6);
        accepted += send_counted(stats_, name_, packet.size(), "write",
                                 [&] { return ::write(fd_.get(), framed.data(), framed.size()); });
    }
    return accepted;
}

}  // namespace dslite::platform
