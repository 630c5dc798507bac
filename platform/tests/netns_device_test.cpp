// SPDX-License-Identifier: BSD-2-Clause
// Device tests against the real kernel. Run only through run_in_netns.sh:
// they create interfaces and addresses, which must not touch the host.
#include <gtest/gtest.h>

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "platform/device_factory.hpp"
#include "platform/linux/netlink.hpp"
#include "platform/linux/raw_device.hpp"
#include "platform/linux/tun_device.hpp"
#include "platform/system.hpp"
#include "test_packets.hpp"
#include "wait_readable.hpp"

namespace dslite::platform {
namespace {

using test::Bytes;
namespace nl = netlink;

template <typename T>
std::unique_ptr<T> ok(std::variant<std::unique_ptr<T>, std::string> r) {
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
    return std::holds_alternative<std::unique_ptr<T>>(r) ? std::move(std::get<std::unique_ptr<T>>(r)) : nullptr;
}

#define ASSERT_NO_ERROR(call)                             \
    do {                                                  \
        auto error_ = (call);                             \
        ASSERT_FALSE(error_) << #call << ": " << *error_; \
    } while (0)

std::string sysfs(const std::string& interface, const char* file) {
    std::ifstream in("/sys/class/net/" + interface + "/" + file);
    std::string value;
    std::getline(in, value);
    return value;
}

// Reads one packet from `device`, waiting for it; empty if none came.
Bytes read_one(Device& device, int milliseconds = 2000) {
    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    for (int tries = 0; tries < 3; ++tries) {
        if (device.read_burst({&slot, 1}) == 1) return Bytes(slot.bytes().begin(), slot.bytes().end());
        if (!test::wait_readable(device.wait_handle(), milliseconds)) break;
    }
    return {};
}

// Reads packets until a UDP one of `version` comes: the kernel sends its own
// into a fresh TUN too (IPv6 router solicitations, MLD reports).
Bytes read_version(Device& device, unsigned version) {
    for (int i = 0; i < 20; ++i) {
        Bytes p = read_one(device);
        if (p.empty()) return p;
        const bool udp =
            version == 4 ? p.size() > 9 && p[9] == wire::proto_udp : p.size() > 6 && p[6] == wire::proto_udp;
        if (p[0] >> 4 == version && udp) return p;
    }
    return {};
}

struct Socket {
    explicit Socket(int family) : fd(::socket(family, SOCK_DGRAM, 0)) {}
    ~Socket() { ::close(fd); }
    int fd;
};

sockaddr_in ipv4_endpoint(Ipv4Address address, std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(address.value);
    return a;
}

// Binds `s` to `address` and an ephemeral port; returns where it is bound.
sockaddr_in bind_ipv4(const Socket& s, Ipv4Address address) {
    sockaddr_in local = ipv4_endpoint(address, 0);
    EXPECT_EQ(::bind(s.fd, reinterpret_cast<sockaddr*>(&local), sizeof local), 0) << std::strerror(errno);
    socklen_t length = sizeof local;
    ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&local), &length);
    return local;
}

TEST(Netns, IsolatedNamespace) {
    // Guard: these tests reconfigure interfaces; refuse to run in a namespace
    // that has anything but lo (the host's, by mistake).
    std::ifstream dev("/proc/net/dev");
    std::string line;
    int interfaces = 0;
    while (std::getline(dev, line))
        if (line.find(':') != std::string::npos) ++interfaces;
    ASSERT_EQ(interfaces, 1) << "run through run_in_netns.sh";
}

