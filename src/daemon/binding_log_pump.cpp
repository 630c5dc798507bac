// SPDX-License-Identifier: BSD-2-Clause
#include "binding_log_pump.hpp"

#include "daemon_loop.hpp"

namespace dslite::daemon {

BindingLogPump::BindingLogPump(BindingLog& log, std::vector<EventRing*> rings, std::chrono::milliseconds period)
    : log_(log), rings_(std::move(rings)), period_(period), batch_(4096) {}

BindingLogPump::~BindingLogPump() { stop(); }

void BindingLogPump::start() {
    thread_ = std::thread([this] { run(); });
}

void BindingLogPump::stop() {
    if (!thread_.joinable()) return;
    {
        const std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

std::size_t BindingLogPump::drain() {
    if (reopen_.exchange(false, std::memory_order_relaxed)) log_.reopen();
    // Engine time is steady time; a record gets the wall time it stands for.
    const Time steady = steady_now();
    const auto wall = std::chrono::system_clock::now();
    const auto to_wall = [&](std::int64_t engine_us) {
        return wall - std::chrono::duration_cast<std::chrono::system_clock::duration>(steady - Time(engine_us));
    };
    std::size_t total = 0;
    for (EventRing* ring : rings_) {
        for (std::size_t n; (n = ring->pop(batch_)) != 0;) {
            log_.write(std::span<const Event>(batch_.data(), n), to_wall);
            total += n;
        }
    }
    log_.flush();
    return total;
}

void BindingLogPump::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, period_, [this] { return stopping_; });
        lock.unlock();
        drain();
        lock.lock();
    }
}

}  // namespace dslite::daemon
