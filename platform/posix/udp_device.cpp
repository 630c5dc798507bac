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
    return read_burst_one_by_one(slots, [this](Packet& slot) { return read_one(slot); });
}

SlotRead UdpDevice::read_one(Packet& slot) {
    SocketAddress peer;
    iovec data{slot.data(), slot.size()};
    msghdr message{};
    message.msg_name = peer.get();
    message.msg_namelen = sizeof peer.address;
    message.msg_iov = &data;
    message.msg_iovlen = 1;
    ssize_t n;
    do n = ::recvmsg(fd_.get(), &message, 0);
    while (n < 0 && errno == EINTR);
    peer.length = message.msg_namelen;
    if (n < 0) {
        // ECONNREFUSED: the connected AFTR is not (yet) listening; keep going.
        if (errno != EAGAIN) log_sparse(++stats_.rx_errors, name_, "recv", errno);
        return SlotRead::empty;
    }
    const auto length = static_cast<std::size_t>(n);
    const std::uint8_t* h = slot.data();
    if ((message.msg_flags & MSG_TRUNC) != 0 || length >= slot.size() || length < ipv6::header_size || h[0] >> 4 != 6 ||
        wire::load16(h + ipv6::payload_length) > length - ipv6::header_size) {
        log_sparse(++stats_.rx_malformed, name_, "dropped a datagram that is not an IPv6 packet");
        return SlotRead::skipped;
    }
    if (!connected_ && peers_.learn(address_at(h + ipv6::source), peer))
        spdlog::debug("{}: B4 {} now at {}", name_, dslite::to_string(address_at(h + ipv6::source)), to_string(peer));
    slot.resize(length);
    ++stats_.rx_packets;
    stats_.rx_bytes += length;
    return SlotRead::filled;
}

std::size_t UdpDevice::write_burst(std::span<const Packet> packets) {
    std::size_t accepted = 0;
    for (const Packet& packet : packets) accepted += write_one(packet) ? 1 : 0;
    return accepted;
}

bool UdpDevice::write_one(const Packet& packet) {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size || h[0] >> 4 != 6) {
        log_sparse(++stats_.tx_dropped, name_, "dropped a packet that is not IPv6");
        return false;
    }
    const sockaddr* to = nullptr;
    socklen_t to_length = 0;
    if (!connected_) {
        const SocketAddress* peer = peers_.find(address_at(h + ipv6::destination));
        if (peer == nullptr) {
            ++stats_.tx_dropped;
            log_sparse(++unknown_b4_, name_, "dropped a packet for a B4 no UDP peer spoke for");
            return false;
        }
        to = peer->get();
        to_length = peer->length;
    }
    return send_counted(stats_, name_, packet.size(), "send",
                        [&] { return ::sendto(fd_.get(), h, packet.size(), 0, to, to_length); });
}

}  // namespace dslite::platform
