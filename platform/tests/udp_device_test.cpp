// SPDX-License-Identifier: BSD-2-Clause
// Two "B4s" and an "AFTR" as UDP devices on 127.0.0.1 in one process.
#include "platform/posix/udp_device.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>

#include "test_packets.hpp"
#include "wait_readable.hpp"

namespace dslite::platform {
namespace {

using test::Bytes;

template <typename T>
std::unique_ptr<T> ok(std::variant<std::unique_ptr<T>, std::string> r) {
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
    return std::holds_alternative<std::unique_ptr<T>>(r) ? std::move(std::get<std::unique_ptr<T>>(r)) : nullptr;
}

SocketAddress loopback(std::uint16_t port) { return std::get<SocketAddress>(resolve({"127.0.0.1", port})); }

// Reads one packet, waiting for it; empty if none came.
Bytes read_one(Device& device, int milliseconds = 2000) {
    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    for (int tries = 0; tries < 2; ++tries) {
        if (device.read_burst({&slot, 1}) == 1) return Bytes(slot.bytes().begin(), slot.bytes().end());
        if (!test::wait_readable(device.wait_handle(), milliseconds)) break;
    }
    return {};
}

std::size_t write(Device& device, Bytes bytes) {
    Packet p(bytes, 0, bytes.size());
    return device.write_burst({&p, 1});
}

class UdpSoftwire : public ::testing::Test {
protected:
    void SetUp() override {
        aftr = ok(UdpDevice::listen(loopback(0), 64));
        ASSERT_TRUE(aftr);
        port = aftr->local_port();
        b4a = ok(UdpDevice::connect(loopback(port)));
        b4b = ok(UdpDevice::connect(loopback(port)));
        ASSERT_TRUE(b4a && b4b);
    }

