// SPDX-License-Identifier: BSD-2-Clause
// TUN offloads against the real kernel, inside a namespace of its own (run
// only through run_in_netns.sh). The test plays the far end of a TCP
// connection the kernel opens through the TUN: the kernel's data must come
// out as super-packets cut into right segments, and segments the test
// writes in one burst must go in joined and reach the socket whole.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "dslite/wire.hpp"
#include "platform/linux/netlink.hpp"
#include "platform/linux/tun_device.hpp"
#include "support/packet_builder.hpp"
#include "support/packet_decoder.hpp"
#include "wait_readable.hpp"

namespace dslite::platform {
namespace {

using test::Bytes;
namespace w = wire;

constexpr std::uint16_t kMss = 1400;
constexpr std::uint16_t kPort = 8080;

struct Peer {
    Ipv4Address local = test::v4("10.9.0.1");  // the kernel's side
    Ipv4Address far = test::v4("10.9.1.5");    // played by the test, behind the TUN
    std::uint16_t local_port = 0;
    std::uint32_t seq = 5000;  // the test's next sequence number
    std::uint32_t ack = 0;     // the next byte expected from the kernel

    Bytes segment(std::uint8_t flags, Bytes payload = {}, Bytes options = {}) {
        test::Ipv4Header ip{far, local};
        ip.dont_fragment = true;
        test::TcpSegment t{kPort, local_port, seq, ack, flags};
        t.window = 65535;  // scaled by 2^7: room for all the kernel sends
        t.payload = std::move(payload);
        t.options = std::move(options);
        seq += static_cast<std::uint32_t>(t.payload.size()) + ((flags & w::tcp::syn) ? 1 : 0);
        return test::ipv4_tcp(ip, t);
    }
};

Bytes pattern(std::size_t n, std::size_t from = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>((from + i) * 13 + (from + i) / 4093);
    return b;
}

std::size_t write_all(TunDevice& tun, std::vector<Bytes> packets) {
    std::vector<PacketBuffer> buffers(packets.size());
    std::vector<Packet> views;
    for (std::size_t i = 0; i < packets.size(); ++i) {
        views.push_back(buffers[i].holding(packets[i]));  // with headroom, as the daemon's slots have
    }
    return tun.write_burst(views);
}

class TunOffloads : public ::testing::TestWithParam<TunDevice::Io> {};

TEST_P(TunOffloads, KernelTcpThroughTheTunBothWays) {
    auto opened = TunDevice::open("dslo", GetParam());
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<TunDevice>>(opened)) << std::get<std::string>(opened);
    TunDevice& tun = *std::get<std::unique_ptr<TunDevice>>(opened);
    ASSERT_TRUE(tun.offloaded()) << "this kernel takes TUNSETOFFLOAD";
    std::ofstream("/proc/sys/net/ipv6/conf/dslo/disable_ipv6") << "1\n";
    Peer peer;
    ASSERT_FALSE(netlink::add_address("dslo", peer.local, 24));
    ASSERT_FALSE(netlink::set_link_up("dslo"));
    ASSERT_FALSE(netlink::add_route("dslo", *parse_ipv4_prefix("10.9.1.0/24")));

    const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ASSERT_GE(s, 0);
    const int big = 4 << 20;
    ::setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    sockaddr_in far{};
    far.sin_family = AF_INET;
    far.sin_port = htons(kPort);
    far.sin_addr.s_addr = htonl(peer.far.value);
    ::connect(s, reinterpret_cast<sockaddr*>(&far), sizeof far);

    std::vector<PacketBuffer> buffers(32);
    std::vector<Packet> slots(32);
    // Reads until `want` says stop, handing each TCP segment to it.
    const auto read_until = [&](auto&& want) {
        for (int idle = 0; idle < 20;) {
            for (std::size_t i = 0; i < slots.size(); ++i) slots[i] = buffers[i].packet(kMaxPacket);
            const std::size_t n = tun.read_burst(slots);
            for (std::size_t i = 0; i < n; ++i) {
                const Packet& p = slots[i];
                if (p.data()[0] >> 4 == 4 && p.data()[w::ipv4::protocol] == w::proto_tcp &&
                    want(Bytes(p.bytes().begin(), p.bytes().end())))
                    return true;
            }
            if (n < slots.size() && !test::wait_readable(tun.wait_handle(), 100)) ++idle;
        }
        return false;
    };

