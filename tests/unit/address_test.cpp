// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>

#include "dslite/address.hpp"

namespace dslite {
namespace {

TEST(Address, ParsesPrefixesAndRefusesHostBits) {
    auto p = parse_ipv4_prefix("198.51.100.0/28");
    ASSERT_TRUE(p);
    EXPECT_EQ(p->size(), 16u);
    EXPECT_TRUE(p->contains(*parse_ipv4("198.51.100.15")));
    EXPECT_FALSE(p->contains(*parse_ipv4("198.51.100.16")));
    EXPECT_FALSE(parse_ipv4_prefix("198.51.100.1/28"));
    EXPECT_FALSE(parse_ipv4_prefix("198.51.100.0/33"));
    EXPECT_FALSE(parse_ipv4_prefix("300.1.1.0/24"));
    EXPECT_FALSE(parse_ipv4_prefix("198.51.100.0/"));
    auto v6 = parse_ipv6_prefix("2001:db8:a::/48");
    ASSERT_TRUE(v6);
    EXPECT_TRUE(v6->contains(*parse_ipv6("2001:db8:a:1::2")));
    EXPECT_FALSE(v6->contains(*parse_ipv6("2001:db8:b::2")));
    EXPECT_FALSE(parse_ipv6_prefix("2001:db8:a::1/48"));
    EXPECT_EQ(to_string(*v6), "2001:db8:a::/48");
}

TEST(Address, MasksAndOverlaps) {
    auto a = *parse_ipv6("2001:db8:a:12ff::2");
    EXPECT_EQ(to_string(mask_ipv6(a, 56)), "2001:db8:a:1200::");
    EXPECT_EQ(to_string(mask_ipv6(a, 0)), "::");
    // Every length against the definition: bit i survives iff i < length.
    const Ipv6Address ones = *parse_ipv6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    for (unsigned length = 0; length <= 128; ++length) {
        const Ipv6Address m = mask_ipv6(ones, static_cast<std::uint8_t>(length));
        for (unsigned bit = 0; bit < 128; ++bit)
            ASSERT_EQ((m[bit / 8] >> (7 - bit % 8)) & 1, bit < length ? 1 : 0) << "length " << length << " bit " << bit;
    }
    EXPECT_TRUE(parse_ipv4_prefix("10.0.0.0/8")->overlaps(*parse_ipv4_prefix("10.1.0.0/16")));
    EXPECT_FALSE(parse_ipv4_prefix("10.0.0.0/16")->overlaps(*parse_ipv4_prefix("10.1.0.0/16")));
}

}  // namespace
}  // namespace dslite
