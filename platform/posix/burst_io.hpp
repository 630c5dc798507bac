// SPDX-License-Identifier: BSD-2-Clause
// Bursts over datagram sockets (the UDP and raw softwire devices), a batch
// of datagrams per system call (platform/posix/datagrams.hpp).
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <span>
#include <string_view>
#include <utility>

#include "dslite/packet.hpp"
#include "platform/posix/datagrams.hpp"
#include "platform/posix/device_stats.hpp"

namespace dslite::platform {

// Fills slots from `fd`. prepare(i, slot) points batch[i] at the slot;
// accept(i, slot) takes what batch[i] brought (resizing the slot) or refuses
// it, counted by accept, and the slot is read into again. Stops when the
// slots are full or the socket is empty, so fewer than slots.size() means
// empty: at low rates one call per burst, not one more to hear EAGAIN.
// Each call asks for at most batch.size() datagrams.
template <class Prepare, class Accept>
std::size_t read_datagram_burst(int fd, std::span<Packet> slots, std::span<Datagram> batch, DeviceStats& stats,
                                std::string_view device, Prepare&& prepare, Accept&& accept) {
    const std::size_t want = slots.size();
    std::size_t count = 0;
    while (count < want) {
        const std::size_t ask = std::min({want - count, batch.size(), kMaxDatagrams});
        for (std::size_t i = 0; i < ask; ++i) prepare(i, slots[count + i]);
        int got;
        do got = receive_datagrams(fd, batch.first(ask));
        while (got < 0 && errno == EINTR);
        if (got < 0) {
            // A failing socket ends this burst, not the daemon.
            if (errno != EAGAIN && errno != EWOULDBLOCK) log_sparse(++stats.rx_errors, device, "recv", errno);
            break;
        }
        std::size_t kept = count;
        for (std::size_t i = 0; i < static_cast<std::size_t>(got); ++i) {
            Packet& slot = slots[count + i];
            if (!accept(i, slot)) continue;
            if (&slot != &slots[kept]) std::swap(slot, slots[kept]);  // views only: no packet is copied
            ++kept;
        }
        count = kept;
        if (static_cast<std::size_t>(got) < ask) break;  // drained
    }
    return count;
}

// Sends every datagram of `batch` (each counted as its `length`), in order;
// one that fails is counted (count_send_failure) and the rest go on.
// Returns how many went.
inline std::size_t write_datagram_burst(int fd, std::span<Datagram> batch, DeviceStats& stats,
                                        std::string_view device) {
    std::size_t sent = 0;
    std::size_t next = 0;
    while (next < batch.size()) {
        int n;
        do n = send_datagrams(fd, batch.subspan(next));
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            count_send_failure(stats, device, "send", errno);
            ++next;
            continue;
        }
        for (int i = 0; i < n; ++i) {
            ++stats.tx_packets;
            stats.tx_bytes += batch[next + i].length;
        }
        sent += static_cast<std::size_t>(n);
        next += static_cast<std::size_t>(n);
    }
    return sent;
}

}  // namespace dslite::platform
