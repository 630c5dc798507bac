// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/socket_address.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <charconv>
#include <cstring>

namespace dslite::platform {

std::uint16_t SocketAddress::port() const {
    if (family() == AF_INET) return ntohs(address.v4.sin_port);
    if (family() == AF_INET6) return ntohs(address.v6.sin6_port);
    return 0;
}

std::optional<HostPort> split_host_port(std::string_view text) {
    std::string_view host;
    std::string_view port;
    if (text.starts_with('[')) {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
        host = text.substr(1, close - 1);
        port = text.substr(close + 2);
    } else {
        const auto colon = text.rfind(':');
        if (colon == std::string_view::npos) return std::nullopt;
        host = text.substr(0, colon);
        port = text.substr(colon + 1);
        if (host.find(':') != std::string_view::npos) return std::nullopt;  // bare IPv6: ambiguous
    }
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (host.empty() || port.empty() || error != std::errc{} || end != port.data() + port.size() || value > 65535)
        return std::nullopt;
    return HostPort{std::string(host), static_cast<std::uint16_t>(value)};
}

std::variant<SocketAddress, std::string> resolve(const HostPort& where) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICSERV;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(where.port);
    if (const int error = ::getaddrinfo(where.host.c_str(), port.c_str(), &hints, &found); error != 0)
        return where.host + ": " + ::gai_strerror(error);
    SocketAddress result;
    std::memcpy(&result.address, found->ai_addr, found->ai_addrlen);
    result.length = found->ai_addrlen;
    ::freeaddrinfo(found);
    return result;
}

std::string to_string(const SocketAddress& address) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (address.family() == AF_INET) {
        ::inet_ntop(AF_INET, &address.address.v4.sin_addr, text, sizeof text);
        return std::string(text) + ":" + std::to_string(address.port());
    }
    if (address.family() == AF_INET6) ::inet_ntop(AF_INET6, &address.address.v6.sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(address.port());
}

bool same_endpoint(const SocketAddress& a, const SocketAddress& b) {
    if (a.family() != b.family()) return false;
    if (a.family() == AF_INET)
        return a.address.v4.sin_port == b.address.v4.sin_port &&
               a.address.v4.sin_addr.s_addr == b.address.v4.sin_addr.s_addr;
    if (a.family() == AF_INET6)
        return a.address.v6.sin6_port == b.address.v6.sin6_port &&
               std::memcmp(&a.address.v6.sin6_addr, &b.address.v6.sin6_addr, 16) == 0;
    return false;
}

}  // namespace dslite::platform
