// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl capture, the daemon's part: the pcapng writer (read back by
// Debian's tshark and tcpdump), the filter, the forwarder's tap (both sides,
// nothing else, a full ring never costing a forwarded packet) and the
// session streaming over a socket.
#include <gtest/gtest.h>

#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "capture_filter.hpp"
#include "capture_session.hpp"
#include "capture_tap.hpp"
#include "forwarder.hpp"
#include "lab_packets.hpp"
#include "pcapng.hpp"
#include "platform/fake_device.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::daemon {
namespace {

using namespace lab;
using platform::FakeDevice;

std::string run(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return "popen failed";
    std::string said;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) said += buffer;
    const int status = ::pclose(pipe);
    if (status != 0) said += "[exit " + std::to_string(status) + "]";
    return said;
}

struct TempFile {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("dslite-capture-" + std::to_string(::getpid()) + ".pcapng");
    ~TempFile() { std::filesystem::remove(path); }
};

TEST(Pcapng, TsharkAndTcpdumpReadWhatItWrites) {
    const Bytes six = softwire_udp(net::b4_a, 5000, "hello");
    const Bytes four = uplink_udp(net::pool, 1234, "answer");
    pcapng::Bytes out;
    pcapng::section_header(out, "dslite-aftr test");
    pcapng::interface_description(out, "b4", "B4 side: tun-b4", 0);
    pcapng::interface_description(out, "uplink", "uplink side: tun-up", 0);
    pcapng::enhanced_packet(out, 0, 1'700'000'000'123'456, static_cast<std::uint32_t>(six.size()), six);
    pcapng::enhanced_packet(out, 1, 1'700'000'000'223'456, static_cast<std::uint32_t>(four.size() + 10),
                            std::span(four).first(30));  // cut, as by --snaplen 30
    pcapng::interface_statistics(out, 0, 1'700'000'001'000'000, 7);
    pcapng::interface_statistics(out, 1, 1'700'000'001'000'000, 0);
    TempFile file;
    std::ofstream(file.path, std::ios::binary)
        .write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size()));

    const std::string fields =
        run("tshark -r '" + file.path.string() +
            "' -T fields -E separator=, -e frame.interface_name -e frame.time_epoch -e ipv6.src -e ip.src -e ip.dst"
            " -e udp.dstport -e frame.len -e frame.cap_len 2>/dev/null");
    EXPECT_EQ(fields, "b4,1700000000.123456000,2001:db8:a::2,10.0.0.1,203.0.113.10,7," + std::to_string(six.size()) +
                          "," + std::to_string(six.size()) + "\n" +
                          "uplink,1700000000.223456000,,203.0.113.10,198.51.100.1,1234," +
                          std::to_string(four.size() + 10) + ",30\n");
    const std::string dump = run("tcpdump -n -tt -r '" + file.path.string() + "' 2>&1");
    EXPECT_NE(
        dump.find("1700000000.123456 IP6 2001:db8:a::2 > 2001:db8:0:1::1: IP 10.0.0.1.5000 > 203.0.113.10.7: UDP"),
        std::string::npos)
        << dump;
    EXPECT_NE(dump.find("1700000000.223456 IP 203.0.113.10.7 > 198.51.100.1.1234: UDP"), std::string::npos) << dump;
    // The statistics block's drops, as capinfos (Wireshark's) reads them.
    const std::string info = run("capinfos -M '" + file.path.string() + "' 2>&1");
    EXPECT_NE(info.find("Number of interfaces in file: 2"), std::string::npos) << info;
    EXPECT_NE(info.find("Number of packets:   2"), std::string::npos) << info;

    // What dslite-ctl reads of it: whole blocks, the drops.
    std::size_t at = 0, blocks = 0;
    std::uint64_t dropped = 0;
    while (auto length = pcapng::complete_block(std::span(out).subspan(at))) {
        const auto block = std::span<const std::uint8_t>(out).subspan(at, *length);
        EXPECT_TRUE(pcapng::well_formed(block));
        if (auto d = pcapng::interface_drops(block)) dropped += *d;
        at += *length;
        ++blocks;
    }
    EXPECT_EQ(at, out.size());
    EXPECT_EQ(blocks, 7u);
    EXPECT_EQ(dropped, 7u);
    EXPECT_FALSE(pcapng::complete_block(std::span(out).first(11))) << "the section header cut";
}

TEST(CaptureFilter, ParsesAndRefusesNamingTheOption) {
    const auto ok = [](std::string_view line) { return std::get<CaptureRequest>(parse_capture_line(line)); };
    const auto refused = [](std::string_view line) { return std::get<std::string>(parse_capture_line(line)); };
    const CaptureRequest all = ok("capture");
    EXPECT_EQ(all.filter.wanted(), 0u);
    EXPECT_EQ(all.count, 0u);
    const CaptureRequest r = ok("capture --b4 2001:db8:a::/56 --public 198.51.100.1:40000 --count 10 --snaplen 96");
    EXPECT_EQ(r.filter.b4, parse_ipv6_prefix("2001:db8:a::/56"));
    EXPECT_EQ(r.filter.public_address, parse_ipv4("198.51.100.1"));
    EXPECT_EQ(r.filter.public_port, 40000);
    EXPECT_EQ(r.count, 10u);
    EXPECT_EQ(r.snaplen, 96u);
    EXPECT_EQ(ok("capture --public 198.51.100.1").filter.public_port, std::nullopt);
    EXPECT_EQ(refused("capture --b4 10.0.0.1"), "--b4: '10.0.0.1' is not an IPv6 address or prefix");
    EXPECT_EQ(refused("capture --public 198.51.100.1:0"),
              "--public: '198.51.100.1:0' has no port 1-65535 after the colon");
    EXPECT_EQ(refused("capture --public ::1"), "--public: '::1' is not an IPv4 address or ADDR:PORT");
    EXPECT_EQ(refused("capture --count 0"), "--count: '0' is not a count of packets (1 or more)");
    EXPECT_EQ(refused("capture --snaplen 70000"), "--snaplen: '70000' is not a length of 1-65535 bytes");
    EXPECT_EQ(refused("capture --count"), "--count: needs a value");
    EXPECT_EQ(refused("capture --count 1 --count 2"), "--count: given twice");
    EXPECT_EQ(refused("capture --protocol udp"),
              "'--protocol' is not a capture option (--b4, --public, --count, --snaplen)");
    EXPECT_FALSE(is_capture_line("stats"));
    EXPECT_TRUE(is_capture_line(" capture --count 1"));
}

TEST(CaptureFilter, MeetsOnEitherAddressAndPortAndInsideSoftwires) {
    CaptureFilter f;
    f.b4 = parse_ipv6_prefix("2001:db8:a::/56");
    f.public_address = net::pool;
    const Bytes from_a = softwire_udp(net::b4_a, 5000, "x");
    EXPECT_EQ(f.met(from_a), CaptureFilter::kB4);
    EXPECT_EQ(f.met(softwire_udp(net::b4_b, 5000, "x")), 0u);
    EXPECT_EQ(f.met(softwire(Ipv6Header{net::aftr, net::b4_a2}, uplink_udp(net::host, 5000, "x"))), CaptureFilter::kB4)
        << "the B4 as destination";
    EXPECT_EQ(f.met(uplink_udp(net::pool, 4000, "x")), CaptureFilter::kPublic);
    EXPECT_EQ(f.met(ipv4_udp(Ipv4Header{net::pool, net::server1}, UdpDatagram{4000, 7, text_bytes("x")})),
              CaptureFilter::kPublic);
    EXPECT_EQ(f.met(uplink_udp(net::server2, 4000, "x")), 0u);
    // A hairpin to the public end: the inner destination.
    EXPECT_EQ(f.met(softwire(Ipv6Header{net::b4_b, net::aftr},
                             ipv4_udp(Ipv4Header{net::host, net::pool}, UdpDatagram{1, 4000, text_bytes("x")}))),
              CaptureFilter::kPublic);
    f.public_port = 4000;
    EXPECT_EQ(f.met(uplink_udp(net::pool, 4000, "x")), CaptureFilter::kPublic);
    EXPECT_EQ(f.met(uplink_udp(net::pool, 4001, "x")), 0u);
    EXPECT_EQ(f.met(ipv4_icmp(Ipv4Header{net::server1, net::pool}, IcmpMessage{0, 0, 4000, 1, {}})),
              CaptureFilter::kPublic)
        << "an echo reply's identifier is its port";
    EXPECT_EQ(f.met(Bytes{}), 0u);
    EXPECT_EQ(f.met(Bytes{0x45, 0}), 0u) << "too short to look at";
}

// The whole blocks after the answer line of a capture's stream.
std::vector<std::span<const std::uint8_t>> blocks_after_answer(const std::vector<std::uint8_t>& stream) {
    std::vector<std::span<const std::uint8_t>> out;
    const auto newline = std::find(stream.begin(), stream.end(), '\n');
    if (newline == stream.end()) return out;
    std::span<const std::uint8_t> rest(stream.data() + (newline - stream.begin()) + 1, stream.end() - newline - 1);
    while (const auto length = pcapng::complete_block(rest)) {
        out.push_back(rest.first(*length));
        rest = rest.subspan(*length);
    }
    return out;
}

// What one tap captured: side, and the decoded packet.
struct Captured {
    Side side;
    Bytes bytes;
    std::uint32_t length;
};
std::vector<Captured> popped(CaptureTap& tap) {
    std::vector<Captured> out;
    tap.pop(1000, [&](Side side, std::uint64_t, std::uint32_t length, std::span<const std::uint8_t> bytes) {
        out.push_back({side, Bytes(bytes.begin(), bytes.end()), length});
    });
    return out;
}

TEST(ForwarderCapture, BothSidesOfTheMatchingSubscriberAndNothingElse) {
    Engine engine(lab_config());
    FakeDevice b4("b4"), uplink("uplink");
    Forwarder forwarder(engine, b4, uplink);
    CaptureFilter filter;
    filter.b4 = parse_ipv6_prefix("2001:db8:a::2");
    CaptureTap tap(filter, 0, 1 << 16);
    forwarder.set_capture(&tap);

    b4.push(softwire_udp(net::b4_a, 5000, "from a"));
    b4.push(softwire_udp(net::b4_b, 5000, "from b"));
    ASSERT_EQ(forwarder.pump(b4, Time{}), 2u);
    ASSERT_EQ(uplink.written().size(), 2u);
    const Decoded a_out = decode(uplink.written()[0]), b_out = decode(uplink.written()[1]);
    ASSERT_TRUE(a_out.ipv4 && b_out.ipv4);

    auto got = popped(tap);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].side, Side::b4);
    EXPECT_EQ(got[0].bytes, softwire_udp(net::b4_a, 5000, "from a")) << "as it came, before the engine rewrote it";
    EXPECT_EQ(got[1].side, Side::uplink);
    EXPECT_EQ(got[1].bytes, uplink.written()[0]) << "as it left";
    EXPECT_TRUE(net::pool_prefix.contains(decode(got[1].bytes).ipv4->source));

    // The answers: to A's public end captured on both sides, to B's not.
    uplink.push(uplink_udp(a_out.ipv4->source, a_out.ipv4->l4.source_port, "to a"));
    uplink.push(uplink_udp(b_out.ipv4->source, b_out.ipv4->l4.source_port, "to b"));
    ASSERT_EQ(forwarder.pump(uplink, Time{}), 2u);
    ASSERT_EQ(b4.written().size(), 2u);
    got = popped(tap);
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0].side, Side::uplink);
    EXPECT_EQ(decode(got[0].bytes).ipv4->l4.payload_text(), "to a");
    EXPECT_EQ(got[1].side, Side::b4);
    EXPECT_EQ(got[1].bytes, b4.written()[0]);
    EXPECT_EQ(decode(got[1].bytes).ipv6->destination, net::b4_a);
    EXPECT_EQ(tap.counts().packets, 4u);

    // Dropped by the engine: the packet as it came, on its side only.
    uplink.push(uplink_udp(net::pool, 999, "nobody's"));
    filter = {};
    CaptureTap everything(filter, 0, 1 << 16);
    forwarder.set_capture(&everything);
    forwarder.pump(uplink, Time{});
    got = popped(everything);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].side, Side::uplink);

    // Let go: nothing more captured.
    forwarder.set_capture(nullptr);
    b4.push(softwire_udp(net::b4_a, 5000, "unseen"));
    forwarder.pump(b4, Time{});
    EXPECT_TRUE(popped(tap).empty());
    EXPECT_TRUE(popped(everything).empty());
}

