// SPDX-License-Identifier: BSD-2-Clause
#include "platform/linux/tun_ring.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <sys/uio.h>

namespace dslite::platform {

std::variant<std::unique_ptr<TunRing>, std::string> TunRing::open(int fd, std::size_t header_size) {
    if (header_size > kHeadroom) return std::string("io_uring: frame header larger than the headroom");
    auto ring = std::make_unique<TunRing>(Opened{}, fd, header_size);
    if (const int e = ::io_uring_queue_init(kReads, &ring->reads_, 0); e < 0)
        return std::string("io_uring: ") + std::strerror(-e);
    ring->reads_ready_ = true;
    if (const int e = ::io_uring_queue_init(kWrites, &ring->writes_, 0); e < 0)
        return std::string("io_uring: ") + std::strerror(-e);
    ring->writes_ready_ = true;
    ring->buffers_.reserve(kReads);
    ring->free_.reserve(kReads);
    ring->lent_.reserve(kReads);
    for (std::uint32_t i = 0; i < kReads; ++i) {
        ring->buffers_.push_back(std::make_unique<PacketBuffer>());
        ring->free_.push_back(kReads - 1 - i);
    }
    // A kernel whose TUN cannot read without waiting (RWF_NOWAIT) fails the
    // first read with EOPNOTSUPP: then no ring. A packet it reads is kept
    // for the first burst.
    DeviceStats probe;
    ring->want_ = 1;
    ring->batch_ = 1;
    ring->submit_reads(probe, "tun");
    if (probe.rx_errors > 0) return std::string("io_uring: reads that do not wait are not supported");
    ring->batch_ = 8;
    return ring;
}

TunRing::~TunRing() {
    if (reads_ready_) ::io_uring_queue_exit(&reads_);
    if (writes_ready_) ::io_uring_queue_exit(&writes_);
}

void TunRing::begin(std::size_t want) {
    free_.insert(free_.end(), lent_.begin(), lent_.end());
    lent_.clear();
    want_ = want;
    drained_ = false;
}

bool TunRing::submit_reads(DeviceStats& stats, std::string_view device) {
    const std::size_t n = std::min({batch_, want_, free_.size()});
    if (n == 0) return false;
    std::array<std::uint32_t, kReads> buffer_of;
    for (std::size_t i = 0; i < n; ++i) {
        buffer_of[i] = free_.back();
        free_.pop_back();
        io_uring_sqe* sqe = ::io_uring_get_sqe(&reads_);  // never full: at most kReads per submission
        ::io_uring_prep_read(sqe, fd_, buffers_[buffer_of[i]]->payload() - header_size_,
                             static_cast<unsigned>(kMaxPacket + header_size_), 0);
        // Without it io_uring would wait for a packet (arm a poll) even on a
        // non-blocking descriptor.
        sqe->rw_flags = RWF_NOWAIT;
        ::io_uring_sqe_set_data64(sqe, i);
    }
    int submitted;
    do submitted = ::io_uring_submit_and_wait(&reads_, static_cast<unsigned>(n));
    while (submitted == -EINTR);

    // A non-blocking TUN read completes within the submission, in the
    // order submitted; sorting by index keeps the packets' order whatever
    // the completion order.
    std::array<int, kReads> result;
    std::fill_n(result.begin(), n, -EIO);
    for (std::size_t reaped = 0; reaped < n; ++reaped) {
        io_uring_cqe* cqe = nullptr;
        if (::io_uring_wait_cqe(&reads_, &cqe) < 0) break;
        result[::io_uring_cqe_get_data64(cqe)] = cqe->res;
        ::io_uring_cqe_seen(&reads_, cqe);
    }
    done_count_ = done_next_ = 0;
    std::size_t got = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (result[i] < 0) {
            if (result[i] == -EAGAIN || result[i] == -EWOULDBLOCK)
                drained_ = true;
            else if (result[i] != -EINTR)
                log_sparse(++stats.rx_errors, device, "read", -result[i]);
            free_.push_back(buffer_of[i]);
            continue;
        }
        done_[done_count_++] =
            Read{buffer_of[i], buffers_[buffer_of[i]]->payload() - header_size_, static_cast<std::size_t>(result[i])};
        ++got;
    }
    // Twice what a submission found when it emptied the queue, else twice as many.
    batch_ = drained_ ? std::max<std::size_t>(2, 2 * got) : std::min<std::size_t>(2 * batch_, kReads);
    want_ -= std::min(want_, got);
    return got > 0;
}

std::optional<TunRing::Read> TunRing::next(DeviceStats& stats, std::string_view device) {
    if (done_next_ == done_count_ && (drained_ || !submit_reads(stats, device))) return std::nullopt;
    return done_[done_next_++];
}

void TunRing::write(std::span<const Packet> frames, std::span<int> results) {
    std::size_t done = 0;
    while (done < frames.size()) {
        const auto take = static_cast<unsigned>(std::min<std::size_t>(frames.size() - done, kWrites));
        for (unsigned i = 0; i < take; ++i) {
            const Packet& frame = frames[done + i];
            io_uring_sqe* sqe = ::io_uring_get_sqe(&writes_);
            ::io_uring_prep_write(sqe, fd_, frame.data(), static_cast<unsigned>(frame.size()), 0);
            ::io_uring_sqe_set_data64(sqe, done + i);
            results[done + i] = -EIO;  // unless a completion says otherwise
        }
        // The frames' storage is the caller's again once this returns: wait for all of them.
        int submitted;
        do submitted = ::io_uring_submit_and_wait(&writes_, take);
        while (submitted == -EINTR);
        for (unsigned reaped = 0; reaped < take; ++reaped) {
            io_uring_cqe* cqe = nullptr;
            if (::io_uring_wait_cqe(&writes_, &cqe) < 0) break;
            results[::io_uring_cqe_get_data64(cqe)] = cqe->res;
            ::io_uring_cqe_seen(&writes_, cqe);
        }
        done += take;
    }
}

}  // namespace dslite::platform
