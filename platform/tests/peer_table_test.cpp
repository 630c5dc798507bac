// SPDX-License-Identifier: BSD-2-Clause
#include "platform/posix/peer_table.hpp"

#include <gtest/gtest.h>

#include "test_packets.hpp"

namespace dslite::platform {
namespace {

SocketAddress peer(std::uint16_t port) { return std::get<SocketAddress>(resolve({"127.0.0.1", port})); }

Ipv6Address b4(unsigned n) {
    auto a = test::v6("2001:db8:a::");
    a[14] = static_cast<std::uint8_t>(n >> 8);
    a[15] = static_cast<std::uint8_t>(n);
    return a;
}

TEST(PeerTable, LearnsAndMoves) {
    PeerTable table(100);
    EXPECT_EQ(table.capacity(), 128u);
    EXPECT_EQ(table.find(b4(1)), nullptr);
    EXPECT_FALSE(table.learn(b4(1), peer(1000)));
    EXPECT_FALSE(table.learn(b4(2), peer(2000)));
    ASSERT_NE(table.find(b4(1)), nullptr);
    EXPECT_EQ(table.find(b4(1))->port(), 1000);
    EXPECT_EQ(table.find(b4(2))->port(), 2000);
    EXPECT_FALSE(table.learn(b4(1), peer(1000)));  // same peer again: nothing moved
    EXPECT_TRUE(table.learn(b4(1), peer(1001)));   // the B4's NAT rebound
    EXPECT_EQ(table.find(b4(1))->port(), 1001);
    EXPECT_EQ(table.size(), 2u);
}

TEST(PeerTable, StaysBoundedUnderAFlood) {
    PeerTable table(8);
    ASSERT_EQ(table.capacity(), 8u);
    for (unsigned i = 0; i < 1000; ++i) {
        table.learn(b4(i), peer(static_cast<std::uint16_t>(1000 + i)));
        // The newest B4 is always reachable, whatever it evicted.
        ASSERT_NE(table.find(b4(i)), nullptr) << i;
        EXPECT_EQ(table.find(b4(i))->port(), 1000 + i);
    }
    EXPECT_EQ(table.size(), 8u);
    EXPECT_EQ(table.capacity(), 8u);
}

}  // namespace
}  // namespace dslite::platform