TEST(ForwarderCapture, PublicFilterTakesTheSoftwireSideTooAndSnaplenCuts) {
    Engine engine(lab_config());
    FakeDevice b4("b4"), uplink("uplink");
    Forwarder forwarder(engine, b4, uplink);
    b4.push(softwire_udp(net::b4_a, 5000, "open"));
    forwarder.pump(b4, Time{});
    const Decoded opened = decode(uplink.written().at(0));
    CaptureFilter filter;
    filter.public_address = opened.ipv4->source;
    filter.public_port = opened.ipv4->l4.source_port;
    CaptureTap tap(filter, 48, 1 << 16);
    forwarder.set_capture(&tap);
    const Bytes sent = softwire_udp(net::b4_a, 5000, "a longer payload than the snap length keeps");
    b4.push(sent);
    b4.push(softwire_udp(net::b4_a, 5001, "another binding"));
    forwarder.pump(b4, Time{});
    const auto got = popped(tap);
    ASSERT_EQ(got.size(), 2u) << "the binding's packet on both sides, the other binding's not";
    EXPECT_EQ(got[0].side, Side::b4);
    EXPECT_EQ(got[0].bytes, Bytes(sent.begin(), sent.begin() + 48));
    EXPECT_EQ(got[0].length, sent.size());
    EXPECT_EQ(got[1].side, Side::uplink);
    EXPECT_EQ(got[1].bytes.size(), 48u);
    EXPECT_EQ(got[1].length, sent.size() - 40);
}