TEST(Netns, TunCreatedConfiguredAndRemoved) {
    {
        auto tun = ok(TunDevice::open("dsl0"));
        ASSERT_TRUE(tun);
        EXPECT_TRUE(tun->created());
        EXPECT_EQ(tun->name(), "tun:dsl0");
        ASSERT_NE(::if_nametoindex("dsl0"), 0u);
        ASSERT_NO_ERROR(nl::set_mtu("dsl0", 1400));
        EXPECT_EQ(sysfs("dsl0", "mtu"), "1400");
        ASSERT_NO_ERROR(nl::set_link_up("dsl0"));
        EXPECT_EQ(std::strtoul(sysfs("dsl0", "flags").c_str(), nullptr, 16) & IFF_UP, unsigned{IFF_UP});
        ASSERT_NO_ERROR(nl::add_address("dsl0", test::v4("10.9.0.1"), 24));
        ASSERT_NO_ERROR(nl::add_address("dsl0", test::v4("10.9.0.1"), 24));  // already there: fine
        ASSERT_NO_ERROR(nl::add_route("dsl0", *parse_ipv4_prefix("10.9.1.0/24")));
        auto again = nl::add_route("dsl0", *parse_ipv4_prefix("10.9.1.0/24"));
        ASSERT_TRUE(again);
        EXPECT_NE(again->find("already exists"), std::string::npos) << *again;
        auto missing = nl::set_link_up("nosuch0");
        ASSERT_TRUE(missing);
        EXPECT_NE(missing->find("nosuch0"), std::string::npos);
    }
    EXPECT_EQ(::if_nametoindex("dsl0"), 0u) << "a TUN we created must vanish with the device";
}

TEST(Netns, TunAttachesToAnExistingTunAndLeavesIt) {
    ASSERT_EQ(std::system("ip tuntap add dev dslp mode tun"), 0);
    {
        auto tun = ok(TunDevice::open("dslp"));
        ASSERT_TRUE(tun);
        EXPECT_FALSE(tun->created());
    }
    EXPECT_NE(::if_nametoindex("dslp"), 0u);
    EXPECT_EQ(std::system("ip link del dslp"), 0);
}

std::string routes(const char* family) {
    std::string out;
    std::FILE* p = ::popen((std::string("ip ") + family + " route show dev dslr 2>&1").c_str(), "r");
    char line[256];
    while (p && std::fgets(line, sizeof line, p)) out += line;
    if (p) ::pclose(p);
    return out;
}

// What the daemons ask of an interface, through platform::configure, and the
// routes gone again after unconfigure: a TUN that was there before the
// daemon (persistent) keeps no stale route to refuse the next start with.
TEST(Netns, ConfigureThenUnconfigureAPersistentTun) {
    ASSERT_EQ(std::system("ip tuntap add dev dslr mode tun"), 0);
    InterfaceConfig c;
    c.interface = "dslr";
    c.mtu = 1480;
    c.ipv4 = InterfaceConfig::Ipv4Ends{kB4Ipv4, kAftrIpv4};
    c.ipv6_routes = {*parse_ipv6_prefix("2001:db8:ff::1/128")};
    c.ipv4_routes = {*parse_ipv4_prefix("198.51.100.0/28")};
    {
        auto tun = ok(TunDevice::open("dslr"));
        ASSERT_TRUE(tun);
        ASSERT_NO_ERROR(configure(c));
        EXPECT_EQ(sysfs("dslr", "mtu"), "1480");
        EXPECT_NE(routes("-6").find("2001:db8:ff::1"), std::string::npos) << routes("-6");
        EXPECT_NE(routes("-4").find("198.51.100.0/28"), std::string::npos) << routes("-4");
        // The B4's 192.0.0.2 in the softwire's /29.
        EXPECT_NE(routes("-4").find("192.0.0.0/29"), std::string::npos) << routes("-4");

        unconfigure(c);
        EXPECT_EQ(routes("-4").find("198.51.100.0/28"), std::string::npos) << routes("-4");
        EXPECT_EQ(routes("-6").find("2001:db8:ff::1"), std::string::npos) << routes("-6");
        unconfigure(c);  // twice: what is gone already is no error
    }
    // The AFTR's uplink TUN on Linux: IPv6 off, no address (only_for_routes).
    ASSERT_EQ(std::system("ip addr flush dev dslr"), 0);
    c.ipv4_only_for_routes = true;
    c.ipv6_routes.clear();
    c.ipv4_only = true;
    {
        auto tun = ok(TunDevice::open("dslr"));
        ASSERT_NO_ERROR(configure(c));  // the route is back without "already exists"
        std::ifstream disabled("/proc/sys/net/ipv6/conf/dslr/disable_ipv6");
        std::string value;
        disabled >> value;
        EXPECT_EQ(value, "1");
        std::string addresses;
        std::FILE* p = ::popen("ip -4 addr show dev dslr", "r");
        char line[256];
        while (p && std::fgets(line, sizeof line, p)) addresses += line;
        if (p) ::pclose(p);
        EXPECT_EQ(addresses.find("192.0.0.1"), std::string::npos) << addresses;
        unconfigure(c);
    }
    EXPECT_EQ(std::system("ip link del dslr"), 0);
}

