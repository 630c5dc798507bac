// SPDX-License-Identifier: BSD-2-Clause
// Counting what a device sees (DeviceStats, platform/device.hpp). Errors on the packet
// path are counted and logged sparingly: a flood of bad packets must not
// become a flood of log lines.
#pragma once

#include <spdlog/spdlog.h>

#include <sys/types.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "platform/device.hpp"

namespace dslite::platform {

// Logs the 1st, 2nd, 4th, 8th... occurrence of a counted problem.
inline void log_sparse(std::uint64_t count, std::string_view device, std::string_view what, int error = 0) {
    if (!std::has_single_bit(count)) return;
    if (error != 0)
        spdlog::warn("{}: {}: {} (seen {} times)", device, what, std::strerror(error), count);
    else
        spdlog::warn("{}: {} (seen {} times)", device, what, count);
}

// The IP version (4 or 6) of a packet a TUN read gave as `length` bytes
// into a buffer of `capacity`, or 0, counted as malformed: neither IPv4 nor
// IPv6, or it filled the buffer and may have been cut.
inline unsigned read_ip_version(const std::uint8_t* data, std::size_t length, std::size_t capacity, DeviceStats& stats,
                                std::string_view device) {
    const unsigned version = length > 0 ? data[0] >> 4 : 0;
    if (length < capacity && (version == 4 || version == 6)) return version;
    log_sparse(++stats.rx_malformed, device, "dropped a packet that is not IPv4/IPv6 or too long");
    return 0;
}

// Counts a send that failed with errno `error`. A full queue (EAGAIN,
// ENOBUFS, or the interface down) drops the packet, as a router does there:
// retrying would stall the other side. `what` names the call for the log.
inline void count_send_failure(DeviceStats& stats, std::string_view device, const char* what, int error) {
    if (error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS)
        log_sparse(++stats.tx_dropped, device, "queue full, dropped");
    else
        log_sparse(++stats.tx_errors, device, what, error);
}

// Sends one packet of `size` bytes with `call` (write, sendto, sendmsg),
// again on EINTR; true once it went, else counted (count_send_failure).
template <class Call>
bool send_counted(DeviceStats& stats, std::string_view device, std::size_t size, const char* what, Call&& call) {
    ssize_t n;
    do n = call();
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        count_send_failure(stats, device, what, errno);
        return false;
    }
    ++stats.tx_packets;
    stats.tx_bytes += size;
    return true;
}

}  // namespace dslite::platform
