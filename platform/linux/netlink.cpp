// SPDX-License-Identifier: BSD-2-Clause
#include "platform/linux/netlink.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "platform/posix/unique_fd.hpp"

namespace dslite::platform::netlink {
namespace {

// One request: header, the family-specific struct, then attributes.
class Request {
public:
    Request(std::uint16_t type, std::uint16_t flags) {
        header()->nlmsg_len = NLMSG_LENGTH(0);
        header()->nlmsg_type = type;
        header()->nlmsg_flags = static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_ACK | flags);
        header()->nlmsg_seq = 1;
    }

    template <typename T>
    T* body() {
        header()->nlmsg_len = NLMSG_LENGTH(sizeof(T));
        return reinterpret_cast<T*>(NLMSG_DATA(header()));
    }

    void attribute(std::uint16_t type, const void* data, std::size_t size) {
        auto* attr = reinterpret_cast<rtattr*>(buffer_.data() + NLMSG_ALIGN(header()->nlmsg_len));
        attr->rta_type = type;
        attr->rta_len = static_cast<std::uint16_t>(RTA_LENGTH(size));
        std::memcpy(RTA_DATA(attr), data, size);
        header()->nlmsg_len = NLMSG_ALIGN(header()->nlmsg_len) + RTA_ALIGN(attr->rta_len);
    }
    template <typename T>
    void attribute(std::uint16_t type, const T& value) {
        attribute(type, &value, sizeof value);
    }

    nlmsghdr* header() { return reinterpret_cast<nlmsghdr*>(buffer_.data()); }

private:
    alignas(nlmsghdr) std::array<std::uint8_t, 256> buffer_{};
};

// Sends the request and waits for the kernel's acknowledgement; returns 0 or
// the kernel's errno. Answers before the acknowledgement go to `on_reply`.
template <typename OnReply>
int transact(Request& request, OnReply on_reply) {
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (!fd) return errno;
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    if (::sendto(fd.get(), request.header(), request.header()->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) < 0)
        return errno;

    alignas(nlmsghdr) std::array<std::uint8_t, 4096> reply{};
    for (;;) {
        const ssize_t n = ::recv(fd.get(), reply.data(), reply.size(), 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        auto length = static_cast<unsigned>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(reply.data()); NLMSG_OK(h, length); h = NLMSG_NEXT(h, length)) {
            if (h->nlmsg_type == NLMSG_ERROR) return -reinterpret_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
            on_reply(h);
        }
    }
}

int transact(Request& request) {
    return transact(request, [](const nlmsghdr*) {});
}

// True once the kernel routes `address` to this host. A new IPv6 address
// (even without DAD) gets its local route a moment after the request is
// acknowledged, from a work queue; until then packets to it are lost.
bool routes_locally(const Ipv6Address& address) {
    Request request(RTM_GETROUTE, 0);
    auto* info = request.body<rtmsg>();
    info->rtm_family = AF_INET6;
    info->rtm_dst_len = 128;
    request.attribute(RTA_DST, address.data(), address.size());
    bool local = false;
    const int error = transact(request, [&](const nlmsghdr* h) {
        if (h->nlmsg_type == RTM_NEWROUTE) local = reinterpret_cast<const rtmsg*>(NLMSG_DATA(h))->rtm_type == RTN_LOCAL;
    });
    return error == 0 && local;
}

std::optional<std::string> fail(const std::string& what, int error) { return what + ": " + std::strerror(error); }

std::optional<int> index_of(const std::string& interface) {
    const unsigned index = ::if_nametoindex(interface.c_str());
    if (index == 0) return std::nullopt;
    return static_cast<int>(index);
}

std::optional<std::string> change_link(const std::string& interface, const std::string& what,
                                       void (*fill)(Request&, ifinfomsg*, std::uint32_t), std::uint32_t value) {
    const auto index = index_of(interface);
    if (!index) return fail(interface + ": " + what, ENODEV);
    Request request(RTM_NEWLINK, 0);
    auto* info = request.body<ifinfomsg>();
    info->ifi_family = AF_UNSPEC;
    info->ifi_index = *index;
    fill(request, info, value);
    if (const int error = transact(request)) return fail(interface + ": " + what, error);
    return std::nullopt;
}

std::optional<std::string> add_address(const std::string& interface, int family, const void* address, std::size_t size,
                                       std::uint8_t prefix_length, const std::string& text) {
    const std::string what = interface + ": add address " + text + "/" + std::to_string(prefix_length);
    const auto index = index_of(interface);
    if (!index) return fail(what, ENODEV);
    Request request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
    auto* info = request.body<ifaddrmsg>();
    info->ifa_family = static_cast<std::uint8_t>(family);
    info->ifa_prefixlen = prefix_length;
    info->ifa_index = static_cast<std::uint32_t>(*index);
    info->ifa_scope = RT_SCOPE_UNIVERSE;
    if (family == AF_INET6) info->ifa_flags = IFA_F_NODAD;
    request.attribute(IFA_LOCAL, address, size);
    request.attribute(IFA_ADDRESS, address, size);
    const int error = transact(request);
    if (error != 0 && error != EEXIST) return fail(what, error);
    return std::nullopt;
}

// A route's destination as rtnetlink takes it.
struct Destination {
    int family;
    std::array<std::uint8_t, 16> bytes;
    std::size_t size;
    std::uint8_t length;
    std::string text;
};

Destination destination_of(const Ipv4Prefix& prefix) {
    Destination d{AF_INET, {}, 4, prefix.length, to_string(prefix)};
    const std::uint32_t wire = htonl(prefix.address.value);
    std::memcpy(d.bytes.data(), &wire, sizeof wire);
    return d;
}

Destination destination_of(const Ipv6Prefix& prefix) {
    Destination d{AF_INET6, {}, 16, prefix.length, to_string(prefix)};
    std::memcpy(d.bytes.data(), prefix.address.data(), 16);
    return d;
}

// RTM_NEWROUTE adds, RTM_DELROUTE removes the same route: out of `interface`, no gateway.
std::optional<std::string> change_route(std::uint16_t type, const std::string& interface, const Destination& to) {
    const bool adding = type == RTM_NEWROUTE;
    const std::string what = interface + (adding ? ": add route " : ": delete route ") + to.text;
    const auto index = index_of(interface);
    if (!index) return adding ? fail(what, ENODEV) : std::nullopt;  // gone: so are its routes
    Request request(type, adding ? NLM_F_CREATE | NLM_F_EXCL : 0);
    auto* info = request.body<rtmsg>();
    info->rtm_family = static_cast<std::uint8_t>(to.family);
    info->rtm_dst_len = to.length;
    info->rtm_table = RT_TABLE_MAIN;
    info->rtm_protocol = RTPROT_STATIC;
    info->rtm_scope = to.family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    info->rtm_type = RTN_UNICAST;
    if (to.length > 0) request.attribute(RTA_DST, to.bytes.data(), to.size);
    request.attribute(RTA_OIF, static_cast<std::uint32_t>(*index));
    const int error = transact(request);
    if (adding && error == EEXIST) return what + ": a route to that prefix already exists";
    if (!adding && error == ESRCH) return std::nullopt;
    if (error != 0) return fail(what, error);
    return std::nullopt;
}

}  // namespace