TEST(Netns, TunRefusesSomethingThatIsNotATun) {
    auto r = TunDevice::open("lo");
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r).rfind("tun:lo: attach", 0), 0u) << std::get<std::string>(r);
}

// Bursts both ways, with io_uring and with a system call per packet: many
// packets at once, none lost, in order, the same either way.
class TunBursts : public ::testing::TestWithParam<TunDevice::Io> {};

TEST_P(TunBursts, ManyPacketsBothWaysInOrder) {
    auto tun = ok(TunDevice::open("dslb", GetParam()));
    ASSERT_TRUE(tun);
    EXPECT_EQ(tun->batched(), GetParam() == TunDevice::Io::ring) << "io_uring should be there on this kernel";
    std::ofstream("/proc/sys/net/ipv6/conf/dslb/disable_ipv6") << "1\n";  // no solicitations among the packets
    ASSERT_NO_ERROR(nl::add_address("dslb", test::v4("10.8.0.1"), 24));
    ASSERT_NO_ERROR(nl::set_link_up("dslb"));
    ASSERT_NO_ERROR(nl::add_route("dslb", *parse_ipv4_prefix("10.8.1.0/24")));

    Socket s(AF_INET);
    const sockaddr_in local = bind_ipv4(s, test::v4("10.8.0.1"));
    const sockaddr_in far = ipv4_endpoint(test::v4("10.8.1.5"), 4000);

    constexpr std::size_t kCount = 150;  // more than the ring keeps in flight
    for (std::size_t i = 0; i < kCount; ++i) {
        const std::uint16_t number = htons(static_cast<std::uint16_t>(i));
        ASSERT_EQ(::sendto(s.fd, &number, 2, 0, reinterpret_cast<const sockaddr*>(&far), sizeof far), 2);
    }
    std::vector<PacketBuffer> buffers(32);
    std::size_t got = 0;
    for (int tries = 0; tries < 100 && got < kCount; ++tries) {
        std::vector<Packet> slots;
        for (auto& b : buffers) slots.push_back(b.packet(kMaxPacket));
        const std::size_t n = tun->read_burst(slots);
        for (std::size_t i = 0; i < n; ++i) {
            if (slots[i].data()[0] >> 4 != 4 || slots[i].data()[wire::ipv4::protocol] != wire::proto_udp) continue;
            ASSERT_EQ(slots[i].size(), 20u + 8 + 2);
            EXPECT_EQ(wire::load16(slots[i].data() + 28), got) << "out of order";
            ++got;
        }
        if (got < kCount && n < slots.size()) test::wait_readable(tun->wait_handle(), 500);
    }
    EXPECT_EQ(got, kCount);
    EXPECT_GE(tun->stats().rx_packets, kCount);

    // Answers, one burst.
    std::vector<Bytes> answers;
    for (std::size_t i = 0; i < 40; ++i) {
        Bytes payload(2);
        wire::store16(payload.data(), static_cast<std::uint16_t>(i));
        answers.push_back(
            test::ipv4_udp(test::v4("10.8.1.5"), 4000, test::v4("10.8.0.1"), ntohs(local.sin_port), payload));
    }
    std::vector<Packet> out;
    for (auto& a : answers) out.emplace_back(a, 0, a.size());
    EXPECT_EQ(tun->write_burst(out), answers.size());
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_TRUE(test::wait_readable(s.fd)) << i;
        std::uint8_t number[2];
        ASSERT_EQ(::recv(s.fd, number, 2, 0), 2);
        EXPECT_EQ(wire::load16(number), i);
    }
    EXPECT_EQ(tun->stats().tx_packets, answers.size());
}

