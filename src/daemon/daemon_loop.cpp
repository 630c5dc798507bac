// SPDX-License-Identifier: BSD-2-Clause
#include "daemon_loop.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "handoffs.hpp"

namespace dslite::daemon {

Time steady_now() { return std::chrono::duration_cast<Time>(std::chrono::steady_clock::now().time_since_epoch()); }

DaemonLoop::DaemonLoop(asio::io_context& io, Engine& engine, Device& b4, Device& uplink)
    : io_(io), engine_(engine), forwarder_(engine, b4, uplink), timer_(io), started_(std::chrono::steady_clock::now()) {
    add_inputs(b4, uplink);
}

DaemonLoop::DaemonLoop(asio::io_context& io, Engine& engine, Device& b4, Device& uplink, Handoffs& handoffs,
                       unsigned self)
    : io_(io),
      engine_(engine),
      forwarder_(engine, b4, uplink, handoffs, self),
      handoffs_(&handoffs),
      self_(self),
      timer_(io),
      started_(std::chrono::steady_clock::now()) {
    add_inputs(b4, uplink);
    inputs_.push_back(
        {nullptr, std::make_unique<asio::posix::stream_descriptor>(io_, handoffs.wakeup(self).wait_handle())});
}

void DaemonLoop::add_inputs(Device& b4, Device& uplink) {
    inputs_.reserve(3);
    inputs_.push_back({&b4, nullptr});
    if (&uplink != &b4) inputs_.push_back({&uplink, nullptr});
    for (auto& input : inputs_) {
        const int fd = input.device->wait_handle();
        if (fd >= 0) input.descriptor = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    }
}

DaemonLoop::~DaemonLoop() { stop(); }

void DaemonLoop::start() {
    running_ = true;
    started_ = std::chrono::steady_clock::now();
    for (auto& input : inputs_) {
        if (input.descriptor) {
            wait(input);
        } else {
            asio::post(io_, [this, &input] { drain(input); });
        }
    }
    tick();
}

void DaemonLoop::stop() {
    running_ = false;
    timer_.cancel();
    for (auto& input : inputs_) {
        if (!input.descriptor || !input.descriptor->is_open()) continue;
        boost::system::error_code ignored;
        input.descriptor->cancel(ignored);
        input.descriptor->release();  // the device (or the wakeup) owns and closes the descriptor
    }
}

std::chrono::seconds DaemonLoop::uptime() const {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
}

void DaemonLoop::wait(Input& input) {
    input.descriptor->async_wait(
        asio::posix::stream_descriptor::wait_read, [this, &input](boost::system::error_code e) {
            if (e || !running_) {
                if (e && e != asio::error::operation_aborted)
                    spdlog::error("{}: waiting for packets failed: {}",
                                  input.device ? input.device->name() : "handoffs", e.message());
                return;
            }
            drain(input);
        });
}

// Pumps a few bursts, then yields to the other device and the timer. A
// device still readable wakes the loop again at once; one whose last burst
// was full comes back at once too, since it may hold packets its descriptor
// does not show (the rest of a TUN super-packet being cut).
void DaemonLoop::drain(Input& input) {
    if (!running_) return;
    bool full = false;
    // Cleared before looking: whatever is handed over from now on wakes this again.
    if (!input.device) handoffs_->wakeup(self_).clear();
    for (int i = 0; i < kBurstsPerTurn; ++i) {
        const std::size_t n =
            input.device ? forwarder_.pump(*input.device, steady_now()) : forwarder_.pump_handoffs(steady_now());
        full = n == Forwarder::kBurst;
        if (!full) break;
    }
    if (input.descriptor && full) {
        asio::post(io_, [this, &input] { drain(input); });
    } else if (input.descriptor) {
        wait(input);
    } else if (input.device->at_end()) {
        spdlog::info("{}: input ended", input.device->name());
    } else {
        asio::post(io_, [this, &input] { drain(input); });
    }
}

void DaemonLoop::tick() {
    if (!running_) return;
    engine_.advance(steady_now());
    forwarder_.advance(steady_now());
    for (const auto& line : limit_log_.check(engine_.counters(), std::chrono::steady_clock::now()))
        spdlog::warn("{}", line);
    timer_.expires_after(std::chrono::seconds(1));
    timer_.async_wait([this](boost::system::error_code e) {
        if (!e) tick();
    });
}

}  // namespace dslite::daemon
