// SPDX-License-Identifier: BSD-2-Clause
// One request to the daemon's control socket and its one-line answer.
#pragma once

#include <chrono>
#include <string>

namespace dslite::ctl {

struct Reply {
    std::string line;   // the answer without its newline
    std::string error;  // "PATH: what failed"; empty on success
};

// A connected socket to the daemon (closed on destruction), or what failed.
struct Connection {
    int fd = -1;
    std::string error;  // "PATH: what failed"; empty on success
    Connection() = default;
    Connection(Connection&& other) noexcept : fd(other.fd), error(std::move(other.error)) { other.fd = -1; }
    Connection& operator=(Connection&&) = delete;
    ~Connection();
};
// The socket times out reading and writing after `timeout`.
Connection connect_control(const std::string& path, std::chrono::milliseconds timeout);
// Sends `request` and a newline; false (and errno set) if it could not.
bool send_line(int fd, const std::string& request);

Reply ask(const std::string& path, const std::string& request,
          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace dslite::ctl
