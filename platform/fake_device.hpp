// SPDX-License-Identifier: BSD-2-Clause
// An in-memory device for tests of everything above the device layer: queue
// packets to be read, inspect what was written. No privileges. As a capture
// stand-in it has no handle and ends when drained; as a live-device stand-in
// its handle (a pipe's read end) polls readable while packets are queued, so
// event loops can wait on it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "platform/device.hpp"
#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

class FakeDevice final : public Device {
public:
    using Bytes = std::vector<std::uint8_t>;

    enum class Kind { capture, live };

    explicit FakeDevice(std::string name = "fake", Kind kind = Kind::live) : name_(std::move(name)), kind_(kind) {
        if (kind_ == Kind::live) {
            int ends[2];
            if (::pipe(ends) == 0) {
                event_.reset(ends[0]);
                wake_.reset(ends[1]);
                for (int fd : ends) {
                    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
                    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
                }
            }
        }
    }

    // Queues a packet for read_burst.
    void push(Bytes packet) {
        incoming_.push_back(std::move(packet));
        if (wake_ && incoming_.size() == 1) {  // one byte while anything is queued
            const std::uint8_t one = 1;
            [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
        }
    }
    // Queues a packet the device holds without its handle showing it (as a
    // TUN holds the rest of a super-packet it cuts): read after the queued
    // ones, only by a caller that reads again after a full burst.
    void push_held(Bytes packet) { held_.push_back(std::move(packet)); }
    // Makes write_burst accept only the next `n` packets (then drop), to test
    // how the caller copes with a full device.
    void limit_writes(std::size_t n) { write_limit_ = n; }

    std::size_t read_burst(std::span<Packet> slots) override {
        std::size_t count = 0;
        while (count < slots.size() && !incoming_.empty()) {
            Bytes& next = incoming_.front();
            Packet& slot = slots[count];
            if (next.size() <= slot.size()) {  // bigger than a slot: dropped, as a real device would
                std::copy(next.begin(), next.end(), slot.data());
                slot.resize(next.size());
                ++count;
            } else {
                ++oversized_;
            }
            incoming_.pop_front();
        }
        for (; count < slots.size() && !held_.empty(); held_.pop_front()) {
            if (held_.front().size() > slots[count].size()) continue;
            std::copy(held_.front().begin(), held_.front().end(), slots[count].data());
            slots[count++].resize(held_.front().size());
        }
        if (event_ && incoming_.empty()) {  // drained: stop polling readable
            std::uint8_t byte;
            [[maybe_unused]] auto n = ::read(event_.get(), &byte, sizeof byte);
        }
        stats_.rx_packets += count;
        return count;
    }

    std::size_t write_burst(std::span<const Packet> packets) override {
        std::size_t accepted = 0;
        for (const Packet& p : packets) {
            if (write_limit_ == 0) {
                ++refused_;
                continue;
            }
            if (write_limit_ != kUnlimited) --write_limit_;
            written_.emplace_back(p.bytes().begin(), p.bytes().end());
            ++accepted;
        }
        stats_.tx_packets += accepted;
        return accepted;
    }

    int wait_handle() const override { return event_.get(); }
    bool at_end() const override { return kind_ == Kind::capture && incoming_.empty(); }
    std::string name() const override { return name_; }
    std::string interface() const override { return interface_; }
    const DeviceStats& stats() const override { return stats_; }

    // Makes it stand in for a network interface (a TUN) of that name.
    void set_interface(std::string name) { interface_ = std::move(name); }

    std::vector<Bytes>& written() { return written_; }
    std::size_t pending() const { return incoming_.size(); }
    std::size_t refused() const { return refused_; }
    std::size_t oversized() const { return oversized_; }

private:
    static constexpr std::size_t kUnlimited = static_cast<std::size_t>(-1);

    std::string name_;
    std::string interface_;
    Kind kind_;
    UniqueFd event_;  // polled
    UniqueFd wake_;   // written
    std::deque<Bytes> incoming_;
    std::deque<Bytes> held_;
    std::vector<Bytes> written_;
    std::size_t write_limit_ = kUnlimited;
    std::size_t refused_ = 0;
    std::size_t oversized_ = 0;
    DeviceStats stats_;
};

}  // namespace dslite::platform