std::optional<std::string> set_link_up(const std::string& interface) {
    return change_link(
        interface, "set link up",
        [](Request&, ifinfomsg* info, std::uint32_t) {
            info->ifi_flags = IFF_UP;
            info->ifi_change = IFF_UP;
        },
        0);
}

std::optional<std::string> set_mtu(const std::string& interface, std::uint32_t mtu) {
    return change_link(
        interface, "set mtu " + std::to_string(mtu),
        [](Request& request, ifinfomsg*, std::uint32_t value) { request.attribute(IFLA_MTU, value); }, mtu);
}

std::optional<std::string> add_address(const std::string& interface, Ipv4Address address, std::uint8_t prefix_length) {
    if (prefix_length > 32) return interface + ": add address: prefix length over 32";
    const std::uint32_t wire = htonl(address.value);
    return add_address(interface, AF_INET, &wire, sizeof wire, prefix_length, to_string(address));
}

std::optional<std::string> add_address(const std::string& interface, const Ipv6Address& address,
                                       std::uint8_t prefix_length) {
    if (prefix_length > 128) return interface + ": add address: prefix length over 128";
    if (auto error =
            add_address(interface, AF_INET6, address.data(), address.size(), prefix_length, to_string(address)))
        return error;
    // Usable at return, not some milliseconds later (see routes_locally).
    for (int waited_ms = 0; !routes_locally(address); waited_ms += 5) {
        if (waited_ms >= 2000) return interface + ": add address " + to_string(address) + ": no local route after 2 s";
        ::usleep(5000);
    }
    return std::nullopt;
}

std::optional<std::string> add_route(const std::string& interface, const Ipv4Prefix& destination) {
    return change_route(RTM_NEWROUTE, interface, destination_of(destination));
}

std::optional<std::string> add_route(const std::string& interface, const Ipv6Prefix& destination) {
    return change_route(RTM_NEWROUTE, interface, destination_of(destination));
}

std::optional<std::string> delete_route(const std::string& interface, const Ipv4Prefix& destination) {
    return change_route(RTM_DELROUTE, interface, destination_of(destination));
}

std::optional<std::string> delete_route(const std::string& interface, const Ipv6Prefix& destination) {
    return change_route(RTM_DELROUTE, interface, destination_of(destination));
}

}  // namespace dslite::platform::netlink
