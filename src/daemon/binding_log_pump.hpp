// SPDX-License-Identifier: BSD-2-Clause
// Moves the engines' events into the binding log on a thread of its own, so
// forwarding never waits for a disk or a syslog daemon: each engine's ring
// has this one consumer, which wakes every period and drains them all (10 ms:
// at 1.4 million new bindings a second, 14,000 events of a 65,536-event ring).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "binding_log.hpp"
#include "dslite/engine.hpp"

namespace dslite::daemon {

class BindingLogPump {
public:
    // `rings` are the engines' (Engine::events()); engine time is the steady
    // clock (daemon_loop.hpp), turned into wall time as records are written.
    BindingLogPump(BindingLog& log, std::vector<EventRing*> rings,
                   std::chrono::milliseconds period = std::chrono::milliseconds(10));
    ~BindingLogPump();
    BindingLogPump(const BindingLogPump&) = delete;
    BindingLogPump& operator=(const BindingLogPump&) = delete;

    void start();
    // From any thread (SIGHUP): files are reopened at the next wake-up.
    void request_reopen() { reopen_.store(true, std::memory_order_relaxed); }
    // Drains once more and ends the thread.
    void stop();
    // Drains every ring now and flushes; only while the thread is not
    // running (before start, after stop), as the rings' only consumer.
    std::size_t drain();

private:
    void run();

    BindingLog& log_;
    std::vector<EventRing*> rings_;
    std::chrono::milliseconds period_;
    std::vector<Event> batch_;
    std::atomic<bool> reopen_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace dslite::daemon