    // Handshake: MSS 1400, window scale 7.
    std::uint32_t client_seq = 0;
    ASSERT_TRUE(read_until([&](const Bytes& p) {
        const test::Decoded d = test::decode(p);
        if (!d.ipv4 || !(d.ipv4->l4.tcp_flags & w::tcp::syn)) return false;
        peer.local_port = d.ipv4->l4.source_port;
        client_seq = d.ipv4->l4.seq;
        return true;
    })) << "no SYN";
    peer.ack = client_seq + 1;
    ASSERT_EQ(write_all(tun, {peer.segment(w::tcp::syn | w::tcp::ack, {}, {2, 4, kMss >> 8, kMss & 0xff, 1, 3, 3, 7})}),
              1u);
    pollfd writable{s, POLLOUT, 0};
    ASSERT_EQ(::poll(&writable, 1, 2000), 1);

    // The kernel sends: its super-packets must come out as whole segments.
    constexpr std::size_t kUpload = 400000;
    const Bytes upload = pattern(kUpload);
    std::size_t queued = 0;
    Bytes received;
    std::size_t bad = 0;
    ASSERT_TRUE(read_until([&](const Bytes& p) {
        while (queued < kUpload) {
            const ssize_t n = ::send(s, upload.data() + queued, kUpload - queued, 0);
            if (n <= 0) break;
            queued += static_cast<std::size_t>(n);
        }
        const test::Decoded d = test::decode(p);
        if (!d.problems.empty() || p.size() > 20 + 20 + kMss + 40) ++bad;
        const auto& l4 = d.ipv4->l4;
        if (l4.seq == peer.ack && !l4.payload.empty()) {  // in order; a retransmission of what came is skipped
            received.insert(received.end(), l4.payload.begin(), l4.payload.end());
            peer.ack += static_cast<std::uint32_t>(l4.payload.size());
            write_all(tun, {peer.segment(w::tcp::ack)});
        }
        return received.size() >= kUpload;
    })) << received.size()
        << " of " << kUpload << " bytes";
    EXPECT_EQ(bad, 0u) << "segments with problems or larger than the MSS";
    EXPECT_EQ(received, upload);
    EXPECT_GT(tun.stats().rx_super_packets, 0u) << "the kernel sent no super-packet";
    EXPECT_GT(tun.stats().rx_packets, tun.stats().rx_super_packets);

    // The test sends 40 segments in one burst: they go in as super-packets,
    // and the socket reads every byte in order.
    std::vector<Bytes> burst;
    constexpr std::size_t kSegments = 40;
    for (std::size_t i = 0; i < kSegments; ++i)
        burst.push_back(peer.segment(w::tcp::ack | (i + 1 == kSegments ? w::tcp::psh : 0), pattern(kMss, i * kMss)));
    EXPECT_EQ(write_all(tun, burst), kSegments);
    EXPECT_GE(tun.stats().tx_super_packets, 1u);
    EXPECT_LE(tun.stats().tx_super_packets, 2u) << "40 x 1400 bytes fit a 64 KiB super-packet";
    Bytes download;
    while (download.size() < kSegments * kMss && test::wait_readable(s, 2000)) {
        std::uint8_t chunk[65536];
        const ssize_t n = ::recv(s, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        download.insert(download.end(), chunk, chunk + n);
    }
    EXPECT_EQ(download, pattern(kSegments * kMss));
    ::close(s);
}

INSTANTIATE_TEST_SUITE_P(Io, TunOffloads, ::testing::Values(TunDevice::Io::ring, TunDevice::Io::system_calls),
                         [](const auto& info) { return info.param == TunDevice::Io::ring ? "ring" : "system_calls"; });

}  // namespace
}  // namespace dslite::platform
