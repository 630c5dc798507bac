// SPDX-License-Identifier: BSD-2-Clause
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "dslite/address.hpp"
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite {
namespace {

TEST(Checksum, MatchesRfc1071Example) {
    // RFC 1071 section 3: the sum of these words is 0xddf2.
    const std::vector<std::uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    EXPECT_EQ(checksum_fold(checksum_partial(data)), 0xddf2);
    EXPECT_EQ(checksum(data), static_cast<std::uint16_t>(~0xddf2));
}

TEST(Checksum, OddLengthPadsWithZero) {
    const std::vector<std::uint8_t> odd = {0x12, 0x34, 0x56};
    const std::vector<std::uint8_t> even = {0x12, 0x34, 0x56, 0x00};
    EXPECT_EQ(checksum(odd), checksum(even));
}

// checksum_partial sums eight bytes at a time; it must equal the plain
// RFC 1071 loop of 16-bit network-order words for every length, start
// alignment and initial value (folded: 0 and 0xffff are the same sum).
TEST(Checksum, WideSumEqualsWordByWordSum) {
    const auto reference = [](const std::uint8_t* p, std::size_t n, std::uint32_t initial) {
        std::uint64_t sum = initial;
        for (std::size_t i = 0; i < n; ++i) sum += i % 2 == 0 ? std::uint32_t{p[i]} << 8 : p[i];
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        return static_cast<std::uint16_t>(sum);
    };
    const auto same = [](std::uint16_t a, std::uint16_t b) { return a == b || (a % 0xffff == 0 && b % 0xffff == 0); };
    std::mt19937 rng(11);
    std::vector<std::uint8_t> data(70000);
    for (auto& b : data) b = static_cast<std::uint8_t>(rng());
    for (int round = 0; round < 3000; ++round) {
        const std::size_t start = rng() % 8;
        const std::size_t length =
            round < 100 ? static_cast<std::size_t>(round) : rng() % (round % 50 == 0 ? 65600 : 3000);
        const std::uint32_t initial = round % 3 == 0 ? 0 : rng() % 0x3ffff;
        const std::span<const std::uint8_t> bytes(data.data() + start, length);
        ASSERT_TRUE(same(checksum_fold(checksum_partial(bytes, initial)), reference(bytes.data(), length, initial)))
            << "length " << length << " start " << start << " initial " << initial;
    }
    std::vector<std::uint8_t> ones(65536, 0xff);  // the largest sum there is
    EXPECT_TRUE(same(checksum_fold(checksum_partial(ones, 0xffff)), reference(ones.data(), ones.size(), 0xffff)));
}

TEST(Checksum, IncrementalUpdateEqualsRecompute) {
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::uint8_t> data(40);
        for (auto& b : data) b = static_cast<std::uint8_t>(rng());
        wire::store16(data.data() + 10, 0);
        wire::store16(data.data() + 10, checksum(data));
        const std::uint32_t old_address = wire::load32(data.data() + 12);
        const std::uint32_t new_address = static_cast<std::uint32_t>(rng());
        const std::uint16_t old_port = wire::load16(data.data() + 20);
        const std::uint16_t new_port = static_cast<std::uint16_t>(rng());
        std::uint16_t sum = wire::load16(data.data() + 10);
        sum = checksum_update32(sum, old_address, new_address);
        sum = checksum_update16(sum, old_port, new_port);
        wire::store32(data.data() + 12, new_address);
        wire::store16(data.data() + 20, new_port);
        wire::store16(data.data() + 10, sum);
        ASSERT_EQ(checksum(data), 0) << "round " << round;
    }
}

}  // namespace
}  // namespace dslite

namespace dslite {
namespace {

// Known answers for the IPv6 pseudo-header (RFC 8200 8.1), computed outside
// this code base (a few lines of Python summing the RFC's layout by hand):
// an ICMPv6 echo request and a UDP datagram of odd length.
TEST(Checksum, Ipv6PseudoHeaderKnownAnswers) {
    const auto a = *parse_ipv6("2001:db8:a::2");
    const auto aftr = *parse_ipv6("2001:db8:ff::1");
    const auto b = *parse_ipv6("2001:db8:b::2");
    const std::uint8_t echo[] = {128, 0, 0, 0, 0x12, 0x34, 0, 7, 'd', 's', 'l', 'i', 't', 'e'};
    EXPECT_EQ(checksum(echo, pseudo_header_ipv6(a.data(), aftr.data(), 58, sizeof echo)), 0xcbbb);
    const std::uint8_t udp[] = {0, 53, 0x9c, 0x40, 0, 11, 0, 0, 'o', 'd', 'd'};
    EXPECT_EQ(checksum(udp, pseudo_header_ipv6(aftr.data(), b.data(), 17, sizeof udp)), 0x337f);
    // With the checksum in place the whole verifies to zero.
    std::uint8_t filled[sizeof echo];
    std::memcpy(filled, echo, sizeof echo);
    filled[2] = 0xcb;
    filled[3] = 0xbb;
    EXPECT_EQ(checksum(filled, pseudo_header_ipv6(a.data(), aftr.data(), 58, sizeof filled)), 0);
}

}  // namespace
}  // namespace dslite