TEST(ForwarderCapture, AFullRingDropsCapturedCopiesNeverForwardedPackets) {
    Engine engine(lab_config());
    FakeDevice b4("b4"), uplink("uplink");
    Forwarder forwarder(engine, b4, uplink);
    CaptureTap tap(CaptureFilter{}, 0, 1024);  // a few packets' room
    forwarder.set_capture(&tap);
    for (int i = 0; i < 40; ++i) b4.push(softwire_udp(net::b4_a, static_cast<std::uint16_t>(5000 + i), "x"));
    ASSERT_EQ(forwarder.pump(b4, Time{}), 40u);
    EXPECT_EQ(uplink.written().size(), 40u) << "every packet forwarded";
    EXPECT_EQ(forwarder.stats().uplink_write_refused, 0u);
    const auto& counts = tap.counts();
    EXPECT_GT(counts.packets, 0u);
    EXPECT_GT(counts.total_dropped(), 0u);
    EXPECT_EQ(counts.packets + counts.total_dropped(), 80u) << "each packet twice: as it came, as it left";
    EXPECT_EQ(popped(tap).size(), counts.packets);
}

// The session over a socket pair: the answer line, the section and its two
// interfaces, --count packets, the statistics, the end; one at a time.
TEST(CaptureSession, StreamsCountPacketsThenStatisticsAndRefusesASecond) {
    asio::io_context io;
    CaptureTap* attached = nullptr;
    int attaches = 0;
    CaptureService service(io, {[&](CaptureTap* tap) {
                               attached = tap;
                               ++attaches;
                           }},
                           "tun-b4", "tun-up");
    CaptureService::Socket ours(io), theirs(io);
    asio::local::connect_pair(ours, theirs);
    ASSERT_TRUE(service.take("capture --count 3", theirs));
    ASSERT_NE(attached, nullptr);
    EXPECT_TRUE(service.running());
    EXPECT_FALSE(service.take("stats", theirs)) << "left to the control server";

    CaptureService::Socket other(io), other_theirs(io);
    asio::local::connect_pair(other, other_theirs);
    ASSERT_TRUE(service.take("capture", other_theirs));
    io.run_for(std::chrono::milliseconds(50));
    asio::streambuf refusal;
    asio::read_until(other, refusal, '\n');
    EXPECT_EQ(std::string(asio::buffers_begin(refusal.data()), asio::buffers_end(refusal.data())),
              "{\"error\":\"capture: another capture is running (one at a time)\"}\n");

    // Five packets captured, three written.
    for (int i = 0; i < 5; ++i) attached->take_emitted(Side::uplink, uplink_udp(net::pool, 1000, "x"));
    io.run_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(service.running());
    EXPECT_EQ(attached, nullptr) << "the forwarder let go";
    EXPECT_EQ(attaches, 2);
    std::vector<std::uint8_t> stream;
    boost::system::error_code e;
    asio::read(ours, asio::dynamic_buffer(stream), e);
    EXPECT_EQ(e, asio::error::eof);
    const auto newline = std::find(stream.begin(), stream.end(), '\n');
    ASSERT_NE(newline, stream.end());
    EXPECT_EQ(std::string(stream.begin(), newline), "{\"capture\":\"started\"}");
    std::vector<std::uint32_t> types;
    for (const auto block : blocks_after_answer(stream)) types.push_back(pcapng::block_type(block));
    EXPECT_EQ(types, (std::vector<std::uint32_t>{pcapng::kSectionHeader, pcapng::kInterfaceDescription,
                                                 pcapng::kInterfaceDescription, pcapng::kEnhancedPacket,
                                                 pcapng::kEnhancedPacket, pcapng::kEnhancedPacket,
                                                 pcapng::kInterfaceStatistics, pcapng::kInterfaceStatistics}));

    // A refused filter: the error, the connection closed.
    CaptureService::Socket bad(io), bad_theirs(io);
    asio::local::connect_pair(bad, bad_theirs);
    ASSERT_TRUE(service.take("capture --b4 nonsense", bad_theirs));
    io.restart();
    io.run_for(std::chrono::milliseconds(50));
    std::string answer;
    asio::read(bad, asio::dynamic_buffer(answer), e);
    EXPECT_EQ(answer, "{\"error\":\"capture: --b4: 'nonsense' is not an IPv6 address or prefix\"}\n");
}

TEST(CaptureSession, TheClientHalfClosingEndsItWithTheDrops) {
    asio::io_context io;
    CaptureTap* attached = nullptr;
    CaptureService service(io, {[&](CaptureTap* tap) { attached = tap; }}, "b", "u");
    CaptureService::Socket ours(io), theirs(io);
    asio::local::connect_pair(ours, theirs);
    ASSERT_TRUE(service.take("capture", theirs));
    attached->take_emitted(Side::b4, softwire_udp(net::b4_a, 1, "x"));
    io.run_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(service.running());
    ours.shutdown(CaptureService::Socket::shutdown_send);
    io.run_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(service.running());
    std::vector<std::uint8_t> stream;
    boost::system::error_code e;
    asio::read(ours, asio::dynamic_buffer(stream), e);
    EXPECT_EQ(e, asio::error::eof);
    std::size_t packets = 0, statistics = 0;
    for (const auto block : blocks_after_answer(stream)) {
        packets += pcapng::block_type(block) == pcapng::kEnhancedPacket;
        statistics += pcapng::interface_drops(block).has_value();
    }
    EXPECT_EQ(packets, 1u);
    EXPECT_EQ(statistics, 2u);
}

}  // namespace
}  // namespace dslite::daemon
