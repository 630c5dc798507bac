// SPDX-License-Identifier: BSD-2-Clause
// Systems without recvmmsg/sendmmsg (macOS): one call per datagram, the
// same contract as platform/linux/datagrams.cpp.
#include "platform/posix/datagrams.hpp"

#include <sys/types.h>

#include <algorithm>

namespace dslite::platform {

int receive_datagrams(int fd, std::span<Datagram> batch) {
    const std::size_t n = std::min(batch.size(), kMaxDatagrams);
    std::size_t got = 0;
    for (; got < n; ++got) {
        const ssize_t length = ::recvmsg(fd, &batch[got].message, MSG_DONTWAIT);
        if (length < 0) break;
        batch[got].length = static_cast<std::size_t>(length);
    }
    return got == 0 && n > 0 ? -1 : static_cast<int>(got);
}

int send_datagrams(int fd, std::span<Datagram> batch) {
    const std::size_t n = std::min(batch.size(), kMaxDatagrams);
    std::size_t sent = 0;
    while (sent < n && ::sendmsg(fd, &batch[sent].message, MSG_DONTWAIT) >= 0) ++sent;
    return sent == 0 && n > 0 ? -1 : static_cast<int>(sent);
}

}  // namespace dslite::platform
