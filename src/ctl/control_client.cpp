// SPDX-License-Identifier: BSD-2-Clause
#include "control_client.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dslite::ctl {

Connection::~Connection() {
    if (fd >= 0) ::close(fd);
}

Connection connect_control(const std::string& path, std::chrono::milliseconds timeout) {
    Connection c;
    const auto failed = [&](const std::string& what) {
        c.error = path + ": " + what;
        return std::move(c);
    };
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (path.size() >= sizeof address.sun_path) return failed("longer than a UNIX socket path may be");
    std::memcpy(address.sun_path, path.data(), path.size());

    c.fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    // Not SOCK_CLOEXEC: macOS has no such flag.
    if (c.fd < 0 || ::fcntl(c.fd, F_SETFD, FD_CLOEXEC) < 0) return failed(std::strerror(errno));
    timeval limit{};
    limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    limit.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
    ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const int e = errno;
        std::string why = std::strerror(e);
        if (e == ENOENT || e == ECONNREFUSED) why += " (is dslite-aftr running? see --control)";
        return failed(why);
    }
    return c;
}

bool send_line(int fd, const std::string& request) {
    const std::string line = request + '\n';
    for (std::size_t sent = 0; sent < line.size();) {
        const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        sent += static_cast<std::size_t>(n);
    }
    return true;
}

Reply ask(const std::string& path, const std::string& request, std::chrono::milliseconds timeout) {
    const auto failed = [&](const std::string& what) { return Reply{{}, path + ": " + what}; };
    const Connection socket = connect_control(path, timeout);
    if (!socket.error.empty()) return Reply{{}, socket.error};
    if (!send_line(socket.fd, request)) return failed(std::string("sending: ") + std::strerror(errno));

    Reply reply;
    char buffer[65536];
    while (true) {
        const ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return failed("no answer in time");
        if (n < 0) return failed(std::string("reading: ") + std::strerror(errno));
        if (n == 0) return failed("the daemon closed the connection without answering");
        reply.line.append(buffer, static_cast<std::size_t>(n));
        const auto end = reply.line.find('\n');
        if (end != std::string::npos) {
            reply.line.resize(end);
            return reply;
        }
    }
}

}  // namespace dslite::ctl