INSTANTIATE_TEST_SUITE_P(Io, TunBursts, ::testing::Values(TunDevice::Io::ring, TunDevice::Io::system_calls),
                         [](const auto& info) { return info.param == TunDevice::Io::ring ? "ring" : "system_calls"; });

TEST(Netns, TunRoundTripIpv4AndIpv6) {
    auto made = make_device("uplink-device", "tun:dsl1", {});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Device>>(made)) << std::get<std::string>(made);
    auto& tun = *std::get<std::unique_ptr<Device>>(made);
    ASSERT_NO_ERROR(nl::add_address("dsl1", test::v4("10.9.0.1"), 24));
    ASSERT_NO_ERROR(nl::add_address("dsl1", test::v6("fd00:9::1"), 64));
    ASSERT_NO_ERROR(nl::set_link_up("dsl1"));
    ASSERT_NO_ERROR(nl::add_route("dsl1", *parse_ipv4_prefix("10.9.1.0/24")));
    ASSERT_NO_ERROR(nl::add_route("dsl1", *parse_ipv6_prefix("fd00:99::/64")));

    // Kernel to TUN, IPv4.
    Socket s4(AF_INET);
    const std::uint16_t port4 = ntohs(bind_ipv4(s4, test::v4("10.9.0.1")).sin_port);
    const sockaddr_in far4 = ipv4_endpoint(test::v4("10.9.1.5"), 4000);
    ASSERT_EQ(::sendto(s4.fd, "ping", 4, 0, reinterpret_cast<const sockaddr*>(&far4), sizeof far4), 4);
    const Bytes out4 = read_version(tun, 4);
    ASSERT_EQ(out4.size(), 20u + 8 + 4);
    EXPECT_EQ(out4[wire::ipv4::protocol], wire::proto_udp);
    EXPECT_EQ(wire::load32(&out4[wire::ipv4::source]), test::v4("10.9.0.1").value);
    EXPECT_EQ(wire::load32(&out4[wire::ipv4::destination]), test::v4("10.9.1.5").value);
    EXPECT_EQ(wire::load16(&out4[20 + wire::l4::source_port]), port4);
    EXPECT_EQ(wire::load16(&out4[20 + wire::l4::destination_port]), 4000);
    EXPECT_EQ(Bytes(out4.end() - 4, out4.end()), test::bytes_of("ping"));

    // TUN to kernel, IPv4: an answer from the far host reaches the socket.
    const Bytes in4 = test::ipv4_udp(test::v4("10.9.1.5"), 4000, test::v4("10.9.0.1"), port4, test::bytes_of("pong"));
    Bytes copy = in4;
    Packet p4(copy, 0, copy.size());
    ASSERT_EQ(tun.write_burst({&p4, 1}), 1u);
    ASSERT_TRUE(test::wait_readable(s4.fd));
    char answer[16] = {};
    sockaddr_in from4{};
    socklen_t length = sizeof from4;
    ASSERT_EQ(::recvfrom(s4.fd, answer, sizeof answer, 0, reinterpret_cast<sockaddr*>(&from4), &length), 4);
    EXPECT_EQ(std::string(answer, 4), "pong");
    EXPECT_EQ(ntohl(from4.sin_addr.s_addr), test::v4("10.9.1.5").value);
    EXPECT_EQ(ntohs(from4.sin_port), 4000);

    // The same TUN carries IPv6 both ways.
    Socket s6(AF_INET6);
    sockaddr_in6 local6{};
    local6.sin6_family = AF_INET6;
    const auto me6 = test::v6("fd00:9::1");
    std::memcpy(&local6.sin6_addr, me6.data(), 16);
    ASSERT_EQ(::bind(s6.fd, reinterpret_cast<sockaddr*>(&local6), sizeof local6), 0) << std::strerror(errno);
    length = sizeof local6;
    ::getsockname(s6.fd, reinterpret_cast<sockaddr*>(&local6), &length);
    const std::uint16_t port6 = ntohs(local6.sin6_port);
    sockaddr_in6 far6{};
    far6.sin6_family = AF_INET6;
    far6.sin6_port = htons(4000);
    const auto far = test::v6("fd00:99::5");
    std::memcpy(&far6.sin6_addr, far.data(), 16);
    ASSERT_EQ(::sendto(s6.fd, "ping6", 5, 0, reinterpret_cast<sockaddr*>(&far6), sizeof far6), 5);
    Bytes out6 = read_version(tun, 6);
    ASSERT_GE(out6.size(), 4u);
    out6[1] &= 0xf0;  // the kernel picks a flow label; the rest is what we would have built
    out6[2] = out6[3] = 0;
    EXPECT_EQ(out6, test::ipv6_udp(me6, port6, far, 4000, test::bytes_of("ping6")));

    Bytes in6 = test::ipv6_udp(far, 4000, me6, port6, test::bytes_of("pong6"));
    Packet p6(in6, 0, in6.size());
    ASSERT_EQ(tun.write_burst({&p6, 1}), 1u);
    ASSERT_TRUE(test::wait_readable(s6.fd));
    ASSERT_EQ(::recv(s6.fd, answer, sizeof answer, 0), 5);
    EXPECT_EQ(std::string(answer, 5), "pong6");
}

