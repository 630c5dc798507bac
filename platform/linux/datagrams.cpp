// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/datagrams.hpp"

#include <algorithm>
#include <array>

namespace dslite::platform {
namespace {

using Messages = std::array<mmsghdr, kMaxDatagrams>;

std::size_t load(Messages& messages, std::span<const Datagram> batch) {
    const std::size_t n = std::min(batch.size(), kMaxDatagrams);
    for (std::size_t i = 0; i < n; ++i) messages[i] = mmsghdr{batch[i].message, 0};
    return n;
}

}  // namespace

int receive_datagrams(int fd, std::span<Datagram> batch) {
    Messages messages;
    const std::size_t n = load(messages, batch);
    const int got = ::recvmmsg(fd, messages.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
    for (int i = 0; i < got; ++i) {
        batch[i].message = messages[i].msg_hdr;  // name and control lengths, flags
        batch[i].length = messages[i].msg_len;
    }
    return got;
}

int send_datagrams(int fd, std::span<Datagram> batch) {
    Messages messages;
    const std::size_t n = load(messages, batch);
    return ::sendmmsg(fd, messages.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
}

}  // namespace dslite::platform
