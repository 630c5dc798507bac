// TUN I/O through io_uring (liburing): a TUN gives one packet per read(),
// so instead of a system call per packet, reads are kept in flight in
// buffers of the ring's own and a burst takes whatever has completed; a
// burst's writes go in one submission. The read ring's descriptor polls
// readable while reads have completed, so the event loop waits on it as on
// any other. What a read brought is handed out as a view of its buffer,
// valid until the next burst, which puts it back in flight.
#pragma once

#include <liburing.h>

#include <cstdint>
#include <memory>
#include <optional>
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
    static constexpr unsigned kReads = 64;   // in flight
    static constexpr unsigned kWrites = 64;  // one submission's most

    // A ring for the TUN descriptor `fd` (blocking: io_uring then waits for
    // packets rather than failing with EAGAIN) whose frames start with
    // `header_size` bytes before the packet (the virtio-net header), or why
    // not (an old kernel, io_uring turned off, no memory).
    static std::variant<std::unique_ptr<TunRing>, std::string> open(int fd, std::size_t header_size);
    ~TunRing();
    TunRing(const TunRing&) = delete;
    TunRing& operator=(const TunRing&) = delete;

    int wait_handle() const { return reads_.ring_fd; }

    // One burst of reads: begin() puts what the last burst lent back in
    // flight, next() takes completed reads one at a time, end() submits
    // what was put back (one system call).
    struct Read {
        std::uint32_t buffer;
        std::uint8_t* frame;  // header_size bytes, then the packet at its buffer's headroom mark
        std::size_t size;     // of the frame
    };
    void begin();
    std::optional<Read> next(DeviceStats& stats, std::string_view device);  // failed reads counted and redone
    // The read's packet (`length` bytes at its buffer's headroom mark).
    Packet packet(const Read& read, std::size_t length) { return buffers_[read.buffer]->packet(length); }
    void lend(std::uint32_t buffer) { lent_.push_back(buffer); }  // in flight again at the next begin()
    void give_back(std::uint32_t buffer) { arm(buffer); }         // in flight again at end()
    void end();

    // Writes each frame; results[i] is what write(2) would have returned for
    // frames[i] (bytes, or -errno).
    void write(std::span<const Packet> frames, std::span<int> results);

private:
    struct Opened {
        explicit Opened() = default;
    };

public:
    TunRing(Opened, int fd, std::size_t header_size) : fd_(fd), header_size_(header_size) {}

private:
    void arm(std::uint32_t buffer);  // queues a read into it (submitted by end())
    static constexpr std::uint64_t kCancel = ~std::uint64_t{0};  // user data of the cancel at the end

    int fd_;
    std::size_t header_size_;
    std::vector<std::unique_ptr<PacketBuffer>> buffers_;  // kReads, before the rings: they outlive them
    std::vector<std::uint32_t> lent_;                     // handed out by the last burst
    std::size_t in_flight_ = 0;
    io_uring reads_{};
    io_uring writes_{};
    bool reads_ready_ = false;
    bool writes_ready_ = false;
};

}  // namespace dslite::platform