    const Ipv6Address aftr_address = test::v6("2001:db8:ff::1");
    const Ipv6Address a = test::v6("2001:db8:a::2");
    const Ipv6Address b = test::v6("2001:db8:b::2");
    const Bytes inner = test::ipv4_udp(test::v4("192.0.0.2"), 5000, test::v4("198.51.100.1"), 53, test::bytes_of("q"));
    std::unique_ptr<UdpDevice> aftr, b4a, b4b;
    std::uint16_t port = 0;
};

TEST_F(UdpSoftwire, LearnsPeersAndRoutesAnswersBack) {
    const Bytes from_a = test::ipv6(a, aftr_address, 4, inner, 0x20);
    const Bytes from_b = test::ipv6(b, aftr_address, 4, inner, 0x40);
    EXPECT_EQ(write(*b4a, from_a), 1u);
    EXPECT_EQ(write(*b4b, from_b), 1u);
    EXPECT_EQ(read_one(*aftr), from_a);  // the whole IPv6 packet, header included
    EXPECT_EQ(read_one(*aftr), from_b);
    EXPECT_EQ(aftr->peers().size(), 2u);

    // Answers in the opposite order; each must reach its own B4 only.
    const Bytes to_b = test::ipv6(aftr_address, b, 4, inner, 0x02);
    const Bytes to_a = test::ipv6(aftr_address, a, 4, inner, 0x01);
    const Bytes to_stranger = test::ipv6(aftr_address, test::v6("2001:db8:c::2"), 4, inner);
    EXPECT_EQ(write(*aftr, to_b), 1u);
    EXPECT_EQ(write(*aftr, to_a), 1u);
    EXPECT_EQ(write(*aftr, to_stranger), 0u);
    EXPECT_EQ(aftr->unknown_b4_drops(), 1u);
    EXPECT_EQ(read_one(*b4a), to_a);
    EXPECT_EQ(read_one(*b4b), to_b);
    EXPECT_TRUE(read_one(*b4a, 50).empty());
    EXPECT_TRUE(read_one(*b4b, 50).empty());
    EXPECT_EQ(aftr->stats().rx_packets, 2u);
    EXPECT_EQ(aftr->stats().tx_packets, 2u);
}

TEST_F(UdpSoftwire, FollowsABFourThatMoved) {
    EXPECT_EQ(write(*b4a, test::ipv6(a, aftr_address, 4, inner)), 1u);
    EXPECT_FALSE(read_one(*aftr).empty());
    // The same B4 address now speaks from another UDP port (a NAT rebinding).
    auto moved = ok(UdpDevice::connect(loopback(port)));
    EXPECT_EQ(write(*moved, test::ipv6(a, aftr_address, 4, inner)), 1u);
    EXPECT_FALSE(read_one(*aftr).empty());
    const Bytes answer = test::ipv6(aftr_address, a, 4, inner);
    EXPECT_EQ(write(*aftr, answer), 1u);
    EXPECT_EQ(read_one(*moved), answer);
    EXPECT_TRUE(read_one(*b4a, 50).empty());
}

TEST_F(UdpSoftwire, DropsDatagramsThatAreNotIpv6) {
    EXPECT_EQ(write(*b4a, test::bytes_of("hello")), 0u);  // refused before sending
    EXPECT_EQ(b4a->stats().tx_dropped, 1u);
    EXPECT_EQ(write(*b4a, inner), 0u);  // IPv4: the softwire carries IPv6 only

    // Sent around the device's own check, straight through a socket.
    const int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
    const auto to = loopback(port);
    Bytes junk = test::ipv6(a, aftr_address, 4, inner);
    junk.resize(60);  // its payload length promises more than it carries
    ASSERT_EQ(::sendto(raw, junk.data(), junk.size(), 0, to.get(), to.length), static_cast<ssize_t>(junk.size()));
    const Bytes good = test::ipv6(a, aftr_address, 4, inner);
    EXPECT_EQ(write(*b4a, good), 1u);
    EXPECT_EQ(read_one(*aftr), good);  // the junk was skipped, not handed on
    EXPECT_EQ(aftr->stats().rx_malformed, 1u);
    EXPECT_EQ(aftr->stats().rx_packets, 1u);
    EXPECT_EQ(aftr->peers().size(), 1u);  // and taught the table nothing
    ::close(raw);
}

TEST_F(UdpSoftwire, BurstReadsSeveral) {
    for (int i = 0; i < 5; ++i) write(*b4a, test::ipv6(a, aftr_address, 4, inner, static_cast<std::uint8_t>(i)));
    ASSERT_TRUE(test::wait_readable(aftr->wait_handle()));
    std::vector<PacketBuffer> buffers(8);
    std::vector<Packet> slots;
    for (auto& b : buffers) slots.push_back(b.packet(kMaxPacket));
    std::size_t got = 0;
    for (int tries = 0; tries < 10 && got < 5; ++tries) {
        got += aftr->read_burst(std::span(slots).subspan(got));
        if (got < 5) test::wait_readable(aftr->wait_handle(), 200);
    }
    ASSERT_EQ(got, 5u);
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(wire::ipv6::traffic_class(slots[i].data()), i);
    EXPECT_EQ(slots[0].headroom(), kHeadroom);
}

// Reads into `slots` until `want` packets came or nothing more does.
std::size_t read_all(Device& device, std::vector<Packet>& slots, std::size_t want) {
    std::size_t got = 0;
    for (int tries = 0; tries < 20 && got < want; ++tries) {
        got += device.read_burst(std::span(slots).subspan(got));
        if (got < want) test::wait_readable(device.wait_handle(), 100);
    }
    return got;
}

// A burst is read in batches (recvmmsg): more than one batch's worth, with
// junk in between, comes out whole, in order, the junk counted and its slots
// read into again.
TEST_F(UdpSoftwire, BatchesSkipJunkAndKeepOrder) {
    const int raw = ::socket(AF_INET, SOCK_DGRAM, 0);
    ASSERT_EQ(::connect(raw, loopback(port).get(), loopback(port).length), 0);
    constexpr std::size_t kGood = 100;  // > kMaxDatagrams
    std::size_t junk = 0;
    for (std::size_t i = 0; i < kGood; ++i) {
        Bytes payload(2);
        wire::store16(payload.data(), static_cast<std::uint16_t>(i));
        const Bytes packet = test::ipv6(a, aftr_address, 4, payload);
        ASSERT_EQ(::send(raw, packet.data(), packet.size(), 0), static_cast<ssize_t>(packet.size()));
        if (i % 7 == 3) {
            ASSERT_EQ(::send(raw, "junk", 4, 0), 4);
            ++junk;
        }
    }
    std::vector<PacketBuffer> buffers(kGood + 10);
    std::vector<Packet> slots;
    for (auto& b : buffers) slots.push_back(b.packet(kMaxPacket));
    ASSERT_EQ(read_all(*aftr, slots, kGood), kGood);
    for (std::size_t i = 0; i < kGood; ++i) {
        ASSERT_EQ(slots[i].size(), wire::ipv6::header_size + 2) << i;
        EXPECT_EQ(wire::load16(slots[i].data() + wire::ipv6::header_size), i);
    }
    EXPECT_EQ(aftr->stats().rx_malformed, junk);
    EXPECT_EQ(aftr->stats().rx_packets, kGood);
    // Drained: a burst of fewer than asked means nothing is left.
    EXPECT_EQ(aftr->read_burst(std::span(slots).first(4)), 0u);
    ::close(raw);
}

TEST_F(UdpSoftwire, BatchedWritesSkipWhatCannotGo) {
    EXPECT_EQ(write(*b4a, test::ipv6(a, aftr_address, 4, inner)), 1u);
    EXPECT_EQ(write(*b4b, test::ipv6(b, aftr_address, 4, inner)), 1u);
    EXPECT_FALSE(read_one(*aftr).empty());
    EXPECT_FALSE(read_one(*aftr).empty());

    std::vector<Bytes> out;
    for (int i = 0; i < 6; ++i)
        out.push_back(test::ipv6(aftr_address, i % 2 ? b : a, 4, inner, static_cast<std::uint8_t>(i)));
    out.insert(out.begin() + 2, test::ipv6(aftr_address, test::v6("2001:db8:c::2"), 4, inner));  // no peer
    out.insert(out.begin() + 4, inner);                                                          // not IPv6
    std::vector<Packet> packets;
    for (auto& bytes : out) packets.emplace_back(bytes, 0, bytes.size());
    EXPECT_EQ(aftr->write_burst(packets), 6u);
    EXPECT_EQ(aftr->stats().tx_dropped, 2u);
    for (int i = 0; i < 6; i += 2) EXPECT_EQ(wire::ipv6::traffic_class(read_one(*b4a).data()), i);
    for (int i = 1; i < 6; i += 2) EXPECT_EQ(wire::ipv6::traffic_class(read_one(*b4b).data()), i);
}

}  // namespace
}  // namespace dslite::platform
