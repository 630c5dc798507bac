// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl top's frames, from answers the daemon's own writers produce.
#include "top.hpp"

#include <gtest/gtest.h>

#include "src/daemon/control_protocol.hpp"

namespace dslite::ctl {
namespace {

using daemon::Busiest;
using daemon::Gauges;

JsonValue json(const std::string& text) {
    auto parsed = parse_json(text);
    EXPECT_TRUE(std::holds_alternative<JsonValue>(parsed)) << text;
    return std::get<JsonValue>(parsed);
}

Gauges gauges(std::uint64_t b4_rx, std::uint64_t b4_rx_bytes, std::uint64_t uplink_tx) {
    Gauges g;
    g.uptime_seconds = 3725;
    g.bindings = 42;
    g.subscribers = 7;
    g.threads = 2;
    DeviceStats b4;
    b4.rx_packets = b4_rx;
    b4.rx_bytes = b4_rx_bytes;
    b4.tx_packets = b4_rx / 2;
    DeviceStats uplink;
    uplink.tx_packets = uplink_tx;
    g.devices = {{"b4", "tun:aftr6#0", b4}, {"uplink", "tun:aftr4#0", uplink}, {"b4", "tun:aftr6#1", b4}};
    return g;
}

SubscriberInfo subscriber(const char* prefix, std::uint32_t udp, std::uint32_t from_b4, std::uint32_t to_b4) {
    return {*parse_ipv6_prefix(prefix), *parse_ipv4("198.51.100.3"), 1, udp, 0, from_b4, to_b4};
}

Sample sample(double seconds, const Counters& counters, const Gauges& g) {
    Busiest busiest;
    busiest.by_packets = {subscriber("2001:db8:a::/56", 3, 1200, 1100), subscriber("2001:db8:b::/56", 30, 5, 0)};
    busiest.by_bindings = {subscriber("2001:db8:b::/56", 30, 5, 0), subscriber("2001:db8:a::/56", 3, 1200, 1100)};
    busiest.bindings = {2, 33, 7};
    const Busiest engines[] = {busiest};
    return {seconds, json(daemon::stats_json(counters, g)), json(daemon::top_json(engines, 10))};
}

TEST(TopRates, HumanRates) {
    EXPECT_EQ(human(0), "0");
    EXPECT_EQ(human(0.4), "0");
    EXPECT_EQ(human(950), "950");
    EXPECT_EQ(human(9999), "9999");
    EXPECT_EQ(human(12345), "12.3k");
    EXPECT_EQ(human(999'700), "1.00M");
    EXPECT_EQ(human(1'234'567), "1.23M");
    EXPECT_EQ(human(45.6e9), "45.6G");
}

TEST(TopRates, AreTheDifferencesOverTheTimeBetween) {
    Counters before, after;
    before.add(Counter::drop_uplink_no_binding, 100);
    after.add(Counter::drop_uplink_no_binding, 140);  // 20/s
    after.add(Counter::drop_quota_exhausted, 10);     // 5/s
    after.add(Counter::drop_tcp_not_syn, 10);         // 5/s: ties by name
    after.add(Counter::in_b4_packets, 1000);          // no drop
    const Rates r =
        rates_between(sample(10, before, gauges(1000, 50'000, 300)), sample(12, after, gauges(3000, 150'000, 500)));
    ASSERT_EQ(r.sides.size(), 2u);
    EXPECT_EQ(r.sides[0].name, "b4");
    EXPECT_DOUBLE_EQ(r.sides[0].in_packets, 2000);  // two queues of 2000 more, over 2 s
    EXPECT_DOUBLE_EQ(r.sides[0].in_bits, 2 * 100'000 * 8 / 2.0);
    EXPECT_DOUBLE_EQ(r.sides[0].out_packets, 1000);
    EXPECT_EQ(r.sides[1].name, "uplink");
    EXPECT_DOUBLE_EQ(r.sides[1].out_packets, 100);
    EXPECT_DOUBLE_EQ(r.sides[1].in_packets, 0);
    ASSERT_EQ(r.drops.size(), 3u);
    EXPECT_EQ(r.drops[0].reason, "uplink_no_binding");
    EXPECT_DOUBLE_EQ(r.drops[0].per_second, 20);
    EXPECT_EQ(r.drops[1].reason, "quota_exhausted");
    EXPECT_EQ(r.drops[2].reason, "tcp_not_syn");
}

TEST(TopRates, ARestartedDaemonGivesNoRateRatherThanAHugeOne) {
    Counters before, after;
    before.add(Counter::drop_uplink_no_binding, 1000);
    after.add(Counter::drop_uplink_no_binding, 3);
    const Rates r = rates_between(sample(1, before, gauges(9000, 9000, 9000)), sample(2, after, gauges(10, 10, 10)));
    EXPECT_TRUE(r.drops.empty());
    EXPECT_DOUBLE_EQ(r.sides[0].in_packets, 0);
    EXPECT_TRUE(rates_between(sample(2, before, gauges(1, 1, 1)), sample(2, after, gauges(2, 2, 2))).sides.empty())
        << "no time between: no rates";
}

std::string joined(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& line : lines) out += line + '\n';
    return out;
}

TEST(TopFrame, ShowsTheRatesTheDropsAndTheBusiest) {
    Counters before, after;
    after.add(Counter::drop_uplink_no_binding, 30);
    const Sample then = sample(0, before, gauges(0, 0, 0));
    const Sample now = sample(1, after, gauges(1500, 150'000, 700));
    const Rates r = rates_between(then, now);
    const auto lines = render_top(now, &r, 100, 30);
    const std::string frame = joined(lines);
    EXPECT_EQ(
        lines[0].rfind("dslite-aftr up 1h02m05s  bindings 42 (tcp 2, udp 33, icmp 7)  subscribers 7  threads 2", 0), 0u)
        << frame;
    EXPECT_NE(frame.find("\nb4      3000      2.40M     1500       0\n"), std::string::npos) << frame;
    EXPECT_NE(frame.find("\nuplink  0         0         700        0\n"), std::string::npos) << frame;
    EXPECT_NE(frame.find("30          uplink_no_binding"), std::string::npos) << frame;
    // The busiest by packets first: a, 1200 from its B4s and 1100 to them.
    const auto packets = frame.find("BUSIEST BY PACKETS");
    const auto bindings = frame.find("BUSIEST BY BINDINGS");
    ASSERT_NE(packets, std::string::npos) << frame;
    ASSERT_NE(bindings, std::string::npos) << frame;
    EXPECT_NE(frame.find("2001:db8:a::/56  198.51.100.3  1200           1100         4", packets), std::string::npos)
        << frame;
    EXPECT_LT(frame.find("2001:db8:b::/56", bindings), frame.find("2001:db8:a::/56", bindings)) << frame;
    EXPECT_NE(frame.find("2001:db8:b::/56  198.51.100.3  31        1    30   0     5", bindings), std::string::npos)
        << frame;
}

TEST(TopFrame, WithoutRatesYetShowsDashes) {
    const Sample now = sample(0, Counters{}, gauges(5, 5, 5));
    const std::string frame = joined(render_top(now, nullptr, 100, 30));
    EXPECT_NE(frame.find("\nb4      -         -         -          -\n"), std::string::npos) << frame;
    EXPECT_NE(frame.find("DROPS: -"), std::string::npos) << frame;
}

// Whatever the size, no line is longer than the width and there are no
// more lines than the height; the header comes first, and the rankings
// get the rows there are.
TEST(TopFrame, FitsAnySize) {
    Counters before, after;
    for (std::size_t i = 0; i < kCounterCount; ++i)
        if (is_drop(static_cast<Counter>(i))) after.add(static_cast<Counter>(i), i + 1);
    const Sample then = sample(0, before, gauges(0, 0, 0));
    const Sample now = sample(1, after, gauges(100, 100, 100));
    const Rates r = rates_between(then, now);
    for (std::size_t width : {1, 10, 40, 80, 100, 300})
        for (std::size_t height : {1, 2, 5, 10, 15, 24, 30, 80}) {
            const auto lines = render_top(now, &r, width, height);
            EXPECT_LE(lines.size(), height) << width << "x" << height;
            EXPECT_FALSE(lines.empty());
            for (const auto& line : lines) EXPECT_LE(line.size(), width) << width << "x" << height << ": " << line;
            EXPECT_EQ(lines[0].substr(0, std::min<std::size_t>(width, 23)),
                      std::string("dslite-aftr up 1h02m05s").substr(0, width));
            const std::string frame = joined(lines);
            if (height >= 24 && width >= 80) {
                EXPECT_NE(frame.find("2001:db8:a::/56"), std::string::npos) << frame;
                EXPECT_NE(frame.find("BUSIEST BY BINDINGS"), std::string::npos) << frame;
            }
        }
    // Tall enough: every drop reason with a rate is there.
    const std::string tall = joined(render_top(now, &r, 120, 200));
    for (const auto& d : r.drops) EXPECT_NE(tall.find(d.reason), std::string::npos) << d.reason;
    EXPECT_GT(r.drops.size(), 40u);
}

std::string refused(std::vector<const char*> args) {
    auto parsed = parse_top_options(args);
    return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "(accepted)";
}

TEST(TopOptions, IntervalAndCount) {
    const auto options = std::get<TopOptions>(parse_top_options(std::vector<const char*>{}));
    EXPECT_EQ(options.interval, 1);
    EXPECT_FALSE(options.count);
    const std::vector<const char*> both{"--count", "3", "--interval", "0.5"};
    const auto given = std::get<TopOptions>(parse_top_options(both));
    EXPECT_EQ(given.interval, 0.5);
    EXPECT_EQ(given.count, 3u);
    EXPECT_EQ(refused({"--interval", "0.05"}), "--interval: '0.05' is not a number of seconds from 0.1 to 3600");
    EXPECT_EQ(refused({"--interval", "nan"}), "--interval: 'nan' is not a number of seconds from 0.1 to 3600");
    EXPECT_EQ(refused({"--interval", "1s"}), "--interval: '1s' is not a number of seconds from 0.1 to 3600");
    EXPECT_EQ(refused({"--count", "0"}), "--count: '0' is not a number of frames above 0");
    EXPECT_EQ(refused({"--count", "-1"}), "--count: '-1' is not a number of frames above 0");
    EXPECT_EQ(refused({"--count"}), "--count needs a value");
    EXPECT_EQ(refused({"--json"}), "top: unknown option '--json' (--interval, --count)");
}

}  // namespace
}  // namespace dslite::ctl
