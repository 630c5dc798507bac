// SPDX-License-Identifier: BSD-2-Clause
#include "limit_log.hpp"

namespace dslite::daemon {

namespace {
constexpr Counter kLimits[] = {
    Counter::drop_quota_exhausted,      Counter::drop_binding_rate_limited,  Counter::drop_pool_exhausted,
    Counter::drop_binding_table_full,   Counter::drop_subscriber_table_full, Counter::drop_fragment_no_slot,
    Counter::drop_fragment_owner_limit, Counter::icmp_errors_rate_limited,   Counter::port_hold_overflow,
};
}  // namespace

std::vector<std::string> LimitLog::check(const Counters& counters, Clock::time_point now) {
    std::vector<std::string> lines;
    for (const Counter c : kLimits) {
        const auto i = static_cast<std::size_t>(c);
        const std::uint64_t value = counters[c];
        if (value == reported_[i] || (reported_[i] != 0 && now - when_[i] < interval_)) continue;
        lines.push_back("limit hit: " + std::string(counter_name(c)) + " +" + std::to_string(value - reported_[i]) +
                        " (" + std::to_string(value) + " in all): " + std::string(counter_help(c)));
        reported_[i] = value;
        when_[i] = now;
    }
    return lines;
}

}  // namespace dslite::daemon
