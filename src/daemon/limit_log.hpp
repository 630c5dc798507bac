// SPDX-License-Identifier: BSD-2-Clause
// A warning in the log when a limit is hit (quota, rate, table or
// reassembly space, ICMP error rate), at most once per interval per limit:
// the counters tell how often, the log tells the operator when it started,
// and a flood cannot flood the log too.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <vector>

#include "dslite/counters.hpp"

namespace dslite::daemon {

class LimitLog {
public:
    using Clock = std::chrono::steady_clock;

    explicit LimitLog(std::chrono::seconds interval = std::chrono::seconds(10)) : interval_(interval) {}

    // The lines to log now: one per limit counter that grew since it was
    // last reported, if that was at least `interval` ago.
    std::vector<std::string> check(const Counters& counters, Clock::time_point now);

private:
    std::chrono::seconds interval_;
    std::array<std::uint64_t, kCounterCount> reported_{};
    std::array<Clock::time_point, kCounterCount> when_{};
};

}  // namespace dslite::daemon
