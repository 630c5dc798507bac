// SPDX-License-Identifier: BSD-2-Clause
// Replay against the real engine: routing by IP version, outputs per side
// with the input's timestamps, counters, same output run to run, and refusals.
#include "replay.hpp"

#include <gtest/gtest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "dslite/counters.hpp"
#include "dslite/wire.hpp"
#include "pcap/capture_reader.hpp"
#include "pcap/capture_writer.hpp"
#include "support/packet_builder.hpp"
#include "support/topology.hpp"

namespace dslite::app {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<std::uint8_t>;
namespace net = test::net;

constexpr auto kStart = 1'700'000'000s;

// A UDP-in-IPv4 packet with correct checksums, from the test topology's builder.
Bytes udp4(Ipv4Address source, std::uint16_t sport, Ipv4Address destination, std::uint16_t dport,
           std::uint8_t ttl = 64) {
    return test::ipv4_udp({.source = source, .destination = destination, .ttl = ttl},
                          {.source_port = sport, .destination_port = dport, .payload = Bytes(4, 0xab)});
}

// IPv4 in IPv6 from the B4 to the AFTR.
Bytes softwire(const Bytes& ipv4) { return test::softwire({.source = net::b4_a, .destination = net::aftr}, ipv4); }

struct Record {
    Bytes ip;
    std::chrono::microseconds timestamp;
};

class Replay : public testing::Test {
protected:
    void SetUp() override {
        const auto* info = testing::UnitTest::GetInstance()->current_test_info();
        dir_ = std::filesystem::path(testing::TempDir()) / ("dslite_replay_" + std::string(info->name()));
        std::filesystem::create_directories(dir_);
        config_.aftr_address = net::aftr;
        config_.pools = {net::pool_prefix};
        settings_ = {path("in.pcap"), path("b4.pcap"), path("uplink.pcap"), path("counters.json")};
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    void write_input(const std::vector<Record>& records) {
        auto created = CaptureWriter::create(settings_.input);
        ASSERT_TRUE(std::holds_alternative<CaptureWriter>(created));
        for (const auto& r : records) std::get<CaptureWriter>(created).write(r.ip, r.timestamp);
    }

    int run() {
        out_.str("");
        err_.str("");
        return run_replay(settings_, {}, config_, out_, err_);
    }

    static std::vector<Record> read(const std::string& file) {
        std::vector<Record> records;
        auto opened = CaptureReader::open(file);
        if (!std::holds_alternative<CaptureReader>(opened)) {
            ADD_FAILURE() << std::get<std::string>(opened);
            return records;
        }
        auto& reader = std::get<CaptureReader>(opened);
        while (auto p = reader.next()) records.push_back({Bytes(p->ip.begin(), p->ip.end()), p->timestamp});
        EXPECT_EQ(reader.error(), "");
        return records;
    }

    std::string json() const {
        std::ifstream in(settings_.counters_json);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::filesystem::path dir_;
    EngineConfig config_;
    ReplaySettings settings_;
    std::ostringstream out_;
    std::ostringstream err_;
};

TEST_F(Replay, TranslatesBothWaysWithTheInputTimestamps) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart}});
    ASSERT_EQ(run(), 0) << err_.str();
    auto uplink = read(settings_.out_uplink);
    ASSERT_EQ(uplink.size(), 1u);
    EXPECT_TRUE(read(settings_.out_b4).empty());
    const Bytes& request = uplink[0].ip;
    ASSERT_EQ(request.size(), 32u);
    EXPECT_EQ(request[0] >> 4, 4);
    EXPECT_EQ(uplink[0].timestamp, kStart);
    const Ipv4Address public_address{wire::load32(request.data() + wire::ipv4::source)};
    const std::uint16_t public_port = wire::load16(request.data() + 20 + wire::l4::source_port);
    EXPECT_TRUE(net::pool_prefix.contains(public_address));
    EXPECT_EQ(Ipv4Address{wire::load32(request.data() + wire::ipv4::destination)}, net::server1);

    // The server answers the public address; the answer goes back into the softwire.
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart},
                 {udp4(net::server1, 53, public_address, public_port), kStart + 500ms}});
    ASSERT_EQ(run(), 0) << err_.str();
    auto b4 = read(settings_.out_b4);
    ASSERT_EQ(b4.size(), 1u);
    EXPECT_EQ(b4[0].timestamp, kStart + 500ms);
    const Bytes& answer = b4[0].ip;
    ASSERT_EQ(answer.size(), 40u + 32u);
    EXPECT_EQ(answer[0] >> 4, 6);
    EXPECT_TRUE(std::equal(net::b4_a.begin(), net::b4_a.end(), answer.begin() + wire::ipv6::destination));
    EXPECT_TRUE(std::equal(net::aftr.begin(), net::aftr.end(), answer.begin() + wire::ipv6::source));
    EXPECT_EQ(Ipv4Address{wire::load32(answer.data() + 40 + wire::ipv4::destination)}, net::host);
    EXPECT_EQ(wire::load16(answer.data() + 60 + wire::l4::destination_port), 5000);

    const std::string printed = out_.str();
    EXPECT_NE(printed.find("in_b4_packets 1\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("in_uplink_packets 1\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("out_uplink_packets 1\n"), std::string::npos) << printed;
    EXPECT_NE(printed.find("out_b4_packets 1\n"), std::string::npos) << printed;
    EXPECT_EQ(printed.find(" 0\n"), std::string::npos) << "zero counters are not printed:\n" << printed;
}

