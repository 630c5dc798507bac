// SPDX-License-Identifier: BSD-2-Clause
// The binding log's sinks and records: what --log-bindings accepts, the JSON
// and RFC 5424 records of each kind, a UNIX syslog socket and a file that
// logrotate moves (SIGHUP reopens it), and the pump between engine and log.
#include "binding_log.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "binding_log_pump.hpp"
#include "daemon_loop.hpp"
#include "sample_event.hpp"

namespace dslite::daemon {
namespace {

namespace net = test::net;

using test_events::kAt;
Event a_binding(EventKind kind = EventKind::binding_created) { return test_events::sample(kind); }

std::vector<std::string> lines_of(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(BindingLogSinks, AreReadFromTheirTextOrRefusedWithWhatIsWrong) {
    EXPECT_EQ(std::get<FileSinkSpec>(std::get<SinkSpec>(parse_sink("file:/var/log/b.json"))).path, "/var/log/b.json");
    const auto local = std::get<SyslogSinkSpec>(std::get<SinkSpec>(parse_sink("syslog")));
    EXPECT_FALSE(local.udp);
    EXPECT_FALSE(local.path.empty());
    EXPECT_EQ(std::get<SyslogSinkSpec>(std::get<SinkSpec>(parse_sink("syslog:unix:/tmp/s"))).path, "/tmp/s");
    const auto udp = std::get<SyslogSinkSpec>(std::get<SinkSpec>(parse_sink("syslog:udp:[2001:db8::9]:514")));
    EXPECT_TRUE(udp.udp);
    EXPECT_EQ(udp.host, "2001:db8::9");
    EXPECT_EQ(udp.port, 514);
    EXPECT_EQ(std::get<SyslogSinkSpec>(std::get<SinkSpec>(parse_sink("syslog:udp:192.0.2.9:5514"))).port, 5514);
    const auto ipfix = std::get<IpfixSinkSpec>(std::get<SinkSpec>(parse_sink("ipfix:192.0.2.9:4739")));
    EXPECT_EQ(ipfix.host, "192.0.2.9");
    EXPECT_EQ(ipfix.port, 4739);
    EXPECT_EQ(std::get<IpfixSinkSpec>(std::get<SinkSpec>(parse_sink("ipfix:collector.example:4739"))).host,
              "collector.example")
        << "a name, resolved when the sink opens";
    for (const char* bad :
         {"file:", "syslog:udp:192.0.2.9", "syslog:udp:192.0.2.9:0", "syslog:udp:192.0.2.9:70000",
          "syslog:udp:2001:db8::9:514", "syslog:unix:", "ipfix:192.0.2.9", "ipfix:[2001:db8::9]", "journal", ""}) {
        const auto parsed = parse_sink(bad);
        ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << bad;
        const std::string& why = std::get<std::string>(parsed);
        EXPECT_FALSE(why.empty()) << bad;
        EXPECT_EQ(why.find('\n'), std::string::npos) << bad;
    }
}

TEST(BindingLogRecords, JsonHoldsTheFieldsOfEachKind) {
    EXPECT_EQ(event_json(a_binding(), kAt),
              "{\"time\":\"2023-11-14T22:13:20.250Z\",\"event\":\"binding_created\",\"b4\":\"2001:db8:a::2\","
              "\"subscriber\":\"2001:db8:a::/56\",\"protocol\":\"tcp\",\"inside_address\":\"10.0.0.1\","
              "\"inside_port\":40000,\"public_address\":\"198.51.100.3\",\"public_port\":40123}");
    Event removed = a_binding(EventKind::binding_removed);
    removed.reason = RemovalReason::tcp_closed;
    EXPECT_NE(event_json(removed, kAt).find("\"event\":\"binding_removed\",\"reason\":\"tcp_closed\""),
              std::string::npos);
    Event subscriber = a_binding(EventKind::subscriber_created);
    EXPECT_EQ(event_json(subscriber, kAt),
              "{\"time\":\"2023-11-14T22:13:20.250Z\",\"event\":\"subscriber_created\",\"b4\":\"2001:db8:a::2\","
              "\"subscriber\":\"2001:db8:a::/56\",\"public_address\":\"198.51.100.3\"}");
    Event no_address = a_binding(EventKind::pool_exhausted);
    no_address.public_address = {};
    EXPECT_EQ(event_json(no_address, kAt).find("public_address"), std::string::npos);
    EXPECT_EQ(event_json(a_binding(EventKind::quota_exhausted), kAt).find("public_port"), std::string::npos);
}

TEST(BindingLogRecords, APortBlockHasItsRangeAndNoFlow) {
    Event block = a_binding(EventKind::port_block_allocated);
    block.public_port = 40960;
    block.public_port_last = 41023;
    EXPECT_EQ(event_json(block, kAt),
              "{\"time\":\"2023-11-14T22:13:20.250Z\",\"event\":\"port_block_allocated\",\"b4\":\"2001:db8:a::2\","
              "\"subscriber\":\"2001:db8:a::/56\",\"public_address\":\"198.51.100.3\",\"port_range_start\":40960,"
              "\"port_range_end\":41023}");
    block.kind = EventKind::port_block_released;
    const std::string m = event_syslog(block, kAt, "aftr1", 4242);
    EXPECT_EQ(m.rfind("<30>1 ", 0), 0u) << "informational, as bindings are: " << m;
    EXPECT_NE(m.find(" port_block_released [dslite@32473 b4=\"2001:db8:a::2\" subscriber=\"2001:db8:a::/56\" "
                     "public=\"198.51.100.3:40960-41023\"]"),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("inside"), std::string::npos) << m;
}

TEST(BindingLogRecords, ASoftwireMoveNamesBothB4s) {
    Event moved = a_binding(EventKind::softwire_moved);
    moved.b4 = test::v6("2001:db8:a:1::7");
    moved.previous_b4 = test::net::b4_a;
    EXPECT_EQ(
        event_json(moved, kAt),
        "{\"time\":\"2023-11-14T22:13:20.250Z\",\"event\":\"softwire_moved\",\"b4\":\"2001:db8:a:1::7\","
        "\"previous_b4\":\"2001:db8:a::2\",\"subscriber\":\"2001:db8:a::/56\",\"public_address\":\"198.51.100.3\"}");
    EXPECT_NE(event_syslog(moved, kAt, "aftr1", 1)
                  .find("[dslite@32473 b4=\"2001:db8:a:1::7\" previous_b4=\"2001:db8:a::2\" subscriber="),
              std::string::npos);
}

TEST(BindingLogRecords, SyslogIsRfc5424WithStructuredData) {
    const std::string m = event_syslog(a_binding(), kAt, "aftr1", 4242);
    // RFC 5424 6: <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP SD [SP MSG]
    const std::regex header(
        R"(<30>1 2023-11-14T22:13:20\.250Z aftr1 dslite-aftr 4242 binding_created \[dslite@32473 ([a-z0-9_]+="[^"\\\]]*" ?)+\] .+)");
    EXPECT_TRUE(std::regex_match(m, header)) << m;
    EXPECT_NE(m.find("inside=\"10.0.0.1:40000\" public=\"198.51.100.3:40123\""), std::string::npos) << m;
    // Exhaustion is a warning (severity 4).
    EXPECT_EQ(event_syslog(a_binding(EventKind::quota_exhausted), kAt, "aftr1", 1).rfind("<28>1 ", 0), 0u);
    EXPECT_EQ(event_syslog(a_binding(), kAt, "", 1).find(" - dslite-aftr "), 30u) << "no hostname: the nil value";
}

class TempDir : public testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("dslite_binding_log_" + std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string path(const char* name) const { return (dir_ / name).string(); }
    std::filesystem::path dir_;
};

using BindingLogFile = TempDir;

TEST_F(BindingLogFile, AppendsJsonLinesAndStartsANewFileWhenReopened) {
    auto opened = BindingLog::open({FileSinkSpec{path("b.json")}});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<BindingLog>>(opened)) << std::get<std::string>(opened);
    BindingLog& log = *std::get<std::unique_ptr<BindingLog>>(opened);
    const auto wall = [](std::int64_t) { return kAt; };
    const Event two[] = {a_binding(), a_binding(EventKind::binding_removed)};
    log.write(two, wall);
    log.flush();
    EXPECT_EQ(lines_of(path("b.json")).size(), 2u);
    // logrotate: the file is renamed, then the daemon gets SIGHUP.
    std::filesystem::rename(path("b.json"), path("b.json.1"));
    log.write(std::span(two, 1), wall);
    log.reopen();
    log.write(std::span(two, 1), wall);
    log.flush();
    EXPECT_EQ(lines_of(path("b.json.1")).size(), 3u) << "written before the reopen: to the renamed file";
    EXPECT_EQ(lines_of(path("b.json")).size(), 1u);
    EXPECT_EQ(log.stats().written, 4u);
    EXPECT_EQ(log.stats().failed, 0u);
}

TEST_F(BindingLogFile, RefusesAFileItCannotOpen) {
    auto opened = BindingLog::open({FileSinkSpec{path("missing/b.json")}});
    ASSERT_TRUE(std::holds_alternative<std::string>(opened));
    EXPECT_NE(std::get<std::string>(opened).find("cannot open"), std::string::npos);
}

using BindingLogSyslog = TempDir;

// What a syslog daemon's socket receives: one datagram per record.
TEST_F(BindingLogSyslog, SendsOneDatagramPerRecordToAUnixSocket) {
    const int server = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    ASSERT_GE(server, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string socket_path = path("log");
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    ASSERT_EQ(::bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    {
        auto opened = BindingLog::open({SyslogSinkSpec{.path = socket_path}});
        ASSERT_TRUE(std::holds_alternative<std::unique_ptr<BindingLog>>(opened)) << std::get<std::string>(opened);
        BindingLog& log = *std::get<std::unique_ptr<BindingLog>>(opened);
        const Event two[] = {a_binding(), a_binding(EventKind::subscriber_removed)};
        log.write(two, [](std::int64_t) { return kAt; });
        EXPECT_EQ(log.stats().written, 2u);
    }
    char buffer[2048];
    std::vector<std::string> got;
    for (ssize_t n; (n = ::recv(server, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;) got.emplace_back(buffer, n);
    ::close(server);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].rfind("<30>1 2023-11-14T22:13:20.250Z ", 0), 0u) << got[0];
    EXPECT_NE(got[1].find(" subscriber_removed [dslite@32473 "), std::string::npos) << got[1];

    auto refused = BindingLog::open({SyslogSinkSpec{.path = path("nobody")}});
    ASSERT_TRUE(std::holds_alternative<std::string>(refused));
    EXPECT_NE(std::get<std::string>(refused).find("cannot connect"), std::string::npos);
}

using BindingLogPumpTest = TempDir;

// The pump drains rings from its own thread and turns steady time into wall time.
TEST_F(BindingLogPumpTest, DrainsEveryRingOnItsThreadWithWallTimes) {
    auto opened = BindingLog::open({FileSinkSpec{path("b.json")}});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<BindingLog>>(opened));
    BindingLog& log = *std::get<std::unique_ptr<BindingLog>>(opened);
    EventRing one(64), two(64);
    BindingLogPump pump(log, {&one, &two}, std::chrono::milliseconds(5));
    pump.start();
    const Time now = steady_now();
    for (int i = 0; i < 50; ++i) {
        Event e = a_binding();
        e.time_us = (now - std::chrono::seconds(60)).count();  // a minute ago
        e.inside_port = static_cast<std::uint16_t>(i);
        ASSERT_TRUE((i % 2 ? one : two).push(e));
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while ((one.size() || two.size()) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    pump.stop();
    const auto lines = lines_of(path("b.json"));
    ASSERT_EQ(lines.size(), 50u);
    // Its time is a minute before now, in UTC, to within a few seconds.
    std::tm utc{};
    ASSERT_EQ(std::sscanf(lines[0].c_str(), "{\"time\":\"%d-%d-%dT%d:%d:%d", &utc.tm_year, &utc.tm_mon, &utc.tm_mday,
                          &utc.tm_hour, &utc.tm_min, &utc.tm_sec),
              6)
        << lines[0];
    utc.tm_year -= 1900;
    utc.tm_mon -= 1;
    const auto written = std::chrono::system_clock::from_time_t(timegm(&utc));
    const auto expected = std::chrono::system_clock::now() - std::chrono::seconds(60);
    EXPECT_LT(std::chrono::abs(written - expected), std::chrono::seconds(5)) << lines[0];
}

}  // namespace
}  // namespace dslite::daemon
