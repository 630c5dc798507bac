// TUN I/O through io_uring (liburing): a TUN gives one packet per read(),
// so instead of a system call per packet, reads are kept in flight in
// buffers of the ring's own and a burst takes whatever has completed; a
// burst's writes go in one submission. The read ring's descriptor polls
// readable while reads have completed, so the event loop waits on it as on
// any other. Packets read are handed out as views of those buffers, valid
// until the next read_burst, which puts them back in flight.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dslite/packet.hpp"
#include "platform/posix/device_stats.hpp"

namespace dslite::platform {

class TunRing {
public:
    static constexpr unsigned kReads = 64;   // in flight; a burst takes at most half
    static constexpr unsigned kWrites = 64;  // one submission's most

    // A ring for the TUN descriptor `fd` (blocking: io_uring then waits for
    // packets rather than failing with EAGAIN), or why not (an old kernel,
    // io_uring turned off, no memory).
    static std::variant<std::unique_ptr<TunRing>, std::string> open(int fd);
    ~TunRing();
    TunRing(const TunRing&) = delete;
    TunRing& operator=(const TunRing&) = delete;

    int wait_handle() const { return reads_.ring_fd; }
    std::size_t read_burst(std::span<Packet> slots, DeviceStats& stats, std::string_view device);
    std::size_t write_burst(std::span<const Packet> packets, DeviceStats& stats, std::string_view device);

private:
    struct Opened {
        explicit Opened() = default;
    };

public:
    TunRing(Opened, int fd) : fd_(fd) {}

private:
    void arm(std::uint32_t buffer);  // queues a read into it (submitted by the caller)
    static constexpr std::uint64_t kCancel = ~std::uint64_t{0};  // user data of the cancel at the end

    int fd_;
    std::vector<std::unique_ptr<PacketBuffer>> buffers_;  // kReads, before the rings: they outlive them
    std::vector<std::uint32_t> lent_;                     // handed out by the last read_burst
    io_uring reads_{};
    io_uring writes_{};
    bool reads_ready_ = false;
    bool writes_ready_ = false;
};

}  // namespace dslite::platform
