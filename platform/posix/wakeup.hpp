// SPDX-License-Identifier: BSD-2-Clause
// Wakes a thread waiting in its event loop: a non-blocking pipe whose read
// end polls readable once notify() was called, with a flag so that many
// notifications before the waiter runs cost one write.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <variant>

#include "platform/posix/unique_fd.hpp"

namespace dslite::platform {

class Wakeup {
public:
    static std::variant<Wakeup, std::string> open();

    // Any thread.
    void notify();
    // The waiter, before it looks for work: what is notified from now on wakes it again.
    void clear();
    int wait_handle() const { return read_.get(); }

    Wakeup(Wakeup&& other) noexcept : read_(std::move(other.read_)), write_(std::move(other.write_)) {}

private:
    Wakeup(UniqueFd read, UniqueFd write) : read_(std::move(read)), write_(std::move(write)) {}

    UniqueFd read_;
    UniqueFd write_;
    std::atomic<bool> pending_{false};
};

}  // namespace dslite::platform
