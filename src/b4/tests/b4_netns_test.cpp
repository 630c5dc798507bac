// SPDX-License-Identifier: BSD-2-Clause
// dslite-b4 itself, run as a child process in a namespace made by
// run_in_netns.sh; this test plays the AFTR through a raw device on lo and
// a host on the B4's home side through an ordinary UDP socket.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "platform/linux/netlink.hpp"
#include "platform/linux/raw_device.hpp"
#include "platform/tests/test_packets.hpp"
#include "platform/tests/wait_readable.hpp"

extern char** environ;

namespace dslite::b4 {
namespace {

using test::Bytes;
const char* g_b4_binary = nullptr;

const Ipv6Address kB4 = test::v6("2001:db8:a::2");
const Ipv6Address kAftr = test::v6("2001:db8:ff::1");

class B4Process : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_NE(g_b4_binary, nullptr);
        for (const auto& a : {kB4, kAftr}) {
            auto error = platform::netlink::add_address("lo", a, 128);
            ASSERT_FALSE(error) << *error;
        }
        auto aftr_device = platform::RawDevice::open(kAftr);
        ASSERT_TRUE(std::holds_alternative<std::unique_ptr<platform::RawDevice>>(aftr_device))
            << std::get<std::string>(aftr_device);
        aftr = std::move(std::get<std::unique_ptr<platform::RawDevice>>(aftr_device));

        const char* argv[] = {g_b4_binary, "--b4-address", "2001:db8:a::2", "--aftr-address", "2001:db8:ff::1",
                              "--device",  "tun:b4",       "--log-level",   "warn",           nullptr};
        ASSERT_EQ(::posix_spawn(&child, g_b4_binary, nullptr, nullptr, const_cast<char**>(argv), environ), 0);
        // Ready once it has configured the TUN's default route (the last step).
        for (int i = 0; i < 200 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        ASSERT_TRUE(ready()) << "dslite-b4 did not bring up tun:b4";
    }

    void TearDown() override {
        if (child > 0) {
            ::kill(child, SIGTERM);
            int status = 0;
            ::waitpid(child, &status, 0);
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
            EXPECT_EQ(::if_nametoindex("b4"), 0u) << "the TUN it created must be gone";
        }
    }

    static bool ready() {
        const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
        sockaddr_in far{};
        far.sin_family = AF_INET;
        far.sin_port = htons(53);
        far.sin_addr.s_addr = htonl(test::v4("198.51.100.1").value);
        // connect() succeeds only once a route (the default via tun:b4) exists.
        const bool routed = ::connect(s, reinterpret_cast<sockaddr*>(&far), sizeof far) == 0;
        ::close(s);
        return routed;
    }

    pid_t child = 0;
    std::unique_ptr<platform::RawDevice> aftr;
};

TEST_F(B4Process, EncapsulatesToTheAftrAndDecapsulatesBack) {
    const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in far{};
    far.sin_family = AF_INET;
    far.sin_port = htons(53);
    far.sin_addr.s_addr = htonl(test::v4("198.51.100.1").value);
    ASSERT_EQ(::sendto(s, "query", 5, 0, reinterpret_cast<sockaddr*>(&far), sizeof far), 5);

    // What the AFTR sees: IPv4-in-IPv6 from the B4, inner source 192.0.0.2.
    PacketBuffer buffer;
    Packet slot = buffer.packet(kMaxPacket);
    ASSERT_TRUE(test::wait_readable(aftr->wait_handle()));
    ASSERT_EQ(aftr->read_burst({&slot, 1}), 1u);
    const std::uint8_t* h = slot.data();
    ASSERT_EQ(slot.size(), 40u + 20 + 8 + 5);
    EXPECT_EQ(h[wire::ipv6::next_header], wire::proto_ipv4);
    EXPECT_EQ(h[wire::ipv6::hop_limit], 64);
    EXPECT_TRUE(std::equal(kB4.begin(), kB4.end(), h + wire::ipv6::source));
    EXPECT_TRUE(std::equal(kAftr.begin(), kAftr.end(), h + wire::ipv6::destination));
    const std::uint8_t* inner = h + 40;
    EXPECT_EQ(wire::load32(inner + wire::ipv4::source), test::v4("192.0.0.2").value);
    EXPECT_EQ(wire::load32(inner + wire::ipv4::destination), test::v4("198.51.100.1").value);
    const std::uint16_t port = wire::load16(inner + 20 + wire::l4::source_port);
    EXPECT_EQ(Bytes(inner + 28, inner + 33), test::bytes_of("query"));

    // The answer, and a spoofed one from another IPv6 source that must not get through.
    Bytes spoofed_inner =
        test::ipv4_udp(test::v4("198.51.100.1"), 53, test::v4("192.0.0.2"), port, test::bytes_of("spoof"));
    Bytes spoofed = test::ipv6(test::v6("2001:db8:ff::99"), kB4, 4, spoofed_inner);
    Bytes answer =
        test::ipv6(kAftr, kB4, 4,
                   test::ipv4_udp(test::v4("198.51.100.1"), 53, test::v4("192.0.0.2"), port, test::bytes_of("answer")));
    ASSERT_TRUE(platform::netlink::add_address("lo", test::v6("2001:db8:ff::99"), 128) == std::nullopt);
    auto spoofer = std::move(
        std::get<std::unique_ptr<platform::RawDevice>>(platform::RawDevice::open(test::v6("2001:db8:ff::99"))));
    Packet spoof_packet(spoofed, 0, spoofed.size());
    ASSERT_EQ(spoofer->write_burst({&spoof_packet, 1}), 1u);
    Packet answer_packet(answer, 0, answer.size());
    ASSERT_EQ(aftr->write_burst({&answer_packet, 1}), 1u);

    char got[16] = {};
    ASSERT_TRUE(test::wait_readable(s));
    ASSERT_EQ(::recv(s, got, sizeof got, 0), 6);
    EXPECT_EQ(std::string(got, 6), "answer");
    EXPECT_FALSE(test::wait_readable(s, 200)) << "the spoofed packet got through";
    ::close(s);
}

}  // namespace
}  // namespace dslite::b4

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s PATH-TO-dslite-b4 (inside a network namespace)\n", argv[0]);
        return 2;
    }
    dslite::b4::g_b4_binary = argv[1];
    return RUN_ALL_TESTS();
}
