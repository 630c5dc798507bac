// SPDX-License-Identifier: BSD-2-Clause
// TUN I/O through io_uring (liburing): a TUN gives one packet per read(),
// so a burst's reads go to the kernel as one submission of several reads,
// each into a buffer of the ring's own, and complete within that call; a
// burst's writes likewise. The descriptor stays non-blocking and is what
// the event loop waits on: a read past the last packet ends with EAGAIN
// inside the submission instead of waiting in the kernel, so nothing stays
// in flight between bursts (no task work, no wake-ups per packet). How many
// reads a submission carries follows what the last ones found.
#pragma once

#include <liburing.h>

#include <array>
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
    static constexpr unsigned kReads = 64;   // buffers, and one submission's most
    static constexpr unsigned kWrites = 64;  // one submission's most

    // A ring for the non-blocking TUN descriptor `fd` whose frames start
    // with `header_size` bytes before the packet (the virtio-net header), or
    // why not (an old kernel, io_uring turned off, no memory).
    static std::variant<std::unique_ptr<TunRing>, std::string> open(int fd, std::size_t header_size);
    ~TunRing();
    TunRing(const TunRing&) = delete;
    TunRing& operator=(const TunRing&) = delete;

    // One burst of reads: begin() takes back what the last burst lent and
    // says how many packets this one wants; next() hands out reads one at a
    // time, submitting more as needed. Reads left over when the burst is
    // full wait for the next one.
    struct Read {
        std::uint32_t buffer;
        std::uint8_t* frame;  // header_size bytes, then the packet at its buffer's headroom mark
        std::size_t size;     // of the frame
    };
    void begin(std::size_t want);
    std::optional<Read> next(DeviceStats& stats, std::string_view device);  // failed reads counted
    // The read's packet (`length` bytes at its buffer's headroom mark).
    Packet packet(const Read& read, std::size_t length) { return buffers_[read.buffer]->packet(length); }
    void lend(std::uint32_t buffer) { lent_.push_back(buffer); }  // free again at the next begin()
    void give_back(std::uint32_t buffer) { free_.push_back(buffer); }

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
    bool submit_reads(DeviceStats& stats, std::string_view device);  // false: nothing was read

    int fd_;
    std::size_t header_size_;
    std::vector<std::unique_ptr<PacketBuffer>> buffers_;  // kReads
    std::vector<std::uint32_t> free_;
    std::vector<std::uint32_t> lent_;  // handed out by the last burst
    // The reads of the last submission, in the order they took packets.
    std::array<Read, kReads> done_{};
    std::size_t done_count_ = 0;
    std::size_t done_next_ = 0;
    bool drained_ = false;   // the last submission met EAGAIN: the queue is empty
    std::size_t want_ = 0;   // packets this burst may still read
    std::size_t batch_ = 8;  // reads in the next submission
    io_uring reads_{};
    io_uring writes_{};
    bool reads_ready_ = false;
    bool writes_ready_ = false;
};

}  // namespace dslite::platform
