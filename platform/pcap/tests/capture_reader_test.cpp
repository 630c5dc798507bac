// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/capture_reader.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "capture_files.hpp"

namespace dslite {
namespace {

using namespace std::chrono_literals;
using test::Bytes;

CaptureReader open_or_fail(const std::string& path) {
    auto opened = CaptureReader::open(path);
    if (auto* error = std::get_if<std::string>(&opened)) ADD_FAILURE() << *error;
    return std::get<CaptureReader>(std::move(opened));
}

Bytes as_vector(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

TEST(CaptureReader, ReadsRawCaptureWithTimestamps) {
    const Bytes v4 = test::ipv4_packet(12);
    const Bytes v6 = test::ipv6_packet(v4);
    const auto path = test::temp_path("raw.pcap");
    test::write_capture(path, 12, {{v6, 1'700'000'000'123'456us}, {v4, 1'700'000'001'000'001us}});

    auto reader = open_or_fail(path);
    EXPECT_EQ(reader.link_type(), 12);
    auto first = reader.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(as_vector(first->ip), v6);
    EXPECT_EQ(first->timestamp, 1'700'000'000'123'456us);
    EXPECT_FALSE(first->truncated);
    auto second = reader.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(as_vector(second->ip), v4);
    EXPECT_EQ(second->timestamp, 1'700'000'001'000'001us);
    EXPECT_FALSE(reader.next());
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.error(), "");
    EXPECT_EQ(reader.frames(), 2u);
    EXPECT_EQ(reader.skipped(), 0u);
    std::filesystem::remove(path);
}

TEST(CaptureReader, ReadsEthernetSkippingNonIpFrames) {
    const Bytes v4 = test::ipv4_packet(1);
    const Bytes v6 = test::ipv6_packet(test::ipv4_packet(300));
    const auto path = test::temp_path("ether.pcap");
    test::write_capture(path, 1,
                        {{test::ethernet_frame(0x0806, Bytes(28, 1)), 1s},  // ARP
                         {test::ethernet_frame(0x0800, v4), 2s},
                         {test::ethernet_frame(0x88cc, Bytes(50, 2)), 3s},  // LLDP
                         {test::ethernet_frame(0x86dd, v6, true), 4s}});

    auto reader = open_or_fail(path);
    auto first = reader.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(as_vector(first->ip), v4);  // padding gone
    EXPECT_EQ(first->timestamp, 2s);
    auto second = reader.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(as_vector(second->ip), v6);
    EXPECT_EQ(second->timestamp, 4s);
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.error(), "");
    EXPECT_EQ(reader.frames(), 4u);
    EXPECT_EQ(reader.skipped(), 2u);
    std::filesystem::remove(path);
}

TEST(CaptureReader, ReadsIpv4AndIpv6LinkTypes) {
    const Bytes v4 = test::ipv4_packet(7);
    const auto path4 = test::temp_path("v4.pcap");
    const auto path6 = test::temp_path("v6.pcap");
    test::write_capture(path4, 228, {{v4, 5us}});
    test::write_capture(path6, 229, {{test::ipv6_packet(v4), 6us}});
    auto r4 = open_or_fail(path4);
    auto p = r4.next();
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(p->ip), v4);
    auto r6 = open_or_fail(path6);
    p = r6.next();
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(p->ip), test::ipv6_packet(v4));
    EXPECT_EQ(p->timestamp, 6us);
    std::filesystem::remove(path4);
    std::filesystem::remove(path6);
}

TEST(CaptureReader, NanosecondCapturesAreReadInMicroseconds) {
    const auto path = test::temp_path("nano.pcap");
    test::write_capture(path, 12, {{test::ipv4_packet(1), 1'000'000'123'456us}}, PCAP_TSTAMP_PRECISION_NANO);
    auto reader = open_or_fail(path);
    auto p = reader.next();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->timestamp, 1'000'000'123'456us);
    std::filesystem::remove(path);
}

TEST(CaptureReader, FlagsPacketsCutShortBySnapLength) {
    const Bytes v4 = test::ipv4_packet(100);
    const Bytes cut(v4.begin(), v4.begin() + 40);
    const auto path = test::temp_path("cut.pcap");
    test::write_capture(path, 12, {{cut, 1s, v4.size()}});
    auto reader = open_or_fail(path);
    auto p = reader.next();
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->truncated);
    EXPECT_EQ(p->ip.size(), 40u);
    std::filesystem::remove(path);
}

TEST(CaptureReader, MissingFileIsAnErrorNamingIt) {
    const auto path = test::temp_path("does-not-exist.pcap");
    auto opened = CaptureReader::open(path);
    auto* error = std::get_if<std::string>(&opened);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->find(path), std::string::npos) << *error;
}

TEST(CaptureReader, NotACaptureIsAnError) {
    const auto path = test::temp_path("text.pcap");
    {
        std::ofstream out(path);
        out << "this is not a capture file, just some words\n";
    }
    auto opened = CaptureReader::open(path);
    auto* error = std::get_if<std::string>(&opened);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->find(path), std::string::npos) << *error;
    std::filesystem::remove(path);
}

TEST(CaptureReader, UnsupportedLinkTypeIsAnError) {
    const auto path = test::temp_path("wifi.pcap");
    test::write_capture(path, 105, {{Bytes(30, 0), 1s}});  // 802.11
    auto opened = CaptureReader::open(path);
    auto* error = std::get_if<std::string>(&opened);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->find("link type 105"), std::string::npos) << *error;
    std::filesystem::remove(path);
}

TEST(CaptureReader, TruncatedFileStopsWithAnError) {
    const auto path = test::temp_path("short.pcap");
    test::write_capture(path, 12, {{test::ipv4_packet(10), 1s}, {test::ipv4_packet(200), 2s}});
    std::filesystem::resize_file(path, std::filesystem::file_size(path) - 50);  // cut the second packet
    auto reader = open_or_fail(path);
    EXPECT_TRUE(reader.next());
    EXPECT_FALSE(reader.next());
    EXPECT_NE(reader.error(), "");
    EXPECT_FALSE(reader.next());
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace dslite
