// SPDX-License-Identifier: BSD-2-Clause
// The B4's loop between two in-memory devices whose handles Asio can poll.
#include "b4_loop.hpp"

#include <gtest/gtest.h>

#include "platform/tests/test_packets.hpp"
#include "platform/fake_device.hpp"

namespace dslite::b4 {
namespace {

using platform::FakeDevice;
using test::Bytes;

const Tunnel kTunnel{test::v6("2001:db8:a::2"), test::v6("2001:db8:ff::1")};

Bytes inner(std::uint16_t port) {
    return test::ipv4_udp(test::v4("192.168.1.10"), port, test::v4("198.51.100.1"), 53, test::bytes_of("q"), 0x20);
}

TEST(B4Loop, RelaysBothWaysAndCountsDrops) {
    boost::asio::io_context io;
    FakeDevice tun("tun");
    FakeDevice softwire("softwire");
    Loop loop(io, tun, softwire, kTunnel);
    loop.start();

    // More than one burst from the TUN, plus things a TUN may carry that are not IPv4.
    for (std::uint16_t i = 0; i < Loop::kBurst + 5; ++i) tun.push(inner(static_cast<std::uint16_t>(1000 + i)));
    tun.push(test::ipv6(kTunnel.b4, kTunnel.aftr, 58, Bytes(8)));
    softwire.push(test::ipv6(kTunnel.aftr, kTunnel.b4, 4, inner(7)));
    softwire.push(test::ipv6(test::v6("2001:db8:66::1"), kTunnel.b4, 4, inner(8)));  // not the AFTR
    softwire.push(test::ipv6(kTunnel.aftr, kTunnel.b4, 4, Bytes{0x45, 0}));          // broken inner IPv4

    for (int i = 0; i < 100 && (tun.pending() > 0 || softwire.pending() > 0); ++i)
        io.run_for(std::chrono::milliseconds(10));

    ASSERT_EQ(softwire.written().size(), Loop::kBurst + 5);
    for (std::uint16_t i = 0; i < Loop::kBurst + 5; ++i)
        EXPECT_EQ(softwire.written()[i], test::ipv6(kTunnel.b4, kTunnel.aftr, 4, inner(1000 + i), 0x20, 64)) << i;
    ASSERT_EQ(tun.written().size(), 1u);
    EXPECT_EQ(tun.written()[0], inner(7));

    const auto& c = loop.counters();
    EXPECT_EQ(c.encapsulated, Loop::kBurst + 5);
    EXPECT_EQ(c.decapsulated, 1u);
    EXPECT_EQ(c.drop_not_ipv4, 1u);
    EXPECT_EQ(c.drop_not_softwire, 1u);
    EXPECT_EQ(c.drop_malformed, 1u);
    EXPECT_EQ(c.drop_device, 0u);
}

TEST(B4Loop, CountsWhatADeviceRefuses) {
    boost::asio::io_context io;
    FakeDevice tun("tun");
    FakeDevice softwire("softwire");
    softwire.limit_writes(2);
    Loop loop(io, tun, softwire, kTunnel);
    loop.start();
    for (std::uint16_t i = 0; i < 5; ++i) tun.push(inner(i));
    for (int i = 0; i < 100 && tun.pending() > 0; ++i) io.run_for(std::chrono::milliseconds(10));
    EXPECT_EQ(loop.counters().encapsulated, 2u);
    EXPECT_EQ(loop.counters().drop_device, 3u);
}

}  // namespace
}  // namespace dslite::b4
