#include "platform/linux/tun_ring.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

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
    for (std::uint32_t i = 0; i < kReads; ++i) {
        ring->buffers_.push_back(std::make_unique<PacketBuffer>());
        ring->arm(i);
    }
    if (const int e = ::io_uring_submit(&ring->reads_); e < 0) return std::string("io_uring: ") + std::strerror(-e);
    ring->lent_.reserve(kReads);
    return ring;
}

TunRing::~TunRing() {
    if (reads_ready_) {
        // The reads in flight hold the TUN open: cancel them and wait until
        // they are gone, so that closing the descriptor next removes a TUN
        // made by the daemon at once, as without a ring, and a restart finds
        // the name free.
        ::io_uring_submit(&reads_);  // anything armed but not yet submitted
        if (io_uring_sqe* sqe = ::io_uring_get_sqe(&reads_)) {
            ::io_uring_prep_cancel_fd(sqe, fd_, IORING_ASYNC_CANCEL_ALL);
            ::io_uring_sqe_set_data64(sqe, kCancel);
            ::io_uring_submit(&reads_);
        }
        __kernel_timespec patience{1, 0};  // a kernel without cancel-all: go anyway after a second
        while (in_flight_ > 0) {
            io_uring_cqe* cqe = nullptr;
            if (::io_uring_wait_cqe_timeout(&reads_, &cqe, &patience) < 0) break;
            if (::io_uring_cqe_get_data64(cqe) != kCancel) --in_flight_;
            ::io_uring_cqe_seen(&reads_, cqe);
        }
        ::io_uring_queue_exit(&reads_);
    }
    if (writes_ready_) ::io_uring_queue_exit(&writes_);
}

void TunRing::arm(std::uint32_t buffer) {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&reads_);  // never full: one entry per buffer
    ::io_uring_prep_read(sqe, fd_, buffers_[buffer]->payload() - header_size_,
                         static_cast<unsigned>(kMaxPacket + header_size_), 0);
    ::io_uring_sqe_set_data64(sqe, buffer);
    ++in_flight_;
}

void TunRing::begin() {
    for (const std::uint32_t buffer : lent_) arm(buffer);
    lent_.clear();
}

std::optional<TunRing::Read> TunRing::next(DeviceStats& stats, std::string_view device) {
    io_uring_cqe* cqe = nullptr;
    while (::io_uring_peek_cqe(&reads_, &cqe) == 0 && cqe) {
        const auto buffer = static_cast<std::uint32_t>(::io_uring_cqe_get_data64(cqe));
        const int result = cqe->res;
        ::io_uring_cqe_seen(&reads_, cqe);
        --in_flight_;
        if (result < 0) {
            if (result != -EINTR && result != -EAGAIN) log_sparse(++stats.rx_errors, device, "read", -result);
            arm(buffer);
            continue;
        }
        return Read{buffer, buffers_[buffer]->payload() - header_size_, static_cast<std::size_t>(result)};
    }
    return std::nullopt;
}

void TunRing::end() { ::io_uring_submit(&reads_); }

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
