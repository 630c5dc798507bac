// SPDX-License-Identifier: BSD-2-Clause
#include "encapsulation.hpp"

#include <gtest/gtest.h>

#include "platform/tests/test_packets.hpp"

namespace dslite::b4 {
namespace {

using test::Bytes;

const Tunnel kTunnel{test::v6("2001:db8:a::2"), test::v6("2001:db8:ff::1")};

struct Slot {
    explicit Slot(const Bytes& bytes) { packet = buffer.holding(bytes); }
    Bytes bytes() const { return Bytes(packet.bytes().begin(), packet.bytes().end()); }
    PacketBuffer buffer;
    Packet packet;
};

Bytes inner(std::uint8_t tos = 0) {
    return test::ipv4_udp(test::v4("192.168.1.10"), 5000, test::v4("198.51.100.1"), 53, test::bytes_of("query"), tos);
}

TEST(Encapsulate, BuildsTheSoftwireHeader) {
    Slot s(inner(0xb8));
    ASSERT_EQ(encapsulate(s.packet, kTunnel), Encapsulated::ok);
    EXPECT_EQ(s.bytes(), test::ipv6(kTunnel.b4, kTunnel.aftr, 4, inner(0xb8), 0xb8, 64));
    EXPECT_EQ(s.packet.headroom(), kHeadroom - 40);
}

TEST(Encapsulate, TrimsPaddingPastTheTotalLength) {
    Bytes padded = inner();
    padded.resize(padded.size() + 6, 0xee);
    Slot s(padded);
    ASSERT_EQ(encapsulate(s.packet, kTunnel), Encapsulated::ok);
    EXPECT_EQ(s.bytes(), test::ipv6(kTunnel.b4, kTunnel.aftr, 4, inner(), 0, 64));
}

TEST(Encapsulate, RefusesWhatIsNotIpv4) {
    Slot v6(test::ipv6(kTunnel.b4, kTunnel.aftr, 17, Bytes(8)));
    EXPECT_EQ(encapsulate(v6.packet, kTunnel), Encapsulated::not_ipv4);
    Slot empty(Bytes{});
    EXPECT_EQ(encapsulate(empty.packet, kTunnel), Encapsulated::not_ipv4);

    Bytes too_long = inner();
    wire::store16(&too_long[wire::ipv4::total_length], static_cast<std::uint16_t>(too_long.size() + 1));
    Slot a(too_long);
    EXPECT_EQ(encapsulate(a.packet, kTunnel), Encapsulated::malformed);
    EXPECT_EQ(a.bytes(), too_long);  // unchanged

    Bytes short_header = inner();
    short_header[0] = 0x44;  // IHL 4: shorter than the minimum
    Slot b(short_header);
    EXPECT_EQ(encapsulate(b.packet, kTunnel), Encapsulated::malformed);
    Slot c(Bytes{0x45, 0, 0, 10});
    EXPECT_EQ(encapsulate(c.packet, kTunnel), Encapsulated::malformed);

    Bytes storage = inner();
    Packet no_room(storage, 0, storage.size());
    EXPECT_EQ(encapsulate(no_room, kTunnel), Encapsulated::no_headroom);
}

TEST(Decapsulate, RoundTrip) {
    Slot s(inner(0x10));
    ASSERT_EQ(encapsulate(s.packet, kTunnel), Encapsulated::ok);
    // Turn it around as the AFTR would send it.
    Slot back(test::ipv6(kTunnel.aftr, kTunnel.b4, 4, inner(0x10), 0x10, 60));
    ASSERT_EQ(decapsulate(back.packet, kTunnel), Decapsulated::ok);
    EXPECT_EQ(back.bytes(), inner(0x10));
}

TEST(Decapsulate, AcceptsOnlyTheAftrToThisB4) {
    const Bytes good = test::ipv6(kTunnel.aftr, kTunnel.b4, 4, inner());
    auto verdict = [](Bytes bytes) {
        Slot s(bytes);
        const auto v = decapsulate(s.packet, kTunnel);
        if (v != Decapsulated::ok) {
            EXPECT_EQ(s.bytes(), bytes);  // unchanged when refused
        }
        return v;
    };
    EXPECT_EQ(verdict(good), Decapsulated::ok);
    EXPECT_EQ(verdict(inner()), Decapsulated::not_ipv6);
    EXPECT_EQ(verdict(Bytes(good.begin(), good.begin() + 39)), Decapsulated::not_ipv6);
    EXPECT_EQ(verdict(test::ipv6(kTunnel.aftr, kTunnel.b4, 17, inner())), Decapsulated::not_ipv4_in_ipv6);
    EXPECT_EQ(verdict(test::ipv6(test::v6("2001:db8:ff::2"), kTunnel.b4, 4, inner())), Decapsulated::not_from_aftr);
    EXPECT_EQ(verdict(test::ipv6(kTunnel.aftr, test::v6("2001:db8:a::3"), 4, inner())), Decapsulated::not_to_b4);

    Bytes lying = good;  // payload length past the end
    wire::store16(&lying[wire::ipv6::payload_length], static_cast<std::uint16_t>(good.size() - 39));
    EXPECT_EQ(verdict(lying), Decapsulated::malformed);
    EXPECT_EQ(verdict(test::ipv6(kTunnel.aftr, kTunnel.b4, 4, Bytes{0x45, 0, 0})), Decapsulated::malformed);
    EXPECT_EQ(verdict(test::ipv6(kTunnel.aftr, kTunnel.b4, 4, Bytes(20, 0x60))), Decapsulated::malformed);
}

TEST(Decapsulate, IgnoresTrailingBytes) {
    Bytes padded = test::ipv6(kTunnel.aftr, kTunnel.b4, 4, inner());
    padded.resize(padded.size() + 3, 0);
    Slot s(padded);
    ASSERT_EQ(decapsulate(s.packet, kTunnel), Decapsulated::ok);
    EXPECT_EQ(s.bytes(), inner());
}

}  // namespace
}  // namespace dslite::b4
