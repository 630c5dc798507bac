// SPDX-License-Identifier: BSD-2-Clause
#include "platform/fake_device.hpp"

#include <gtest/gtest.h>

#include "wait_readable.hpp"

namespace dslite::platform {
namespace {

TEST(FakeDevice, LiveHandlePollsWhileQueued) {
    FakeDevice device("fake", FakeDevice::Kind::live);
    ASSERT_GE(device.wait_handle(), 0);
    EXPECT_FALSE(test::wait_readable(device.wait_handle(), 0));
    device.push({0x45, 1, 2});
    device.push({0x60, 3});
    EXPECT_TRUE(test::wait_readable(device.wait_handle(), 0));

    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    ASSERT_EQ(device.read_burst({&slot, 1}), 1u);
    EXPECT_EQ(slot.size(), 3u);
    EXPECT_EQ(slot.data()[0], 0x45);
    EXPECT_TRUE(test::wait_readable(device.wait_handle(), 0));  // one still queued
    slot = buffer.packet(kMaxPacket);
    ASSERT_EQ(device.read_burst({&slot, 1}), 1u);
    EXPECT_EQ(slot.size(), 2u);
    EXPECT_FALSE(test::wait_readable(device.wait_handle(), 0));
    EXPECT_FALSE(device.at_end());  // live devices never end
}

TEST(FakeDevice, CaptureEndsWhenDrainedAndWritesAreRecorded) {
    FakeDevice device("capture", FakeDevice::Kind::capture);
    EXPECT_EQ(device.wait_handle(), -1);
    device.push({1, 2, 3});
    EXPECT_FALSE(device.at_end());
    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    ASSERT_EQ(device.read_burst({&slot, 1}), 1u);
    EXPECT_TRUE(device.at_end());

    device.limit_writes(1);
    Packet two[2] = {slot, slot};
    EXPECT_EQ(device.write_burst(two), 1u);
    EXPECT_EQ(device.refused(), 1u);
    ASSERT_EQ(device.written().size(), 1u);
    EXPECT_EQ(device.written()[0], (FakeDevice::Bytes{1, 2, 3}));
}

}  // namespace
}  // namespace dslite::platform
