// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/udp_device.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dslite/wire.hpp"

namespace dslite::platform {
namespace {

namespace ipv6 = wire::ipv6;

std::variant<UniqueFd, std::string> make_socket(const SocketAddress& address, const std::string& where) {
    UniqueFd fd(::socket(address.family(), SOCK_DGRAM, 0));
    if (!fd || !set_nonblocking_cloexec(fd.get())) return where + ": socket: " + std::strerror(errno);
    const int buffer = 4 << 20;  // best effort, as for the raw device
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
    return fd;
}

Ipv6Address address_at(const std::uint8_t* p) {
    Ipv6Address a;
    std::memcpy(a.data(), p, a.size());
    return a;
}

}  // namespace

std::variant<std::unique_ptr<UdpDevice>, std::string> UdpDevice::listen(const SocketAddress& local,
                                                                        std::size_t max_peers) {
    const std::string where = "udp:" + to_string(local);
    auto made = make_socket(local, where);
    if (auto* error = std::get_if<std::string>(&made)) return std::move(*error);
    UniqueFd fd = std::move(std::get<UniqueFd>(made));
    if (::bind(fd.get(), local.get(), local.length) < 0) return where + ": bind: " + std::strerror(errno);
    SocketAddress bound;  // the port the kernel chose, if asked for port 0
    bound.length = sizeof bound.address;
    if (::getsockname(fd.get(), bound.get(), &bound.length) < 0) bound = local;
    return std::make_unique<UdpDevice>(Opened{}, std::move(fd), "udp:" + to_string(bound), false, max_peers);
}

std::variant<std::unique_ptr<UdpDevice>, std::string> UdpDevice::connect(const SocketAddress& remote) {
    const std::string where = "udp:" + to_string(remote);
    auto made = make_socket(remote, where);
    if (auto* error = std::get_if<std::string>(&made)) return std::move(*error);
    UniqueFd fd = std::move(std::get<UniqueFd>(made));
    if (::connect(fd.get(), remote.get(), remote.length) < 0) return where + ": connect: " + std::strerror(errno);
    return std::make_unique<UdpDevice>(Opened{}, std::move(fd), where, true, 1);
}

std::uint16_t UdpDevice::local_port() const {
    SocketAddress local;
    local.length = sizeof local.address;
    if (::getsockname(fd_.get(), local.get(), &local.length) < 0) return 0;
    return local.port();
}

std::size_t UdpDevice::read_burst(std::span<Packet> slots) {
    const auto prepare = [this](std::size_t i, Packet& slot) {
        iov_[i] = {slot.data(), slot.size()};
        Datagram& d = batch_[i];
        d.message = msghdr{};
        d.message.msg_name = from_[i].get();
        d.message.msg_namelen = sizeof from_[i].address;
        d.message.msg_iov = &iov_[i];
        d.message.msg_iovlen = 1;
    };
    const auto accept_one = [this](std::size_t i, Packet& slot) {
        from_[i].length = batch_[i].message.msg_namelen;
        return accept(slot, batch_[i], from_[i]);
    };
    return read_datagram_burst(fd_.get(), slots, batch_, stats_, name_, prepare, accept_one);
}

bool UdpDevice::accept(Packet& slot, const Datagram& datagram, const SocketAddress& peer) {
    const std::size_t length = datagram.length;
    const std::uint8_t* h = slot.data();
    if ((datagram.message.msg_flags & MSG_TRUNC) != 0 || length >= slot.size() || length < ipv6::header_size ||
        h[0] >> 4 != 6 || wire::load16(h + ipv6::payload_length) > length - ipv6::header_size) {
        log_sparse(++stats_.rx_malformed, name_, "dropped a datagram that is not an IPv6 packet");
        return false;
    }
    if (!connected_ && peers_.learn(address_at(h + ipv6::source), peer))
        spdlog::debug("{}: B4 {} now at {}", name_, dslite::to_string(address_at(h + ipv6::source)), to_string(peer));
    slot.resize(length);
    ++stats_.rx_packets;
    stats_.rx_bytes += length;
    return true;
}

std::size_t UdpDevice::write_burst(std::span<const Packet> packets) {
    std::size_t sent = 0;
    while (!packets.empty()) {
        const std::size_t take = std::min(packets.size(), kMaxDatagrams);
        std::size_t staged = 0;
        for (const Packet& packet : packets.first(take)) staged += stage(packet, staged) ? 1 : 0;
        sent += write_datagram_burst(fd_.get(), std::span(batch_.data(), staged), stats_, name_);
        packets = packets.subspan(take);
    }
    return sent;
}

bool UdpDevice::stage(const Packet& packet, std::size_t n) {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size || h[0] >> 4 != 6) {
        log_sparse(++stats_.tx_dropped, name_, "dropped a packet that is not IPv6");
        return false;
    }
    Datagram& d = batch_[n];
    d.message = msghdr{};
    if (!connected_) {
        const SocketAddress* peer = peers_.find(address_at(h + ipv6::destination));
        if (peer == nullptr) {
            ++stats_.tx_dropped;
            log_sparse(++unknown_b4_, name_, "dropped a packet for a B4 no UDP peer spoke for");
            return false;
        }
        d.message.msg_name = const_cast<sockaddr*>(peer->get());
        d.message.msg_namelen = peer->length;
    }
    iov_[n] = {const_cast<std::uint8_t*>(h), packet.size()};
    d.message.msg_iov = &iov_[n];
    d.message.msg_iovlen = 1;
    d.length = packet.size();
    return true;
}

}  // namespace dslite::platform
