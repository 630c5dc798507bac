// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/capture_writer.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "capture_files.hpp"
#include "pcap/capture_reader.hpp"

namespace dslite {
namespace {

using namespace std::chrono_literals;
using test::Bytes;

std::uint32_t le32(const Bytes& b, std::size_t at) {
    return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
           std::uint32_t{b[at + 3]} << 24;
}

TEST(CaptureWriter, WritesLinktypeRawWithSnapLength65535) {
    const auto path = test::temp_path("out.pcap");
    {
        auto created = CaptureWriter::create(path);
        ASSERT_TRUE(std::holds_alternative<CaptureWriter>(created)) << std::get<std::string>(created);
        auto& writer = std::get<CaptureWriter>(created);
        writer.write(test::ipv4_packet(4), 1'234'567us);
        EXPECT_EQ(writer.flush(), std::nullopt);
        EXPECT_EQ(writer.packets(), 1u);
    }
    const Bytes file = test::file_bytes(path);
    ASSERT_GE(file.size(), 24u + 16u + 32u);
    EXPECT_EQ(le32(file, 0), 0xa1b2c3d4u);  // microsecond pcap
    EXPECT_EQ(le32(file, 16), 65535u);      // snap length
    EXPECT_EQ(le32(file, 20), 101u);        // LINKTYPE_RAW
    EXPECT_EQ(le32(file, 24), 1u);          // seconds
    EXPECT_EQ(le32(file, 28), 234567u);     // microseconds
    EXPECT_EQ(le32(file, 32), 32u);         // captured length
    std::filesystem::remove(path);
}

TEST(CaptureWriter, RoundTripsThroughTheReader) {
    const auto path = test::temp_path("round.pcap");
    std::vector<test::Frame> packets;
    for (int i = 0; i < 50; ++i) {
        Bytes p = test::ipv4_packet(static_cast<std::size_t>(i * 37), static_cast<std::uint8_t>(i));
        if (i % 2) p = test::ipv6_packet(p);
        packets.push_back({p, std::chrono::microseconds(1'600'000'000'000'000 + i * 999'999)});
    }
    {
        auto created = CaptureWriter::create(path);
        ASSERT_TRUE(std::holds_alternative<CaptureWriter>(created));
        auto& writer = std::get<CaptureWriter>(created);
        for (const auto& p : packets) writer.write(p.bytes, p.timestamp);
    }  // closing flushes
    auto opened = CaptureReader::open(path);
    ASSERT_TRUE(std::holds_alternative<CaptureReader>(opened)) << std::get<std::string>(opened);
    auto& reader = std::get<CaptureReader>(opened);
    for (const auto& expected : packets) {
        auto p = reader.next();
        ASSERT_TRUE(p);
        EXPECT_EQ(Bytes(p->ip.begin(), p->ip.end()), expected.bytes);
        EXPECT_EQ(p->timestamp, expected.timestamp);
    }
    EXPECT_FALSE(reader.next());
    EXPECT_EQ(reader.error(), "");
    EXPECT_EQ(reader.skipped(), 0u);
    std::filesystem::remove(path);
}

TEST(CaptureWriter, LongerThanSnapLengthIsCutWithItsLengthKept) {
    const auto path = test::temp_path("big.pcap");
    const Bytes big = test::ipv6_packet(test::ipv4_packet(65535 - 28));  // 65575 bytes
    {
        auto created = CaptureWriter::create(path);
        ASSERT_TRUE(std::holds_alternative<CaptureWriter>(created));
        std::get<CaptureWriter>(created).write(big, 1s);
    }
    const Bytes file = test::file_bytes(path);
    ASSERT_EQ(file.size(), 24u + 16u + 65535u);
    EXPECT_EQ(le32(file, 32), 65535u);
    EXPECT_EQ(le32(file, 36), big.size());
    auto opened = CaptureReader::open(path);
    ASSERT_TRUE(std::holds_alternative<CaptureReader>(opened));
    auto p = std::get<CaptureReader>(opened).next();
    ASSERT_TRUE(p);
    EXPECT_TRUE(p->truncated);
    std::filesystem::remove(path);
}

TEST(CaptureWriter, UnwritablePathIsAnErrorNamingIt) {
    const std::string path = test::temp_path("no-such-dir") + "/out.pcap";
    auto created = CaptureWriter::create(path);
    auto* error = std::get_if<std::string>(&created);
    ASSERT_NE(error, nullptr);
    EXPECT_NE(error->find(path), std::string::npos) << *error;
}

}  // namespace
}  // namespace dslite