TEST_F(Replay, CountersJsonHasEveryCounter) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart}});
    ASSERT_EQ(run(), 0) << err_.str();
    const std::string text = json();
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.front(), '{');
    EXPECT_NE(text.find("\"in_b4_packets\": 1,"), std::string::npos) << text;
    EXPECT_NE(text.find("\"drop_uplink_filtered\": 0,"), std::string::npos) << text;
    for (std::size_t i = 0; i < kCounterCount; ++i)
        EXPECT_NE(text.find("\"" + std::string(counter_name(static_cast<Counter>(i))) + "\": "), std::string::npos);
    EXPECT_EQ(static_cast<std::size_t>(std::count(text.begin(), text.end(), ':')), kCounterCount);
    EXPECT_EQ(text.substr(text.size() - 3), "\n}\n");
}

TEST_F(Replay, SameInputSameOutputBytes) {
    std::vector<Record> input;
    for (std::uint16_t i = 0; i < 40; ++i) {
        const Ipv4Address host{net::host.value + i % 5};
        input.push_back({softwire(udp4(host, static_cast<std::uint16_t>(4000 + i), net::server1, 53)),
                         kStart + std::chrono::milliseconds(i * 10)});
    }
    write_input(input);
    ASSERT_EQ(run(), 0) << err_.str();
    const std::string first_counters = out_.str();
    std::ifstream b(settings_.out_uplink, std::ios::binary);
    const std::string first(std::istreambuf_iterator<char>(b), {});
    ASSERT_EQ(read(settings_.out_uplink).size(), 40u);

    ASSERT_EQ(run(), 0) << err_.str();
    std::ifstream b2(settings_.out_uplink, std::ios::binary);
    const std::string second(std::istreambuf_iterator<char>(b2), {});
    EXPECT_EQ(first, second);
    EXPECT_EQ(first_counters, out_.str());
}

TEST_F(Replay, EnginesOwnPacketsGoToTheirSide) {
    // TTL 1 inside the softwire: the engine answers the host with Time Exceeded.
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53, 1)), kStart + 3s}});
    ASSERT_EQ(run(), 0) << err_.str();
    EXPECT_TRUE(read(settings_.out_uplink).empty());
    auto b4 = read(settings_.out_b4);
    ASSERT_EQ(b4.size(), 1u);
    EXPECT_EQ(b4[0].timestamp, kStart + 3s);
    ASSERT_GE(b4[0].ip.size(), 40u + 20u + 8u);
    EXPECT_EQ(b4[0].ip[40 + wire::ipv4::protocol], wire::proto_icmp);
    EXPECT_EQ(b4[0].ip[60 + wire::icmp::type], wire::icmp::time_exceeded);
    EXPECT_NE(out_.str().find("sent_icmp_time_exceeded 1\n"), std::string::npos) << out_.str();
}

TEST_F(Replay, MalformedPacketsAreDroppedAndCounted) {
    Bytes cut = softwire(udp4(net::host, 5000, net::server1, 53));
    cut.resize(50);  // the IPv6 payload length promises more
    Bytes not_to_pool = udp4(net::server1, 53, *parse_ipv4("203.0.113.9"), 5000);
    write_input({{cut, kStart}, {not_to_pool, kStart + 1s}});
    ASSERT_EQ(run(), 0) << err_.str();
    EXPECT_TRUE(read(settings_.out_b4).empty());
    EXPECT_TRUE(read(settings_.out_uplink).empty());
    EXPECT_NE(out_.str().find("in_b4_packets 1\n"), std::string::npos) << out_.str();
    EXPECT_NE(out_.str().find("in_uplink_packets 1\n"), std::string::npos) << out_.str();
    EXPECT_NE(out_.str().find("drop_b4_truncated 1\n"), std::string::npos) << out_.str();
    EXPECT_NE(out_.str().find("drop_uplink_not_pool 1\n"), std::string::npos) << out_.str();
}

