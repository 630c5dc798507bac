// SPDX-License-Identifier: BSD-2-Clause
// The macOS / FreeBSD / OpenBSD tun framing, on Linux: a SOCK_DGRAM
// socketpair stands in for the device (one datagram is one read, as on a
// tun), with each OS's address-family numbers.
#include "platform/posix/framed_tun_device.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <memory>

#include "test_packets.hpp"
#include "wait_readable.hpp"

namespace dslite::platform {
namespace {

using test::Bytes;

struct Os {
    const char* name;
    AddressFamilies families;
    friend void PrintTo(const Os& os, std::ostream* out) { *out << os.name; }
};

class Framing : public ::testing::TestWithParam<Os> {
protected:
    void SetUp() override {
        int pair[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
        ASSERT_TRUE(set_nonblocking_cloexec(pair[0]));
        peer_.reset(pair[1]);
        device_ = std::make_unique<FramedTunDevice>(UniqueFd(pair[0]), "tun:test", "test", GetParam().families);
    }

    // What the "kernel" hands the device: the header, then the packet.
    void send_frame(std::uint32_t family, const Bytes& packet) {
        Bytes frame(4);
        wire::store32(frame.data(), family);
        frame.insert(frame.end(), packet.begin(), packet.end());
        send_raw(frame);
    }
    void send_raw(const Bytes& frame) {
        ASSERT_EQ(::send(peer_.get(), frame.data(), frame.size(), 0), static_cast<ssize_t>(frame.size()));
    }

    Bytes receive_frame() {
        EXPECT_TRUE(test::wait_readable(peer_.get()));
        Bytes frame(70000);
        const ssize_t n = ::recv(peer_.get(), frame.data(), frame.size(), MSG_DONTWAIT);
        frame.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
        return frame;
    }

    // Reads one burst into fresh slots; returns the packets read.
    std::vector<Bytes> read_burst() {
        for (std::size_t i = 0; i < slots_.size(); ++i) slots_[i] = buffers_[i].packet(kMaxPacket);
        const std::size_t n = device_->read_burst(slots_);
        std::vector<Bytes> out;
        for (std::size_t i = 0; i < n; ++i) {
            EXPECT_EQ(slots_[i].headroom(), kHeadroom) << "the packet moved in its slot";
            out.emplace_back(slots_[i].bytes().begin(), slots_[i].bytes().end());
        }
        return out;
    }

    const AddressFamilies& families() const { return GetParam().families; }

    UniqueFd peer_;
    std::unique_ptr<FramedTunDevice> device_;
    std::array<PacketBuffer, 4> buffers_{};
    std::array<Packet, 4> slots_{};
};

const Bytes kIpv4 = test::ipv4_udp(test::v4("192.0.0.2"), 5000, test::v4("198.51.100.1"), 53, test::bytes_of("four"));
const Bytes kIpv6 =
    test::ipv6_udp(test::v6("2001:db8:a::2"), 5000, test::v6("2001:db8:ff::1"), 53, test::bytes_of("six"));

TEST_P(Framing, ReadsBothFamiliesWithoutTheHeader) {
    send_frame(families().inet, kIpv4);
    send_frame(families().inet6, kIpv6);
    const auto packets = read_burst();
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_EQ(packets[0], kIpv4);
    EXPECT_EQ(packets[1], kIpv6);
    EXPECT_EQ(device_->stats().rx_packets, 2u);
    EXPECT_EQ(device_->stats().rx_bytes, kIpv4.size() + kIpv6.size());
    EXPECT_EQ(device_->stats().rx_malformed, 0u);
    EXPECT_TRUE(read_burst().empty());  // drained: EAGAIN ends the burst
}

TEST_P(Framing, WritesTheFamilyInTheHeadroom) {
    PacketBuffer four;
    PacketBuffer six;
    std::copy(kIpv4.begin(), kIpv4.end(), four.payload());
    std::copy(kIpv6.begin(), kIpv6.end(), six.payload());
    const std::array<Packet, 2> out = {four.packet(kIpv4.size()), six.packet(kIpv6.size())};
    EXPECT_EQ(device_->write_burst(out), 2u);

    Bytes want4(4);
    wire::store32(want4.data(), families().inet);
    want4.insert(want4.end(), kIpv4.begin(), kIpv4.end());
    Bytes want6(4);
    wire::store32(want6.data(), families().inet6);
    want6.insert(want6.end(), kIpv6.begin(), kIpv6.end());
    EXPECT_EQ(receive_frame(), want4);
    EXPECT_EQ(receive_frame(), want6);
    // The header went into the headroom, just before the packet; the packet itself is untouched.
    EXPECT_EQ(wire::load32(four.payload() - 4), families().inet);
    EXPECT_TRUE(std::equal(kIpv4.begin(), kIpv4.end(), four.payload()));
    EXPECT_EQ(device_->stats().tx_packets, 2u);
    EXPECT_EQ(device_->stats().tx_bytes, kIpv4.size() + kIpv6.size());
}

TEST_P(Framing, DropsShortFramesAndCountsThem) {
    send_raw({});
    send_raw({0, 0});
    Bytes header_only(4);
    wire::store32(header_only.data(), families().inet);
    send_raw(header_only);
    send_frame(families().inet, kIpv4);  // still read, in the same burst
    const auto packets = read_burst();
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0], kIpv4);
    EXPECT_EQ(device_->framing().rx_short, 3u);
    EXPECT_EQ(device_->stats().rx_malformed, 3u);
}

TEST_P(Framing, DropsWrongFamiliesAndCountsThem) {
    // Linux's AF_INET6 (10), another OS's, and the right number for the other IP version.
    send_frame(10, kIpv6);
    for (const auto other : {kDarwinFamilies.inet6, kFreeBsdFamilies.inet6, kOpenBsdFamilies.inet6})
        if (other != families().inet6) send_frame(other, kIpv6);
    send_frame(families().inet6, kIpv4);
    send_frame(families().inet, kIpv6);
    send_frame(0x02000000, kIpv4);  // AF_INET in host order on a little-endian machine
    send_frame(families().inet6, kIpv6);
    const auto packets = read_burst();
    ASSERT_EQ(packets.size(), 1u);
    EXPECT_EQ(packets[0], kIpv6);
    EXPECT_EQ(device_->framing().rx_bad_family, 6u);
    EXPECT_EQ(device_->stats().rx_malformed, 6u);
    EXPECT_EQ(device_->stats().rx_packets, 1u);
}

TEST_P(Framing, DropsWhatItCannotFrame) {
    PacketBuffer buffer;
    std::copy(kIpv4.begin(), kIpv4.end(), buffer.storage.begin());
    const Packet no_headroom(buffer.storage, 0, kIpv4.size());
    Bytes not_ip = kIpv4;
    not_ip[0] = 0x55;
    PacketBuffer other;
    std::copy(not_ip.begin(), not_ip.end(), other.payload());
    const std::array<Packet, 3> out = {no_headroom, other.packet(not_ip.size()), Packet{}};
    EXPECT_EQ(device_->write_burst(out), 0u);
    EXPECT_EQ(device_->framing().tx_no_headroom, 1u);
    EXPECT_EQ(device_->stats().tx_dropped, 3u);
    EXPECT_FALSE(test::wait_readable(peer_.get(), 50));
}

TEST_P(Framing, KeepsTheInterfaceName) {
    EXPECT_EQ(device_->name(), "tun:test");
    EXPECT_EQ(device_->interface(), "test");
    EXPECT_GE(device_->wait_handle(), 0);
}

INSTANTIATE_TEST_SUITE_P(EachOs, Framing,
                         ::testing::Values(Os{"macOS", kDarwinFamilies}, Os{"FreeBSD", kFreeBsdFamilies},
                                           Os{"OpenBSD", kOpenBsdFamilies}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Framing, FamilyNumbersAreEachOsOwn) {
    // AF_INET6 in sys/socket.h of each: xnu 30, FreeBSD 28, OpenBSD 24; AF_INET is 2 everywhere.
    EXPECT_EQ(kDarwinFamilies.inet6, 30u);
    EXPECT_EQ(kFreeBsdFamilies.inet6, 28u);
    EXPECT_EQ(kOpenBsdFamilies.inet6, 24u);
    for (const auto& f : {kDarwinFamilies, kFreeBsdFamilies, kOpenBsdFamilies}) EXPECT_EQ(f.inet, 2u);
}

TEST(Framing, RunsItsCloseHookAfterClosing) {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_DGRAM, 0, pair), 0);
    UniqueFd peer(pair[1]);
    bool closed_first = false;
    {
        const int fd = pair[0];
        FramedTunDevice device(UniqueFd(fd), "tun:x", "x", kFreeBsdFamilies,
                               [&] { closed_first = ::fcntl(fd, F_GETFD) < 0; });
    }
    EXPECT_TRUE(closed_first);
}

}  // namespace
}  // namespace dslite::platform
