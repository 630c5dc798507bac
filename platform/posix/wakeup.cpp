// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/wakeup.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dslite::platform {

std::variant<Wakeup, std::string> Wakeup::open() {
    int fds[2];
    if (::pipe(fds) != 0) return std::string("pipe: ") + std::strerror(errno);
    UniqueFd read(fds[0]), write(fds[1]);
    if (!set_nonblocking_cloexec(read.get()) || !set_nonblocking_cloexec(write.get()))
        return std::string("pipe: fcntl: ") + std::strerror(errno);
    return Wakeup(std::move(read), std::move(write));
}

void Wakeup::notify() {
    if (pending_.exchange(true, std::memory_order_acq_rel)) return;
    const char byte = 1;
    // A full pipe (EAGAIN) already wakes the reader.
    [[maybe_unused]] const ssize_t n = ::write(write_.get(), &byte, 1);
}

void Wakeup::clear() {
    // The pipe first, then the flag: a byte written after the flag is down
    // stays for the next wait (the other order could swallow it and leave
    // the flag up, so no later notify would write again).
    char bytes[64];
    while (::read(read_.get(), bytes, sizeof bytes) > 0) {}
    // An exchange, not a store: reading the notifier's flag is what makes
    // what it pushed before notifying visible here.
    pending_.exchange(false, std::memory_order_acq_rel);
}

}  // namespace dslite::platform