TEST_F(Replay, EthernetCapturesWorkAndNonIpFramesAreSkipped) {
    const Bytes ip = softwire(udp4(net::host, 5000, net::server1, 53));
    {
        pcap_t* pcap = pcap_open_dead(1, 65535);
        pcap_dumper_t* dumper = pcap_dump_open(pcap, settings_.input.c_str());
        ASSERT_NE(dumper, nullptr);
        Bytes arp(60, 0);
        arp[12] = 0x08, arp[13] = 0x06;
        Bytes frame(14, 0);
        frame[12] = 0x86, frame[13] = 0xdd;
        frame.resize(14 + ip.size());
        std::copy(ip.begin(), ip.end(), frame.begin() + 14);
        for (const Bytes* f : {&arp, &frame}) {
            pcap_pkthdr h{};
            h.ts.tv_sec = 100;
            h.caplen = h.len = static_cast<bpf_u_int32>(f->size());
            pcap_dump(reinterpret_cast<u_char*>(dumper), &h, f->data());
        }
        pcap_dump_close(dumper);
        pcap_close(pcap);
    }
    ASSERT_EQ(run(), 0) << err_.str();
    EXPECT_EQ(read(settings_.out_uplink).size(), 1u);
    EXPECT_NE(out_.str().find("in_b4_packets 1\n"), std::string::npos) << out_.str();
    EXPECT_EQ(out_.str().find("in_uplink_packets"), std::string::npos) << out_.str();
}

TEST_F(Replay, OutputsAreOptional) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart}});
    settings_.out_b4.clear();
    settings_.out_uplink.clear();
    settings_.counters_json.clear();
    ASSERT_EQ(run(), 0) << err_.str();
    EXPECT_NE(out_.str().find("out_uplink_packets 1\n"), std::string::npos) << out_.str();
}

TEST_F(Replay, EmptyCaptureGivesEmptyOutputs) {
    write_input({});
    ASSERT_EQ(run(), 0) << err_.str();
    EXPECT_TRUE(read(settings_.out_b4).empty());
    EXPECT_TRUE(read(settings_.out_uplink).empty());
    EXPECT_EQ(out_.str(), "");
    EXPECT_NE(json().find("\"in_b4_packets\": 0,"), std::string::npos);
}

TEST_F(Replay, MissingInputIsRefused) {
    EXPECT_EQ(run(), 2);
    EXPECT_EQ(err_.str(), "dslite-aftr: replay: " + settings_.input + ": No such file or directory\n");
    EXPECT_FALSE(std::filesystem::exists(settings_.out_b4));
}

TEST_F(Replay, UnwritableOutputsAreRefused) {
    write_input({});
    const std::string nowhere = path("missing-dir") + "/x.pcap";
    settings_.out_uplink = nowhere;
    EXPECT_EQ(run(), 2);
    EXPECT_EQ(err_.str().rfind("dslite-aftr: out-uplink: " + nowhere, 0), 0u) << err_.str();
    settings_.out_uplink = path("uplink.pcap");
    settings_.counters_json = nowhere;
    EXPECT_EQ(run(), 2);
    EXPECT_EQ(err_.str(), "dslite-aftr: counters-json: cannot write '" + nowhere + "'\n");
}

TEST_F(Replay, ReadErrorPartWayFailsAfterWritingWhatWasDone) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart},
                 {softwire(udp4(net::host, 5001, net::server1, 53)), kStart + 1s}});
    std::filesystem::resize_file(settings_.input, std::filesystem::file_size(settings_.input) - 10);
    EXPECT_EQ(run(), 1);
    EXPECT_EQ(err_.str().rfind("dslite-aftr: replay: " + settings_.input + ": ", 0), 0u) << err_.str();
    EXPECT_EQ(read(settings_.out_uplink).size(), 1u);
    EXPECT_NE(json().find("\"in_b4_packets\": 1,"), std::string::npos);
}