class RawSoftwire : public ::testing::Test {
protected:
    void SetUp() override {
        // Both tunnel ends on lo; a small MTU makes large packets fragment.
        ASSERT_NO_ERROR(nl::set_mtu("lo", 1280));
        ASSERT_NO_ERROR(nl::add_address("lo", aftr_address, 128));
        ASSERT_NO_ERROR(nl::add_address("lo", b4_address, 128));
        aftr = ok(RawDevice::open(aftr_address));
        b4 = ok(RawDevice::open(b4_address));
        ASSERT_TRUE(aftr && b4);
    }

    const Ipv6Address aftr_address = test::v6("2001:db8:ff::1");
    const Ipv6Address b4_address = test::v6("2001:db8:a::2");
    std::unique_ptr<RawDevice> aftr, b4;
};

Bytes inner_of_size(std::size_t payload) {
    Bytes data(payload);
    for (std::size_t i = 0; i < payload; ++i) data[i] = static_cast<std::uint8_t>(i * 7);
    return test::ipv4_udp(test::v4("192.0.0.2"), 5000, test::v4("198.51.100.1"), 53, data);
}

TEST_F(RawSoftwire, RebuildsTheIpv6HeaderBothWays) {
    const Bytes inner = inner_of_size(100);
    Bytes sent = test::ipv6(b4_address, aftr_address, 4, inner, 0xb8, 64);
    Packet p(sent, 0, sent.size());
    ASSERT_EQ(b4->write_burst({&p, 1}), 1u);

    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    ASSERT_TRUE(test::wait_readable(aftr->wait_handle()));
    ASSERT_EQ(aftr->read_burst({&slot, 1}), 1u);
    EXPECT_EQ(Bytes(slot.bytes().begin(), slot.bytes().end()), sent);  // TC 0xb8, hop limit 64, nh 4, both addresses
    EXPECT_EQ(slot.headroom(), kHeadroom - wire::ipv6::header_size);
    EXPECT_EQ(aftr->stats().rx_packets, 1u);

    Bytes back = test::ipv6(aftr_address, b4_address, 4, inner, 0x04, 17);
    Packet q(back, 0, back.size());
    ASSERT_EQ(aftr->write_burst({&q, 1}), 1u);
    EXPECT_EQ(read_one(*b4), back);
    EXPECT_TRUE(read_one(*aftr, 100).empty());  // nothing echoed to the sender
}

