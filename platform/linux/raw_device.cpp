// SPDX-License-Identifier: BSD-2-Clause
#include "platform/linux/raw_device.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dslite/wire.hpp"

namespace dslite::platform {
namespace {

namespace ipv6 = wire::ipv6;

constexpr std::size_t kSendControlSize = 2 * CMSG_SPACE(sizeof(int));  // traffic class, hop limit

void write_ipv6_header(std::uint8_t* h, std::uint8_t traffic_class, std::size_t payload_length, std::uint8_t hop_limit,
                       const std::uint8_t* source, const std::uint8_t* destination) {
    wire::store32(h, 6u << 28 | std::uint32_t{traffic_class} << 20);  // flow label: not visible to us
    wire::store16(h + ipv6::payload_length, static_cast<std::uint16_t>(payload_length));
    h[ipv6::next_header] = wire::proto_ipv4;
    h[ipv6::hop_limit] = hop_limit;
    std::memcpy(h + ipv6::source, source, 16);
    std::memcpy(h + ipv6::destination, destination, 16);
}

}  // namespace

std::variant<std::unique_ptr<RawDevice>, std::string> RawDevice::open(const Ipv6Address& local) {
    const std::string where = "raw (" + to_string(local) + "): ";
    auto failed = [&](const char* what) { return where + what + ": " + std::strerror(errno); };

    UniqueFd fd(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_IPIP));
    if (!fd) return failed("socket(AF_INET6, SOCK_RAW, 4)");

    const int on = 1;
    for (int option : {IPV6_RECVPKTINFO, IPV6_RECVTCLASS, IPV6_RECVHOPLIMIT}) {
        if (::setsockopt(fd.get(), IPPROTO_IPV6, option, &on, sizeof on) < 0) return failed("setsockopt");
    }
    // Bursts arrive faster than one wake-up drains them; a deeper queue turns
    // loss under load into latency. Best effort: the default still works.
    const int buffer = 4 << 20;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);

    sockaddr_in6 address{};
    address.sin6_family = AF_INET6;
    std::memcpy(&address.sin6_addr, local.data(), 16);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
        return failed("bind (is the address configured on an interface?)");

    // IPPROTO_RAW means the header is ours (Linux sets hdrincl for it): for
    // packets this socket type cannot describe, the engine's IPv6 fragments.
    // It reads nothing: no packet carries next header 255.
    UniqueFd whole(::socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW));
    if (!whole) return failed("socket(AF_INET6, SOCK_RAW, IPPROTO_RAW)");
    ::setsockopt(whole.get(), SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);

    return std::make_unique<RawDevice>(Opened{}, std::move(fd), std::move(whole), local);
}

std::size_t RawDevice::read_burst(std::span<Packet> slots) {
    for (const Packet& slot : slots) {
        if (slot.headroom() < ipv6::header_size) {
            // The daemon always gives kHeadroom; anything less is a driver bug.
            log_sparse(++stats_.rx_malformed, name(), "slot without headroom for the IPv6 header");
            return 0;
        }
    }
    const auto prepare = [this](std::size_t i, Packet& slot) {
        Slot& s = slots_[i];
        s.data = {slot.data(), slot.size()};
        msghdr& m = batch_[i].message;
        m = msghdr{};
        m.msg_name = &s.peer;
        m.msg_namelen = sizeof s.peer;
        m.msg_iov = &s.data;
        m.msg_iovlen = 1;
        m.msg_control = s.control;
        m.msg_controllen = sizeof s.control;
    };
    const auto accept = [this](std::size_t i, Packet& slot) { return accept_read(slot, batch_[i], slots_[i]); };
    return read_datagram_burst(fd_.get(), slots, batch_, stats_, name(), prepare, accept);
}