// The binding log in replay: records at the capture's times, the binding's
// public end as the uplink capture shows it, its removal when the clock
// passes its timeout, and no destination anywhere.
TEST_F(Replay, WritesTheBindingLogAtTheCapturesTimes) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart},
                 {softwire(udp4(net::host, 5001, net::server1, 53)), kStart + 1000s}});
    const std::string log = path("bindings.json");
    out_.str("");
    ASSERT_EQ(run_replay(settings_, {daemon::FileSinkSpec{log}}, config_, out_, err_), 0) << err_.str();
    auto uplink = read(settings_.out_uplink);
    ASSERT_EQ(uplink.size(), 2u);
    const std::uint16_t first_port = wire::load16(uplink[0].ip.data() + 20 + wire::l4::source_port);
    const std::string public_address = to_string(Ipv4Address{wire::load32(uplink[0].ip.data() + wire::ipv4::source)});

    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    const std::string b4 = "\"b4\":\"" + to_string(net::b4_a) + "\"";
    ASSERT_EQ(lines.size(), 6u) << "subscriber and binding created, both removed at 301 s, both created again";
    EXPECT_EQ(lines[0], "{\"time\":\"2023-11-14T22:13:20.000Z\",\"event\":\"subscriber_created\"," + b4 +
                            ",\"subscriber\":\"2001:db8:a::/56\",\"public_address\":\"" + public_address + "\"}");
    EXPECT_EQ(lines[1], "{\"time\":\"2023-11-14T22:13:20.000Z\",\"event\":\"binding_created\"," + b4 +
                            ",\"subscriber\":\"2001:db8:a::/56\",\"protocol\":\"udp\",\"inside_address\":\"" +
                            to_string(net::host) + "\",\"inside_port\":5000,\"public_address\":\"" + public_address +
                            "\",\"public_port\":" + std::to_string(first_port) + "}");
    EXPECT_NE(
        lines[2].find("\"time\":\"2023-11-14T22:18:21.000Z\",\"event\":\"binding_removed\",\"reason\":\"timeout\""),
        std::string::npos)
        << lines[2];
    EXPECT_NE(lines[2].find("\"public_port\":" + std::to_string(first_port)), std::string::npos) << lines[2];
    EXPECT_NE(lines[3].find("\"event\":\"subscriber_removed\""), std::string::npos) << lines[3];
    EXPECT_NE(lines[5].find("\"inside_port\":5001"), std::string::npos) << lines[5];
    for (const std::string& line : lines) {
        EXPECT_EQ(line.find(to_string(net::server1)), std::string::npos) << "a destination in " << line;
        EXPECT_EQ(line.find(":53"), std::string::npos) << line;
    }
}

TEST_F(Replay, WithPortBlocksTheLogHasABlocksRecordsInsteadOfItsBindings) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart},
                 {softwire(udp4(net::host, 5002, net::server1, 53)), kStart + 1s},
                 {softwire(udp4(net::host, 5001, net::server1, 53)), kStart + 1000s}});
    config_.port_block_size = 256;
    const std::string log = path("blocks.json");
    out_.str("");
    ASSERT_EQ(run_replay(settings_, {daemon::FileSinkSpec{log}}, config_, out_, err_), 0) << err_.str();
    auto uplink = read(settings_.out_uplink);
    ASSERT_EQ(uplink.size(), 3u);
    const std::uint16_t port = wire::load16(uplink[0].ip.data() + 20 + wire::l4::source_port);
    const std::uint16_t start = static_cast<std::uint16_t>(config_.port_min + (port - config_.port_min) / 256 * 256);

    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    ASSERT_EQ(lines.size(), 6u) << "subscriber and block, both released 120 s after 301 s, both again";
    const std::string block =
        "\"port_range_start\":" + std::to_string(start) + ",\"port_range_end\":" + std::to_string(start + 255) + "}";
    EXPECT_NE(lines[1].find("{\"time\":\"2023-11-14T22:13:20.000Z\",\"event\":\"port_block_allocated\""),
              std::string::npos)
        << lines[1];
    EXPECT_NE(lines[1].find(block), std::string::npos) << lines[1];
    // The second binding (at 1 s) kept the block until 302 + 120 s.
    EXPECT_NE(lines[2].find("{\"time\":\"2023-11-14T22:20:22.000Z\",\"event\":\"port_block_released\""),
              std::string::npos)
        << lines[2];
    EXPECT_NE(lines[2].find(block), std::string::npos) << lines[2];
    EXPECT_NE(lines[3].find("\"event\":\"subscriber_removed\""), std::string::npos) << lines[3];
    EXPECT_NE(lines[5].find("\"event\":\"port_block_allocated\""), std::string::npos) << lines[5];
    for (const std::string& line : lines) EXPECT_EQ(line.find("binding_"), std::string::npos) << line;
}

TEST_F(Replay, RefusesABindingLogItCannotOpen) {
    write_input({{softwire(udp4(net::host, 5000, net::server1, 53)), kStart}});
    EXPECT_EQ(run_replay(settings_, {daemon::FileSinkSpec{path("no/such/dir/log.json")}}, config_, out_, err_), 2);
    EXPECT_NE(err_.str().find("log-bindings: cannot open"), std::string::npos) << err_.str();
}

}  // namespace
}  // namespace dslite::app