TEST_F(RawSoftwire, KernelFragmentsAndReassembles) {
    const Bytes inner = inner_of_size(3000);  // > 1280: leaves as IPv6 fragments
    Bytes sent = test::ipv6(b4_address, aftr_address, 4, inner, 0, 64);
    Packet p(sent, 0, sent.size());
    ASSERT_EQ(b4->write_burst({&p, 1}), 1u);
    EXPECT_EQ(read_one(*aftr), sent);
}

// What the engine sends when a packet is over the tunnel MTU: IPv6 fragments
// it made itself, fragment header and all; the B4's kernel puts them together.
TEST_F(RawSoftwire, SendsTheEnginesOwnFragments) {
    const Bytes inner = inner_of_size(2000);
    const std::size_t first = 1232;  // a multiple of 8 that fills 1280 with both headers
    const auto fragment = [&](std::size_t offset, std::size_t length, bool more) {
        Bytes header(8, 0);
        header[0] = wire::proto_ipv4;
        wire::store16(&header[2], static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
        wire::store32(&header[4], 0x12345678);
        header.insert(header.end(), inner.begin() + offset, inner.begin() + offset + length);
        return test::ipv6(aftr_address, b4_address, wire::proto_fragment, header);
    };
    Bytes one = fragment(0, first, true);
    Bytes two = fragment(first, inner.size() - first, false);
    ASSERT_EQ(one.size(), 1280u);
    Packet packets[2] = {{one, 0, one.size()}, {two, 0, two.size()}};
    EXPECT_EQ(aftr->write_burst(packets), 2u);
    EXPECT_EQ(aftr->stats().tx_dropped, 0u);
    EXPECT_EQ(read_one(*b4), test::ipv6(aftr_address, b4_address, 4, inner));
}

// Bursts both ways in batches (sendmmsg, recvmmsg), runs of each socket
// kept in order: plain packets, the engine's fragments, plain again.
TEST_F(RawSoftwire, BurstsKeepTheirOrderAcrossBothSockets) {
    std::vector<Bytes> inners;
    for (std::size_t i = 0; i < 5; ++i) inners.push_back(inner_of_size(i == 2 ? 2000 : 100 + i));
    std::vector<Bytes> out;
    for (std::size_t i = 0; i < inners.size(); ++i) {
        if (i != 2) {
            out.push_back(test::ipv6(aftr_address, b4_address, 4, inners[i]));
            continue;
        }
        for (std::size_t offset = 0; offset < inners[i].size(); offset += 1232) {
            const std::size_t length = std::min<std::size_t>(1232, inners[i].size() - offset);
            Bytes header(8, 0);
            header[0] = wire::proto_ipv4;
            const bool more = offset + length < inners[i].size();
            wire::store16(&header[2], static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
            wire::store32(&header[4], 0x2468);
            header.insert(header.end(), inners[i].begin() + offset, inners[i].begin() + offset + length);
            out.push_back(test::ipv6(aftr_address, b4_address, wire::proto_fragment, header));
        }
    }
    std::vector<Packet> packets;
    for (auto& bytes : out) packets.emplace_back(bytes, 0, bytes.size());
    EXPECT_EQ(aftr->write_burst(packets), out.size());

    std::vector<PacketBuffer> buffers(8);
    std::vector<Packet> slots;
    for (auto& b : buffers) slots.push_back(b.packet(kMaxPacket));
    std::size_t got = 0;
    for (int tries = 0; tries < 10 && got < inners.size(); ++tries) {
        ASSERT_TRUE(test::wait_readable(b4->wait_handle()));
        got += b4->read_burst(std::span(slots).subspan(got));
    }
    ASSERT_EQ(got, inners.size());
    for (std::size_t i = 0; i < got; ++i)
        EXPECT_EQ(Bytes(slots[i].bytes().begin(), slots[i].bytes().end()),
                  test::ipv6(aftr_address, b4_address, 4, inners[i]))
            << i;
}

TEST_F(RawSoftwire, RefusesWhatItCannotSend) {
    const Bytes inner = inner_of_size(10);
    Bytes not_ours = test::ipv6(test::v6("2001:db8:a::3"), aftr_address, 4, inner);
    Bytes not_ipip = test::ipv6(b4_address, aftr_address, wire::proto_udp, inner);
    Bytes short_one(20, 0x60);
    Bytes udp_header(8, 0);
    udp_header[0] = wire::proto_udp;  // a fragment, but not of IPv4-in-IPv6
    udp_header.insert(udp_header.end(), inner.begin(), inner.end());
    Bytes not_ipip_fragment = test::ipv6(b4_address, aftr_address, wire::proto_fragment, udp_header);
    Packet packets[4] = {{not_ours, 0, not_ours.size()},
                         {not_ipip, 0, not_ipip.size()},
                         {short_one, 0, 20},
                         {not_ipip_fragment, 0, not_ipip_fragment.size()}};
    EXPECT_EQ(b4->write_burst(packets), 0u);
    EXPECT_EQ(b4->stats().tx_dropped, 4u);
    EXPECT_TRUE(read_one(*aftr, 100).empty());
}

TEST_F(RawSoftwire, OpenFailsForAnAddressNotConfigured) {
    auto r = RawDevice::open(test::v6("2001:db8:ee::1"));
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_NE(std::get<std::string>(r).find("bind"), std::string::npos) << std::get<std::string>(r);
    auto f = make_device("b4-device", "raw", DeviceContext{test::v6("2001:db8:ee::1")});
    ASSERT_TRUE(std::holds_alternative<std::string>(f));
    EXPECT_EQ(std::get<std::string>(f).rfind("b4-device: raw (2001:db8:ee::1): bind", 0), 0u)
        << std::get<std::string>(f);
}

}  // namespace
}  // namespace dslite::platform

