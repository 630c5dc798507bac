// SPDX-License-Identifier: BSD-2-Clause
// "[2001:db8::1]:4789", "192.0.2.1:4789" or "host:4789" to a socket address.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace dslite::platform {

struct SocketAddress {
    union {
        sockaddr any;
        sockaddr_in v4;
        sockaddr_in6 v6;
    } address{};
    socklen_t length = 0;

    int family() const { return address.any.sa_family; }
    const sockaddr* get() const { return &address.any; }
    sockaddr* get() { return &address.any; }
    std::uint16_t port() const;
};

struct HostPort {
    std::string host;  // without the brackets
    std::uint16_t port = 0;
    bool operator==(const HostPort&) const = default;
};

// Splits "HOST:PORT" or "[IPV6]:PORT"; an IPv6 address needs the brackets.
// Port 0 is accepted (an ephemeral port when listening).
std::optional<HostPort> split_host_port(std::string_view text);

// Resolves `where` (numeric addresses, or names at start-up only); returns
// the first address or one line saying why not.
std::variant<SocketAddress, std::string> resolve(const HostPort& where);

std::string to_string(const SocketAddress& address);
bool same_endpoint(const SocketAddress& a, const SocketAddress& b);

}  // namespace dslite::platform
