// SPDX-License-Identifier: BSD-2-Clause
// The event loop with in-memory devices: no privileges, real io_context.
#include "daemon_loop.hpp"

#include <gtest/gtest.h>

#include "lab_packets.hpp"
#include "platform/fake_device.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::daemon {
namespace {

using namespace lab;
using platform::FakeDevice;

// Runs the loop until `done` holds or two seconds pass.
template <class Done>
bool run_until(asio::io_context& io, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
        io.run_for(std::chrono::milliseconds(5));
        if (io.stopped()) io.restart();
    }
    return done();
}

struct Lab {
    asio::io_context io;
    Engine engine{lab_config()};
    FakeDevice b4{"fake-b4"};
    FakeDevice uplink{"fake-uplink"};
};

TEST(DaemonLoop, ForwardsBothWaysBetweenItsDevices) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();

    lab.b4.push(softwire_udp(net::b4_a, 5000, "ping"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.uplink.written().size() == 1; }));
    const Decoded out = decode(lab.uplink.written()[0]);
    ASSERT_TRUE(out.ipv4) << describe(out);
    EXPECT_TRUE(out.problems.empty()) << describe(out);
    EXPECT_TRUE(parse_ipv4_prefix("198.51.100.0/28")->contains(out.ipv4->source));
    EXPECT_EQ(out.ipv4->l4.payload_text(), "ping");

    lab.uplink.push(uplink_udp(out.ipv4->source, out.ipv4->l4.source_port, "pong"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.b4.written().size() == 1; }));
    const Decoded back = decode(lab.b4.written()[0]);
    ASSERT_TRUE(back.ipv6 && back.ipv6->inner) << describe(back);
    EXPECT_EQ(back.ipv6->destination, net::b4_a);
    EXPECT_EQ(back.ipv6->inner->destination, net::host);
    EXPECT_EQ(back.ipv6->inner->l4.destination_port, 5000);
    EXPECT_EQ(back.ipv6->inner->l4.payload_text(), "pong");
    EXPECT_EQ(loop.forwarder().stats().packets_read, 2u);
    loop.stop();
}

TEST(DaemonLoop, OneDeviceForBothSidesIsSplitByIpVersion) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.b4);
    loop.start();

    lab.b4.push(softwire_udp(net::b4_a, 5000, "ping"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.b4.written().size() == 1; }));
    const Decoded out = decode(lab.b4.written()[0]);
    ASSERT_TRUE(out.ipv4) << describe(out);  // IPv6 in, IPv4 out of the same device

    lab.b4.push(uplink_udp(out.ipv4->source, out.ipv4->l4.source_port, "pong"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.b4.written().size() == 2; }));
    const Decoded back = decode(lab.b4.written()[1]);
    ASSERT_TRUE(back.ipv6 && back.ipv6->inner) << describe(back);
    EXPECT_EQ(back.ipv6->inner->l4.payload_text(), "pong");
    EXPECT_EQ(lab.engine.counters()[Counter::in_uplink_packets], 1u);
    EXPECT_EQ(lab.engine.counters()[Counter::in_b4_packets], 1u);
    loop.stop();
}

TEST(DaemonLoop, ManyPacketsArriveInBurstsAndAllAreForwarded) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();
    constexpr std::size_t kCount = 3 * Forwarder::kBurst + 5;
    for (std::size_t i = 0; i < kCount; ++i)
        lab.b4.push(softwire_udp(i % 2 ? net::b4_a : net::b4_b, static_cast<std::uint16_t>(6000 + i), "x"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.uplink.written().size() == kCount; }));
    EXPECT_EQ(lab.engine.binding_count(), kCount);
    EXPECT_GE(loop.forwarder().stats().bursts, 4u);
    loop.stop();
}

// A TUN cutting a super-packet holds segments its descriptor does not show;
// the loop must come back for them after full bursts instead of waiting.
TEST(DaemonLoop, ReadsAgainAfterFullBurstsEvenWhenTheHandleIsQuiet) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();
    constexpr std::size_t kHeld = DaemonLoop::kBurstsPerTurn * Forwarder::kBurst + 40;
    lab.b4.push(softwire_udp(net::b4_a, 5999, "x"));
    for (std::size_t i = 0; i < kHeld; ++i)
        lab.b4.push_held(softwire_udp(net::b4_a, static_cast<std::uint16_t>(6000 + i), "x"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.uplink.written().size() == kHeld + 1; }))
        << lab.uplink.written().size() << " of " << kHeld + 1;
    loop.stop();
}

TEST(DaemonLoop, AnswersPingsToTheAftrItself) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();
    const Bytes echo =
        ipv4_icmp(Ipv4Header{net::host, v4("192.0.0.1")}, IcmpMessage{8, 0, 0x1234, 1, text_bytes("abc")});
    lab.b4.push(softwire(Ipv6Header{net::b4_b, net::aftr}, echo));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.b4.written().size() == 1; }));
    const Decoded reply = decode(lab.b4.written()[0]);
    ASSERT_TRUE(reply.ipv6 && reply.ipv6->inner) << describe(reply);
    EXPECT_EQ(reply.ipv6->destination, net::b4_b);
    EXPECT_EQ(reply.ipv6->inner->source, v4("192.0.0.1"));
    EXPECT_EQ(reply.ipv6->inner->l4.icmp_type, 0);
    EXPECT_TRUE(lab.uplink.written().empty());
    loop.stop();
}

TEST(DaemonLoop, CountsPacketsADeviceRefuses) {
    Lab lab;
    lab.uplink.limit_writes(1);
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();
    for (std::uint16_t port = 7000; port < 7003; ++port) lab.b4.push(softwire_udp(net::b4_a, port, "x"));
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.uplink.refused() == 2; }));
    EXPECT_EQ(loop.forwarder().stats().uplink_write_refused, 2u);
    loop.stop();
}

TEST(DaemonLoop, DrainsCaptureLikeInputsWithoutAHandle) {
    Lab lab;
    FakeDevice capture("fake-capture", FakeDevice::Kind::capture);
    for (std::uint16_t port = 7000; port < 7010; ++port) capture.push(softwire_udp(net::b4_a, port, "x"));
    DaemonLoop loop(lab.io, lab.engine, capture, lab.uplink);
    loop.start();
    ASSERT_TRUE(run_until(lab.io, [&] { return lab.uplink.written().size() == 10; }));
    EXPECT_TRUE(capture.at_end());
    loop.stop();
}

TEST(DaemonLoop, StopsWaitingWhenStopped) {
    Lab lab;
    DaemonLoop loop(lab.io, lab.engine, lab.b4, lab.uplink);
    loop.start();
    loop.stop();
    lab.io.run_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(lab.io.stopped());  // nothing left waiting: timer and devices let go
    lab.b4.push(softwire_udp(net::b4_a, 5000, "late"));
    lab.io.restart();
    lab.io.run_for(std::chrono::milliseconds(20));
    EXPECT_TRUE(lab.uplink.written().empty());
    EXPECT_GE(lab.b4.wait_handle(), 0);  // the device still owns its descriptor
}

}  // namespace
}  // namespace dslite::daemon
