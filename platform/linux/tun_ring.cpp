#include "platform/linux/tun_ring.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dslite::platform {

std::variant<std::unique_ptr<TunRing>, std::string> TunRing::open(int fd) {
    auto ring = std::make_unique<TunRing>(Opened{}, fd);
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
        std::size_t in_flight = kReads - lent_.size();
        if (io_uring_sqe* sqe = ::io_uring_get_sqe(&reads_)) {
            ::io_uring_prep_cancel_fd(sqe, fd_, IORING_ASYNC_CANCEL_ALL);
            ::io_uring_sqe_set_data64(sqe, kCancel);
            ::io_uring_submit(&reads_);
        }
        __kernel_timespec patience{1, 0};  // a kernel without cancel-all: go anyway after a second
        while (in_flight > 0) {
            io_uring_cqe* cqe = nullptr;
            if (::io_uring_wait_cqe_timeout(&reads_, &cqe, &patience) < 0) break;
            if (::io_uring_cqe_get_data64(cqe) != kCancel) --in_flight;
            ::io_uring_cqe_seen(&reads_, cqe);
        }
        ::io_uring_queue_exit(&reads_);
    }
    if (writes_ready_) ::io_uring_queue_exit(&writes_);
}

void TunRing::arm(std::uint32_t buffer) {
    io_uring_sqe* sqe = ::io_uring_get_sqe(&reads_);  // never full: one entry per buffer
    ::io_uring_prep_read(sqe, fd_, buffers_[buffer]->payload(), kMaxPacket, 0);
    ::io_uring_sqe_set_data64(sqe, buffer);
}

std::size_t TunRing::read_burst(std::span<Packet> slots, DeviceStats& stats, std::string_view device) {
    // What the last burst handed out is read into again.
    for (const std::uint32_t buffer : lent_) arm(buffer);
    lent_.clear();

    io_uring_cqe* completed[kReads / 2];
    const unsigned want = static_cast<unsigned>(std::min<std::size_t>(slots.size(), kReads / 2));
    const unsigned n = ::io_uring_peek_batch_cqe(&reads_, completed, want);
    std::size_t count = 0;
    for (unsigned i = 0; i < n; ++i) {
        const auto buffer = static_cast<std::uint32_t>(::io_uring_cqe_get_data64(completed[i]));
        const int result = completed[i]->res;
        if (result < 0) {
            if (result != -EINTR && result != -EAGAIN) log_sparse(++stats.rx_errors, device, "read", -result);
            arm(buffer);
            continue;
        }
        const auto length = static_cast<std::size_t>(result);
        PacketBuffer& storage = *buffers_[buffer];
        if (read_ip_version(storage.payload(), length, kMaxPacket, stats, device) == 0) {
            arm(buffer);
            continue;
        }
        lent_.push_back(buffer);
        slots[count++] = storage.packet(length);
        ++stats.rx_packets;
        stats.rx_bytes += length;
    }
    ::io_uring_cq_advance(&reads_, n);
    ::io_uring_submit(&reads_);  // one system call for the burst: the reads put back in flight
    return count;
}

std::size_t TunRing::write_burst(std::span<const Packet> packets, DeviceStats& stats, std::string_view device) {
    std::size_t sent = 0;
    while (!packets.empty()) {
        const auto take = static_cast<unsigned>(std::min<std::size_t>(packets.size(), kWrites));
        for (unsigned i = 0; i < take; ++i) {
            io_uring_sqe* sqe = ::io_uring_get_sqe(&writes_);
            ::io_uring_prep_write(sqe, fd_, packets[i].data(), static_cast<unsigned>(packets[i].size()), 0);
            ::io_uring_sqe_set_data64(sqe, i);
        }
        // The packets' storage is the caller's again once this returns: wait for all of them.
        int submitted;
        do submitted = ::io_uring_submit_and_wait(&writes_, take);
        while (submitted == -EINTR);
        unsigned reaped = 0;
        while (reaped < take) {
            io_uring_cqe* cqe = nullptr;
            if (::io_uring_wait_cqe(&writes_, &cqe) < 0) break;
            const int result = cqe->res;
            const std::size_t index = ::io_uring_cqe_get_data64(cqe);
            ::io_uring_cqe_seen(&writes_, cqe);
            ++reaped;
            if (result < 0) {
                count_send_failure(stats, device, "write", -result);
                continue;
            }
            ++stats.tx_packets;
            stats.tx_bytes += packets[index].size();
            ++sent;
        }
        packets = packets.subspan(take);
    }
    return sent;
}

}  // namespace dslite::platform
