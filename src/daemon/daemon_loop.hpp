// SPDX-License-Identifier: BSD-2-Clause
// The event loop around the forwarder: waits for each device to poll
// readable, pumps bursts, and ticks the engine's timers once a second.
// Engine time is the steady clock. Signals and the control socket are added
// by whoever owns the io_context (run_daemon), so tests can drive this alone.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "dslite/engine.hpp"
#include "forwarder.hpp"
#include "limit_log.hpp"
#include "platform/device.hpp"

namespace dslite::daemon {

namespace asio = boost::asio;

// Now on the steady clock, as engine time.
Time steady_now();

class DaemonLoop {
public:
    // Bursts pumped from one device before the loop looks at the others.
    static constexpr int kBurstsPerTurn = 8;

    DaemonLoop(asio::io_context& io, Engine& engine, Device& b4, Device& uplink);
    // Worker `self` of several (--threads): also waits for what the others hand it.
    DaemonLoop(asio::io_context& io, Engine& engine, Device& b4, Device& uplink, Handoffs& handoffs, unsigned self);
    ~DaemonLoop();
    DaemonLoop(const DaemonLoop&) = delete;
    DaemonLoop& operator=(const DaemonLoop&) = delete;

    // Starts waiting on the devices and the timer; io.run() does the rest.
    void start();
    // Cancels every wait; the loop's handlers then finish.
    void stop();

    const Forwarder& forwarder() const { return forwarder_; }
    // On the loop's thread (dslite-ctl capture): the forwarder's capture tap, or none.
    void set_capture(CaptureTap* tap) { forwarder_.set_capture(tap); }
    std::chrono::seconds uptime() const;

private:
    struct Input {
        Device* device;  // none: the other workers' handoffs
        // Wraps the device's descriptor without owning it (released on stop).
        std::unique_ptr<asio::posix::stream_descriptor> descriptor;
    };

    void add_inputs(Device& b4, Device& uplink);
    void wait(Input& input);
    void drain(Input& input);
    void tick();

    asio::io_context& io_;
    Engine& engine_;
    Forwarder forwarder_;
    Handoffs* handoffs_ = nullptr;
    unsigned self_ = 0;
    LimitLog limit_log_;
    std::vector<Input> inputs_;
    asio::steady_timer timer_;
    std::chrono::steady_clock::time_point started_;
    bool running_ = false;
};

}  // namespace dslite::daemon