namespace dslite::platform {
namespace {

// The TUN of --threads N: a queue per thread. Flows spread over the queues,
// what any queue writes goes into the stack, and (automatic steering) a flow
// whose answer one queue wrote comes back to that queue.
TEST(Netns, TunQueuesSpreadFlowsAndFollowTheQueueThatAnswered) {
    auto opened = TunDevice::open_queues("dslq", 2);
    ASSERT_TRUE(std::holds_alternative<std::vector<std::unique_ptr<TunDevice>>>(opened))
        << std::get<std::string>(opened);
    auto queues = std::move(std::get<std::vector<std::unique_ptr<TunDevice>>>(opened));
    ASSERT_EQ(queues.size(), 2u);
    EXPECT_EQ(queues[0]->interface(), "dslq");
    EXPECT_EQ(queues[1]->interface(), "dslq");
    EXPECT_EQ(queues[1]->name(), "tun:dslq#1");
    EXPECT_TRUE(queues[1]->created());
    std::ofstream("/proc/sys/net/ipv6/conf/dslq/disable_ipv6") << "1\n";
    ASSERT_NO_ERROR(nl::add_address("dslq", test::v4("10.7.0.1"), 24));
    ASSERT_NO_ERROR(nl::set_link_up("dslq"));
    ASSERT_NO_ERROR(nl::add_route("dslq", *parse_ipv4_prefix("10.7.1.0/24")));

    // 32 flows (a socket each), one datagram each: which queue has each.
    constexpr int kFlows = 32;
    std::vector<std::unique_ptr<Socket>> sockets;
    std::map<std::uint16_t, int> queue_of;  // by source port
    const sockaddr_in far = ipv4_endpoint(test::v4("10.7.1.5"), 4000);
    auto send_all = [&] {
        for (auto& s : sockets)
            ASSERT_EQ(::sendto(s->fd, "x", 1, 0, reinterpret_cast<const sockaddr*>(&far), sizeof far), 1);
    };
    auto read_all = [&] {
        std::map<std::uint16_t, int> seen;
        for (int tries = 0; tries < 50 && seen.size() < kFlows; ++tries) {
            for (int q = 0; q < 2; ++q) {
                PacketBuffer buffer;
                Packet slot = buffer.packet(kMaxPacket);
                while (queues[q]->read_burst({&slot, 1}) == 1) {
                    if (slot.data()[0] >> 4 == 4 && slot.data()[wire::ipv4::protocol] == wire::proto_udp)
                        seen[wire::load16(slot.data() + 20)] = q;
                    slot = buffer.packet(kMaxPacket);
                }
            }
            if (seen.size() < kFlows) ::usleep(20'000);
        }
        return seen;
    };
    for (int i = 0; i < kFlows; ++i) {
        sockets.push_back(std::make_unique<Socket>(AF_INET));
        bind_ipv4(*sockets.back(), test::v4("10.7.0.1"));
    }
    send_all();
    queue_of = read_all();
    ASSERT_EQ(queue_of.size(), std::size_t{kFlows});
    int on_first = 0;
    for (const auto& [port, q] : queue_of) on_first += q == 0;
    EXPECT_GT(on_first, 0) << "every flow on queue 1";
    EXPECT_LT(on_first, kFlows) << "every flow on queue 0";

    // Each flow answered by the queue it did not come in on: every answer
    // arrives, and the flow's next packet comes to the queue that answered.
    std::map<std::uint16_t, int> answered_by;
    for (const auto& [port, q] : queue_of) {
        const int other = 1 - q;
        Bytes answer = test::ipv4_udp(test::v4("10.7.1.5"), 4000, test::v4("10.7.0.1"), port, test::bytes_of("a"));
        Packet p(answer, 0, answer.size());
        ASSERT_EQ(queues[other]->write_burst({&p, 1}), 1u);
        answered_by[port] = other;
    }
    for (auto& s : sockets) {
        ASSERT_TRUE(test::wait_readable(s->fd)) << "an answer written by a queue did not arrive";
        char byte;
        ASSERT_EQ(::recv(s->fd, &byte, 1, 0), 1);
    }
    send_all();
    const auto again = read_all();
    ASSERT_EQ(again.size(), std::size_t{kFlows});
    int followed = 0;
    for (const auto& [port, q] : again) followed += answered_by[port] == q;
    EXPECT_EQ(followed, kFlows) << "flows that came back to the queue that answered them";
}

TEST(Netns, TunQueuesRefuseATunMadeWithoutThem) {
    ASSERT_EQ(std::system("ip tuntap add dev dsls mode tun"), 0);
    auto opened = TunDevice::open_queues("dsls", 2);
    ASSERT_TRUE(std::holds_alternative<std::string>(opened));
    EXPECT_NE(std::get<std::string>(opened).find("without multiple queues"), std::string::npos)
        << std::get<std::string>(opened);
    EXPECT_EQ(std::system("ip link del dsls"), 0);
    // Only TUNs have queues.
    auto raw = open_device_queues("--b4-device", RawSpec{}, DeviceContext{}, 2);
    ASSERT_TRUE(std::holds_alternative<std::string>(raw));
    EXPECT_EQ(std::get<std::string>(raw).rfind("--b4-device: has one queue", 0), 0u) << std::get<std::string>(raw);
}

}  // namespace
}  // namespace dslite::platform