bool RawDevice::accept_read(Packet& slot, Datagram& datagram, Slot& s) {
    msghdr& message = datagram.message;
    if ((message.msg_flags & MSG_TRUNC) != 0 || datagram.length == slot.size()) {
        log_sparse(++stats_.rx_malformed, name(), "dropped a packet larger than the slot");
        return false;
    }

    const std::uint8_t* destination = local_.data();
    std::uint8_t traffic_class = 0;
    std::uint8_t hop_limit = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c != nullptr; c = CMSG_NXTHDR(&message, c)) {
        if (c->cmsg_level != IPPROTO_IPV6) continue;
        if (c->cmsg_type == IPV6_PKTINFO) {
            destination = reinterpret_cast<const in6_pktinfo*>(CMSG_DATA(c))->ipi6_addr.s6_addr;
        } else if (c->cmsg_type == IPV6_TCLASS || c->cmsg_type == IPV6_HOPLIMIT) {
            int value;
            std::memcpy(&value, CMSG_DATA(c), sizeof value);
            (c->cmsg_type == IPV6_TCLASS ? traffic_class : hop_limit) = static_cast<std::uint8_t>(value);
        }
    }

    const std::size_t length = datagram.length;
    slot.resize(length);
    slot.push_front(ipv6::header_size);
    // `destination` may point into the slot's control buffer, alive until the next burst.
    write_ipv6_header(slot.data(), traffic_class, length, hop_limit, s.peer.sin6_addr.s6_addr, destination);
    ++stats_.rx_packets;
    stats_.rx_bytes += slot.size();
    return true;
}

std::size_t RawDevice::write_burst(std::span<const Packet> packets) {
    // Runs of one kind, each a batch on its socket, in the order they came.
    std::size_t sent = 0;
    std::size_t staged = 0;
    int staged_on = -1;
    const auto flush = [&] {
        if (staged > 0) sent += write_datagram_burst(staged_on, std::span(batch_.data(), staged), stats_, name());
        staged = 0;
    };
    for (const Packet& packet : packets) {
        const int socket = socket_for(packet);
        if (socket < 0) continue;
        if (socket != staged_on || staged == kMaxDatagrams) flush();
        staged_on = socket;
        stage(packet, staged++, socket == fd_.get());
    }
    flush();
    return sent;
}

int RawDevice::socket_for(const Packet& packet) {
    const std::uint8_t* h = packet.data();
    if (packet.size() < ipv6::header_size || h[0] >> 4 != 6 ||
        !std::equal(local_.begin(), local_.end(), h + ipv6::source)) {
        log_sparse(++stats_.tx_dropped, name(), "dropped a packet that is not IPv6 from the local address");
        return -1;
    }
    if (h[ipv6::next_header] == wire::proto_ipv4) return fd_.get();
    // The engine's own fragments of IPv4-in-IPv6 go as they are on the
    // header-included socket; the IPIP one could say nothing of their
    // fragment header.
    if (h[ipv6::next_header] == wire::proto_fragment && packet.size() > ipv6::header_size + 8 &&
        h[ipv6::header_size] == wire::proto_ipv4)
        return whole_.get();
    log_sparse(++stats_.tx_dropped, name(), "dropped a packet that is not IPv4-in-IPv6 or a fragment of it");
    return -1;
}

void RawDevice::stage(const Packet& packet, std::size_t n, bool ipip) {
    const std::uint8_t* h = packet.data();
    Slot& s = slots_[n];
    s.peer = sockaddr_in6{};
    s.peer.sin6_family = AF_INET6;
    std::memcpy(&s.peer.sin6_addr, h + ipv6::destination, 16);
    Datagram& d = batch_[n];
    d.message = msghdr{};
    d.message.msg_name = &s.peer;
    d.message.msg_namelen = sizeof s.peer;
    d.message.msg_iov = &s.data;
    d.message.msg_iovlen = 1;
    d.length = packet.size();

    if (!ipip) {
        s.data = {const_cast<std::uint8_t*>(h), packet.size()};
        return;
    }

    // The kernel writes the IPv6 header, with the packet's traffic class and hop limit.
    s.data = {const_cast<std::uint8_t*>(h + ipv6::header_size), packet.size() - ipv6::header_size};
    std::memset(s.control, 0, kSendControlSize);
    d.message.msg_control = s.control;
    d.message.msg_controllen = kSendControlSize;
    cmsghdr* c = CMSG_FIRSTHDR(&d.message);
    const int values[2] = {wire::ipv6::traffic_class(h), h[ipv6::hop_limit]};
    const int types[2] = {IPV6_TCLASS, IPV6_HOPLIMIT};
    for (int i = 0; i < 2; ++i, c = CMSG_NXTHDR(&d.message, c)) {
        c->cmsg_level = IPPROTO_IPV6;
        c->cmsg_type = types[i];
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &values[i], sizeof(int));
    }
}

}  // namespace dslite::platform
