// SPDX-License-Identifier: BSD-2-Clause
// --metrics (issue 13): the Prometheus text of the stats views, checked by
// Debian's promtool as an outside reader, and the HTTP endpoint serving it.
#include "metrics.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "metrics_server.hpp"

namespace dslite::daemon {
namespace {

std::vector<EngineView> two_threads() {
    std::vector<EngineView> views(2);
    views[0].counters.add(Counter::in_b4_packets, 7);
    views[0].counters.add(Counter::drop_quota_exhausted, 3);
    views[1].counters.add(Counter::in_b4_packets, 5);
    views[1].gauges.bindings = 42;
    views[1].gauges.devices.push_back({"b4", "tun:aftr\"6", DeviceStats{.rx_packets = 9}});
    views[0].gauges.occupancy.bindings[static_cast<std::size_t>(BindingState::established)] = 4;
    views[0].gauges.occupancy.bindings[static_cast<std::size_t>(BindingState::udp)] = 2;
    views[0].gauges.occupancy.reassembly = 1;
    views[0].gauges.occupancy.reassembly_capacity = 64;
    views[1].gauges.occupancy.events = 17;
    views[1].gauges.occupancy.events_capacity = 4096;
    views[1].gauges.ports_per_address = 64512;
    views[1].gauges.pool.push_back({*parse_ipv4("198.51.100.3"), {5, 6, 0}});
    views[1].gauges.handoff_ring_bytes = 128;
    return views;
}

std::size_t occurrences(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(MetricsText, EveryCounterOnceAThreadAndTheDropsByReason) {
    const std::string text = metrics_text(two_threads());
    EXPECT_EQ(occurrences(text, "# TYPE dslite_drops_total counter\n"), 1u);
    EXPECT_NE(text.find("dslite_drops_total{thread=\"0\",reason=\"quota_exhausted\"} 3\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_drops_total{thread=\"1\",reason=\"quota_exhausted\"} 0\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_in_b4_packets_total{thread=\"0\"} 7\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_in_b4_packets_total{thread=\"1\"} 5\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE dslite_bindings gauge\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_bindings{thread=\"1\"} 42\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_device_rx_packets_total{thread=\"1\",side=\"b4\",device=\"tun:aftr\\\"6\"} 9\n"),
              std::string::npos)
        << "label values escaped";
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        const std::string series = is_drop(c) ? "reason=\"" + std::string(counter_name(c).substr(5)) + "\"}"
                                              : "dslite_" + std::string(counter_name(c)) + "_total{";
        EXPECT_EQ(occurrences(text, series), 2u) << counter_name(c);
    }
}

TEST(MetricsText, SessionsByStateTableOccupancyAndPoolUse) {
    const std::string text = metrics_text(two_threads());
    EXPECT_NE(text.find("dslite_sessions{thread=\"0\",protocol=\"tcp\",state=\"established\"} 4\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("dslite_sessions{thread=\"0\",protocol=\"udp\",state=\"udp\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_sessions{thread=\"1\",protocol=\"tcp\",state=\"syn\"} 0\n"), std::string::npos);
    EXPECT_EQ(occurrences(text, "dslite_sessions{"), 2 * kBindingStates);
    EXPECT_NE(text.find("dslite_reassembly_datagrams{thread=\"0\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_reassembly_capacity{thread=\"0\"} 64\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_event_ring_events{thread=\"1\"} 17\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_event_ring_capacity{thread=\"1\"} 4096\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_handoff_ring_bytes{thread=\"1\"} 128\n"), std::string::npos);
    EXPECT_NE(text.find("dslite_pool_ports_in_use{thread=\"1\",address=\"198.51.100.3\",protocol=\"udp\"} 6\n"),
              std::string::npos);
    EXPECT_NE(text.find("dslite_pool_ports_in_use{thread=\"1\",address=\"198.51.100.3\",protocol=\"tcp\"} 5\n"),
              std::string::npos);
    EXPECT_EQ(occurrences(text, "dslite_pool_ports_in_use{"), 3u) << "only addresses in use";
    EXPECT_NE(text.find("dslite_pool_ports_per_address{thread=\"1\"} 64512\n"), std::string::npos);
}

TEST(MetricsText, PromtoolAcceptsIt) {
    const auto file = std::filesystem::temp_directory_path() / ("dslite-metrics-" + std::to_string(::getpid()));
    std::ofstream(file) << metrics_text(two_threads());
    const std::string command = "promtool check metrics < '" + file.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string said;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) said += buffer;
    const int status = ::pclose(pipe);
    std::filesystem::remove(file);
    EXPECT_EQ(status, 0) << "promtool (Debian's prometheus, scripts/deps) said: " << said;
    EXPECT_EQ(said, "") << "no lint remarks";
}

TEST(MetricsEndpoint, AddressesAndRefusals) {
    using asio::ip::tcp;
    const auto ok = [](std::string_view text) { return std::get<tcp::endpoint>(parse_metrics_endpoint(text)); };
    EXPECT_EQ(ok(":9100"), tcp::endpoint(asio::ip::make_address("127.0.0.1"), 9100)) << "loopback when omitted";
    EXPECT_EQ(ok("0.0.0.0:9100"), tcp::endpoint(asio::ip::make_address("0.0.0.0"), 9100));
    EXPECT_EQ(ok("[::1]:9100"), tcp::endpoint(asio::ip::make_address("::1"), 9100));
    EXPECT_EQ(std::get<std::string>(parse_metrics_endpoint("9100")), "\"9100\" is not [ADDR]:PORT");
    EXPECT_EQ(std::get<std::string>(parse_metrics_endpoint(":0")), "port \"0\" is not 1 to 65535");
    EXPECT_EQ(std::get<std::string>(parse_metrics_endpoint("host:9100")), "\"host\" is not an IPv4 or [IPv6] address");
}

TEST(MetricsEndpoint, OnlyGetMetricsIsServed) {
    const auto body = [] { return std::string("x 1\n"); };
    const std::string ok = http_answer("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", body);
    EXPECT_EQ(ok.rfind("HTTP/1.0 200 OK\r\n", 0), 0u);
    EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_TRUE(ok.ends_with("\r\n\r\nx 1\n"));
    EXPECT_EQ(http_answer("GET / HTTP/1.1\r\n\r\n", body).rfind("HTTP/1.0 404", 0), 0u);
    EXPECT_EQ(http_answer("POST /metrics HTTP/1.1\r\n\r\n", body).rfind("HTTP/1.0 405", 0), 0u);
    EXPECT_EQ(http_answer("", body).rfind("HTTP/1.0 400", 0), 0u);
    EXPECT_TRUE(http_answer("HEAD /metrics HTTP/1.1\r\n\r\n", body).ends_with("\r\n\r\n")) << "no body for HEAD";
}

TEST(MetricsServer, AnswersAScrapeOverTcp) {
    asio::io_context io;
    auto opened = MetricsServer::open(io, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0),
                                      [] { return std::string("dslite_up 1\n"); });
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<MetricsServer>>(opened)) << std::get<std::string>(opened);
    auto& server = std::get<std::unique_ptr<MetricsServer>>(opened);
    const auto where = server->endpoint();
    std::string got;
    std::thread client([&] {
        asio::io_context cio;
        asio::ip::tcp::socket s(cio);
        s.connect(where);
        asio::write(s, asio::buffer(std::string("GET /metrics HTTP/1.0\r\n\r\n")));
        boost::system::error_code e;
        std::array<char, 4096> buffer{};
        for (;;) {
            const std::size_t n = s.read_some(asio::buffer(buffer), e);
            got.append(buffer.data(), n);
            if (e) break;
        }
        io.stop();
    });
    io.run_for(std::chrono::seconds(5));
    client.join();
    EXPECT_EQ(got.rfind("HTTP/1.0 200 OK", 0), 0u) << got;
    EXPECT_TRUE(got.ends_with("dslite_up 1\n")) << got;
    // A port taken is refused with one line.
    auto again = MetricsServer::open(io, where, [] { return std::string(); });
    ASSERT_TRUE(std::holds_alternative<std::string>(again));
    EXPECT_EQ(std::get<std::string>(again).rfind("metrics: 127.0.0.1 port ", 0), 0u);
}

}  // namespace
}  // namespace dslite::daemon
