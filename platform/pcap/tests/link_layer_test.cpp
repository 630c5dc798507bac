// SPDX-License-Identifier: BSD-2-Clause
#include "pcap/link_layer.hpp"

#include <gtest/gtest.h>

#include "capture_files.hpp"

namespace dslite {
namespace {

using test::Bytes;

Bytes as_vector(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

TEST(LinkLayer, RawPassesIpv4AndIpv6Through) {
    const Bytes v4 = test::ipv4_packet(10);
    const Bytes v6 = test::ipv6_packet(v4);
    for (int dlt : {12, 14, 101}) {
        auto p4 = ip_packet(dlt, v4);
        ASSERT_TRUE(p4) << dlt;
        EXPECT_EQ(as_vector(*p4), v4);
        auto p6 = ip_packet(dlt, v6);
        ASSERT_TRUE(p6) << dlt;
        EXPECT_EQ(as_vector(*p6), v6);
    }
}

TEST(LinkLayer, RawKeepsBytesPastTheIpLength) {
    // Trailing bytes on a raw capture are part of what the engine must judge.
    Bytes v4 = test::ipv4_packet(10);
    v4.resize(v4.size() + 5, 0xee);
    auto p = ip_packet(12, v4);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->size(), v4.size());
}

TEST(LinkLayer, RawRefusesOtherVersionsAndEmptyFrames) {
    Bytes v5 = test::ipv4_packet(10);
    v5[0] = 0x55;
    EXPECT_FALSE(ip_packet(12, v5));
    EXPECT_FALSE(ip_packet(12, {}));
}

TEST(LinkLayer, Ipv4AndIpv6LinkTypesTakeOnlyTheirVersion) {
    const Bytes v4 = test::ipv4_packet(3);
    const Bytes v6 = test::ipv6_packet(v4);
    EXPECT_TRUE(ip_packet(228, v4));
    EXPECT_FALSE(ip_packet(228, v6));
    EXPECT_TRUE(ip_packet(229, v6));
    EXPECT_FALSE(ip_packet(229, v4));
}

TEST(LinkLayer, EthernetStripsHeaderAndPadding) {
    const Bytes v4 = test::ipv4_packet(2);  // 30 bytes: the frame is padded to 60
    const Bytes frame = test::ethernet_frame(0x0800, v4);
    ASSERT_EQ(frame.size(), 60u);
    auto p = ip_packet(1, frame);
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(*p), v4);
}

TEST(LinkLayer, EthernetStripsOneVlanTag) {
    const Bytes v6 = test::ipv6_packet(test::ipv4_packet(100));
    auto p = ip_packet(1, test::ethernet_frame(0x86dd, v6, true));
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(*p), v6);
}

TEST(LinkLayer, EthernetSkipsOtherEthertypesAndShortFrames) {
    EXPECT_FALSE(ip_packet(1, test::ethernet_frame(0x0806, Bytes(28, 1))));  // ARP
    EXPECT_FALSE(ip_packet(1, Bytes(13, 0)));
    Bytes tagged_short = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00};
    EXPECT_FALSE(ip_packet(1, tagged_short));
    // IPv4 ethertype but the bytes are not IPv4.
    EXPECT_FALSE(ip_packet(1, test::ethernet_frame(0x0800, Bytes(40, 0x12))));
}

TEST(LinkLayer, LinuxCookedCaptures) {
    const Bytes v4 = test::ipv4_packet(5);
    Bytes sll(16, 0);
    sll[14] = 0x08;
    sll = test::concat(sll, v4);
    sll.resize(sll.size() + 4, 0);  // trailer
    auto p = ip_packet(113, sll);
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(*p), v4);

    const Bytes v6 = test::ipv6_packet(v4);
    Bytes sll2(20, 0);
    sll2[0] = 0x86;
    sll2[1] = 0xdd;
    sll2 = test::concat(sll2, v6);
    p = ip_packet(276, sll2);
    ASSERT_TRUE(p);
    EXPECT_EQ(as_vector(*p), v6);

    EXPECT_FALSE(ip_packet(113, Bytes(15, 0)));
    sll[14] = 0x08, sll[15] = 0x06;  // ARP
    EXPECT_FALSE(ip_packet(113, sll));
}

TEST(LinkLayer, SupportedLinkTypes) {
    for (int dlt : {1, 12, 14, 101, 113, 228, 229, 276}) EXPECT_TRUE(supported_link_type(dlt)) << dlt;
    for (int dlt : {0, 105, 127, 147}) EXPECT_FALSE(supported_link_type(dlt)) << dlt;
}

}  // namespace
}  // namespace dslite
