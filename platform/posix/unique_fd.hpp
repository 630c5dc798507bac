// SPDX-License-Identifier: BSD-2-Clause
// Owns one file descriptor; closing it is the only way a device lets go of
// the kernel object behind it (a non-persistent TUN disappears with its fd).
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace dslite::platform {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset(int fd = -1) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = fd;
    }

private:
    int fd_ = -1;
};

// Non-blocking and closed on exec, for descriptors opened without
// SOCK_NONBLOCK / SOCK_CLOEXEC (Linux and the BSDs have them, macOS does not).
inline bool set_nonblocking_cloexec(int fd) {
    const int flags = ::fcntl(fd, F_GETFL);
    return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 && ::fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

}  // namespace dslite::platform
