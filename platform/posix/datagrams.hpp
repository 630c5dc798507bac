// SPDX-License-Identifier: BSD-2-Clause
// Many datagrams per system call where the OS has it (recvmmsg and sendmmsg
// on Linux: platform/linux/datagrams.cpp), one call each elsewhere
// (platform/posix/datagrams_one_by_one.cpp). Devices fill each message's
// name, iovec and control buffer; the calls never block.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <span>

namespace dslite::platform {

// The most datagrams one call moves; longer spans are cut to it.
inline constexpr std::size_t kMaxDatagrams = 64;

struct Datagram {
    msghdr message{};
    // Received: the datagram's length (message.msg_flags says MSG_TRUNC).
    // To send: the bytes the device counts for it.
    std::size_t length = 0;
};

// Receives into batch[0], batch[1]... what is ready: how many, or -1 and
// errno when not even the first came (EAGAIN: nothing was ready).
int receive_datagrams(int fd, std::span<Datagram> batch);

// Sends batch[0], batch[1]... in order: how many went before one failed, or
// -1 and errno when the first failed.
int send_datagrams(int fd, std::span<Datagram> batch);

}  // namespace dslite::platform
