// SPDX-License-Identifier: BSD-2-Clause
#include "limit_log.hpp"

#include <gtest/gtest.h>

namespace dslite::daemon {
namespace {

using namespace std::chrono_literals;

TEST(LimitLog, ReportsALimitOncePerIntervalWithWhatAccumulated) {
    LimitLog log(10s);
    Counters counters;
    const auto t0 = LimitLog::Clock::time_point{} + 1000s;
    EXPECT_TRUE(log.check(counters, t0).empty());
    counters.add(Counter::drop_quota_exhausted, 3);
    counters.add(Counter::drop_uplink_no_binding, 50);  // not a limit
    auto lines = log.check(counters, t0);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("limit hit: drop_quota_exhausted +3 (3 in all)", 0), 0u) << lines[0];
    counters.add(Counter::drop_quota_exhausted, 1000);
    EXPECT_TRUE(log.check(counters, t0 + 9s).empty());
    lines = log.check(counters, t0 + 10s);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].rfind("limit hit: drop_quota_exhausted +1000 (1003 in all)", 0), 0u) << lines[0];
    EXPECT_TRUE(log.check(counters, t0 + 60s).empty());  // nothing new
}

}  // namespace
}  // namespace dslite::daemon
