// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/capture_device.hpp"

#include <gtest/gtest.h>

#include "platform/device_factory.hpp"
#include "test_packets.hpp"

namespace dslite::platform {
namespace {

using namespace std::chrono_literals;
using test::Bytes;

std::string temp(const char* name) {
    return ::testing::TempDir() + "dslite_capture_device_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" + name;
}

TEST(CaptureDevice, ReplaysInputAndRecordsOutput) {
    const std::string in = temp("in.pcap");
    const std::string out = temp("out.pcap");
    const Bytes p1 = test::ipv4_udp(test::v4("198.51.100.1"), 53, test::v4("192.0.2.7"), 4000, test::bytes_of("a"));
    const Bytes p2 = test::ipv6(test::v6("2001:db8:a::2"), test::v6("2001:db8:ff::1"), 4, p1);
    const Bytes p3 = test::ipv4_udp(test::v4("198.51.100.1"), 53, test::v4("192.0.2.7"), 4001, test::bytes_of("bb"));
    {
        auto writer = std::get<CaptureWriter>(CaptureWriter::create(in));
        writer.write(p1, 1s);
        writer.write(p2, 2s);
        writer.write(p3, 3s + 250us);
        ASSERT_FALSE(writer.flush());
    }

    auto made = make_device("uplink-device", "pcap:" + in + "," + out, {});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Device>>(made)) << std::get<std::string>(made);
    auto& device = dynamic_cast<CaptureDevice&>(*std::get<std::unique_ptr<Device>>(made));
    EXPECT_EQ(device.wait_handle(), -1);

    PacketBuffer b[2];
    Packet slots[2] = {b[0].packet(kMaxPacket), b[1].packet(kMaxPacket)};
    ASSERT_EQ(device.read_burst(slots), 2u);
    EXPECT_EQ(Bytes(slots[0].bytes().begin(), slots[0].bytes().end()), p1);
    EXPECT_EQ(Bytes(slots[1].bytes().begin(), slots[1].bytes().end()), p2);
    EXPECT_EQ(slots[1].headroom(), kHeadroom);
    EXPECT_FALSE(device.at_end());
    EXPECT_EQ(device.write_burst({&slots[0], 1}), 1u);  // stamped 2s: the last packet read

    slots[0] = b[0].packet(kMaxPacket);
    ASSERT_EQ(device.read_burst(slots), 1u);
    EXPECT_EQ(Bytes(slots[0].bytes().begin(), slots[0].bytes().end()), p3);
    EXPECT_EQ(device.last_timestamp(), 3s + 250us);
    EXPECT_EQ(device.write_burst({&slots[0], 1}), 1u);
    EXPECT_EQ(device.read_burst(slots), 0u);
    EXPECT_TRUE(device.at_end());
    EXPECT_FALSE(device.error());
    ASSERT_FALSE(device.flush());

    auto reader = std::get<CaptureReader>(CaptureReader::open(out));
    auto first = reader.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(Bytes(first->ip.begin(), first->ip.end()), p1);
    EXPECT_EQ(first->timestamp, 2s);
    auto second = reader.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(Bytes(second->ip.begin(), second->ip.end()), p3);
    EXPECT_EQ(second->timestamp, 3s + 250us);
    EXPECT_FALSE(reader.next());
}

TEST(CaptureDevice, WithoutOutputWritesAreCountedAndDropped) {
    const std::string in = temp("in.pcap");
    const Bytes p = test::ipv4_udp(test::v4("198.51.100.1"), 53, test::v4("192.0.2.7"), 4000, test::bytes_of("a"));
    {
        auto writer = std::get<CaptureWriter>(CaptureWriter::create(in));
        writer.write(p, 1s);
    }
    auto made = make_device("uplink-device", "pcap:" + in, {});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Device>>(made)) << std::get<std::string>(made);
    auto& device = dynamic_cast<CaptureDevice&>(*std::get<std::unique_ptr<Device>>(made));
    Bytes copy = p;
    Packet packet(copy, 0, copy.size());
    EXPECT_EQ(device.write_burst({&packet, 1}), 0u);
    EXPECT_EQ(device.stats().tx_dropped, 1u);
}

}  // namespace
}  // namespace dslite::platform
