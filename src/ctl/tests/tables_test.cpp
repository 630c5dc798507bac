// SPDX-License-Identifier: BSD-2-Clause
// Tables from exactly what the daemon sends (its own formatting functions).
#include "tables.hpp"

#include <gtest/gtest.h>

#include "control_protocol.hpp"

namespace dslite::ctl {
namespace {

JsonValue json(const std::string& text) {
    auto r = parse_json(text);
    EXPECT_TRUE(std::holds_alternative<JsonValue>(r)) << text;
    return std::holds_alternative<JsonValue>(r) ? std::get<JsonValue>(r) : JsonValue{};
}

TEST(Tables, PadsColumnsToTheWidestCell) {
    EXPECT_EQ(format_table({"A", "LONG HEADER", "C"}, {{"wide cell", "x", "1"}, {"y", "z", ""}}),
              "A          LONG HEADER  C\n"
              "wide cell  x            1\n"
              "y          z\n");
}

TEST(Tables, BindingsShowOneRowPerBinding) {
    const BindingInfo bindings[] = {
        {*parse_ipv6("2001:db8:a::2"), *parse_ipv4("192.168.1.10"), 5000, Protocol::udp, *parse_ipv4("198.51.100.3"),
         40001, "udp", 3, 297},
        {*parse_ipv6("2001:db8:b::2"), *parse_ipv4("192.168.1.10"), 5000, Protocol::udp, *parse_ipv4("198.51.100.7"),
         40001, "udp", 0, 300},
    };
    EXPECT_EQ(bindings_table(json(daemon::bindings_json(bindings))),
              "B4             PROTO  INSIDE             PUBLIC              STATE  IDLE  EXPIRES\n"
              "2001:db8:a::2  udp    192.168.1.10:5000  198.51.100.3:40001  udp    3s    297s\n"
              "2001:db8:b::2  udp    192.168.1.10:5000  198.51.100.7:40001  udp    0s    300s\n"
              "2 bindings\n");
    EXPECT_EQ(bindings_table(json(daemon::bindings_json({}))),
              "B4  PROTO  INSIDE  PUBLIC  STATE  IDLE  EXPIRES\n0 bindings\n");
}

TEST(Tables, WhoisNamesTheSubscriberThenTheLiveBindings) {
    const BindingInfo binding[] = {{*parse_ipv6("2001:db8:a::2"), *parse_ipv4("192.168.1.10"), 5000, Protocol::udp,
                                    *parse_ipv4("198.51.100.0"), 1500, "udp", 3, 297}};
    const daemon::Mapped mapped{*parse_ipv6_prefix("2001:db8:a::/56"), *parse_ipv4("198.51.100.0"), 1024, 3071};
    EXPECT_EQ(whois_table(json(daemon::whois_json("deterministic", mapped, {}, binding))),
              "SUBSCRIBER       PUBLIC        PORTS\n"
              "2001:db8:a::/56  198.51.100.0  1024-3071\n"
              "B4             PROTO  INSIDE             PUBLIC             STATE  IDLE  EXPIRES\n"
              "2001:db8:a::2  udp    192.168.1.10:5000  198.51.100.0:1500  udp    3s    297s\n"
              "1 binding\n");
    EXPECT_EQ(whois_table(json(daemon::whois_json("deterministic", std::nullopt, {}, {}))),
              "no subscriber has that under the deterministic mapping\nno live binding\n");
    EXPECT_EQ(whois_table(json(daemon::whois_json("dynamic", std::nullopt, {}, {}))),
              "dynamic port mapping: the live bindings only (earlier ones are in the binding log)\nno live binding\n");
}

TEST(Tables, WhoisUnderPortBlocksListsTheBlocks) {
    const PortBlockInfo blocks[] = {{*parse_ipv6_prefix("2001:db8:a::/56"), *parse_ipv6("2001:db8:a::2"),
                                     *parse_ipv4("198.51.100.3"), 40960, 41471, 2, 0},
                                    {*parse_ipv6_prefix("2001:db8:a::/56"), *parse_ipv6("2001:db8:a::2"),
                                     *parse_ipv4("198.51.100.3"), 1024, 1535, 0, 97}};
    EXPECT_EQ(whois_table(json(daemon::whois_json("port-blocks", std::nullopt, blocks, {}))),
              "SUBSCRIBER       B4             PUBLIC        PORTS        BINDINGS  RELEASE\n"
              "2001:db8:a::/56  2001:db8:a::2  198.51.100.3  40960-41471  2         -\n"
              "2001:db8:a::/56  2001:db8:a::2  198.51.100.3  1024-1535    0         97s\n"
              "no live binding\n");
    EXPECT_EQ(whois_table(json(daemon::whois_json("port-blocks", std::nullopt, {}, {}))),
              "no port block holds that now (earlier ones are in the binding log)\nno live binding\n");
}

TEST(Tables, B4sListSoftwiresAndCounts) {
    const SubscriberInfo subs[] = {{*parse_ipv6_prefix("2001:db8:a::/56"),
                                    *parse_ipv4("198.51.100.3"),
                                    1,
                                    2,
                                    0,
                                    0,
                                    0,
                                    {*parse_ipv6("2001:db8:a::2")}}};
    EXPECT_EQ(subscribers_table(json(daemon::subscribers_json(subs))),
              "SUBSCRIBER       SOFTWIRES      PUBLIC        BINDINGS  TCP  UDP  ICMP\n"
              "2001:db8:a::/56  2001:db8:a::2  198.51.100.3  3         1    2    0\n"
              "1 subscriber\n");
}

// The daemon writes rows in the order it walks its tables; the tables sort
// them, addresses as numbers (a::9 before a::10) and then protocol and inside end.
TEST(Tables, SortTheRowsTheDaemonSendsInTableOrder) {
    const auto row = [](const char* b4, Protocol p, std::uint16_t inner_port) {
        return BindingInfo{*parse_ipv6(b4),
                           *parse_ipv4("192.168.1.10"),
                           inner_port,
                           p,
                           *parse_ipv4("198.51.100.3"),
                           40001,
                           "udp",
                           0,
                           300};
    };
    const BindingInfo bindings[] = {row("2001:db8:b::2", Protocol::udp, 5000),
                                    row("2001:db8:a::10", Protocol::udp, 5000),
                                    row("2001:db8:a::9", Protocol::udp, 5001), row("2001:db8:a::9", Protocol::udp, 999),
                                    row("2001:db8:a::9", Protocol::tcp, 7000)};
    const std::string table = bindings_table(json(daemon::bindings_json(bindings)));
    const auto at = [&](const char* text) { return table.find(text); };
    EXPECT_LT(at("2001:db8:a::9   tcp"), at("2001:db8:a::9   udp    192.168.1.10:999 ")) << table;
    EXPECT_LT(at("192.168.1.10:999 "), at("192.168.1.10:5001")) << table;
    EXPECT_LT(at("192.168.1.10:5001"), at("2001:db8:a::10")) << table;
    EXPECT_LT(at("2001:db8:a::10"), at("2001:db8:b::2")) << table;
    EXPECT_NE(at("2001:db8:b::2"), std::string::npos) << table;

    const SubscriberInfo subs[] = {{*parse_ipv6_prefix("2001:db8:10::/56"), *parse_ipv4("198.51.100.3"), 0, 1, 0},
                                   {*parse_ipv6_prefix("2001:db8:9::/56"), *parse_ipv4("198.51.100.3"), 0, 1, 0}};
    const std::string by_prefix = subscribers_table(json(daemon::subscribers_json(subs)));
    EXPECT_LT(by_prefix.find("2001:db8:9::/56"), by_prefix.find("2001:db8:10::/56")) << by_prefix;
}

TEST(Tables, StatsListEveryCounter) {
    Counters counters;
    counters.add(Counter::in_b4_packets, 12);
    daemon::Gauges gauges;
    gauges.uptime_seconds = 5;
    gauges.bindings = 2;
    gauges.subscribers = 1;
    const std::string text = stats_table(json(daemon::stats_json(counters, gauges)));
    EXPECT_EQ(text.rfind("uptime 5s, 2 bindings, 1 subscribers\n\nCOUNTER", 0), 0u) << text;
    EXPECT_NE(text.find("\nin_b4_packets "), std::string::npos) << text;
    EXPECT_NE(text.find(" 12\n"), std::string::npos) << text;
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')), kCounterCount + 3);
    gauges.uplink_write_refused = 4;
    EXPECT_NE(
        stats_table(json(daemon::stats_json(counters, gauges))).find("refused 0 packets to B4s and 4 to the uplink"),
        std::string::npos);
}

TEST(Tables, StatsNameTheThreadsOnlyWhenThereAreSeveral) {
    daemon::Gauges gauges;
    EXPECT_EQ(stats_table(json(daemon::stats_json(Counters{}, gauges))).find("threads"), std::string::npos);
    gauges.threads = 2;
    gauges.handoffs = 31;
    const std::string text = stats_table(json(daemon::stats_json(Counters{}, gauges)));
    EXPECT_NE(text.find(", 2 threads (31 packets handed between them)\n"), std::string::npos) << text;
    gauges.handoffs_refused = 5;
    EXPECT_NE(
        stats_table(json(daemon::stats_json(Counters{}, gauges))).find("handed between them, 5 lost to full rings)"),
        std::string::npos);
}

TEST(Tables, StatsSayACaptureRunsOnlyWhileOneDoes) {
    daemon::Gauges gauges;
    EXPECT_EQ(stats_table(json(daemon::stats_json(Counters{}, gauges))).find("captur"), std::string::npos);
    gauges.capture_packets = 120;
    gauges.capture_dropped = 3;
    const std::string text = stats_table(json(daemon::stats_json(Counters{}, gauges)));
    EXPECT_NE(text.find(", capturing (120 packets, 3 dropped by the capture ring)\n"), std::string::npos) << text;
}

TEST(Tables, StatsEndWithADeviceTable) {
    daemon::Gauges gauges;
    const DeviceStats up{.rx_packets = 900, .tx_packets = 7, .tx_errors = 1, .tx_dropped = 2, .rx_super_packets = 20};
    gauges.devices = {{"both", "tun:aftr", up}};
    const std::string text = stats_table(json(daemon::stats_json(Counters{}, gauges)));
    const auto table = text.substr(text.rfind("\n\nSIDE") + 2);
    EXPECT_EQ(table,
              "SIDE  DEVICE    RX   RX_SUPER  RX_ERR/BAD  TX  TX_SUPER  TX_ERR/DROP\n"
              "both  tun:aftr  900  20        0/0         7   0         1/2\n")
        << text;
}

}  // namespace
}  // namespace dslite::ctl
