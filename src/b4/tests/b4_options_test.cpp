// SPDX-License-Identifier: BSD-2-Clause
#include "b4_options.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace dslite::b4 {
namespace {

std::variant<Options, Help, std::string> parse(std::vector<const char*> args) {
    args.insert(args.begin(), "dslite-b4");
    return parse_options(static_cast<int>(args.size()), args.data());
}

Options ok(std::vector<const char*> args) {
    auto r = parse(std::move(args));
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
    return std::holds_alternative<Options>(r) ? std::get<Options>(r) : Options{};
}

std::string error(std::vector<const char*> args) {
    auto r = parse(std::move(args));
    EXPECT_TRUE(std::holds_alternative<std::string>(r));
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(B4Options, Defaults) {
    const auto o = ok({"--b4-address", "2001:db8:a::2", "--aftr-address", "2001:db8:ff::1"});
    EXPECT_EQ(o.b4_address, *parse_ipv6("2001:db8:a::2"));
    EXPECT_EQ(o.aftr_address, *parse_ipv6("2001:db8:ff::1"));
    EXPECT_EQ(std::get<platform::TunSpec>(o.device).interface, "b4");
    EXPECT_FALSE(o.aftr_udp);
    EXPECT_TRUE(o.configure);
    EXPECT_EQ(o.mtu, 1460u);
    EXPECT_EQ(o.log_level, spdlog::level::info);
}

TEST(B4Options, Everything) {
    const auto o = ok({"--b4-address", "2001:db8:a::2", "--aftr-address", "2001:db8:ff::1", "--device", "tun:home",
                       "--aftr", "udp:[2001:db8:ff::1]:4789", "--mtu", "1400", "--log-level", "debug"});
    EXPECT_EQ(std::get<platform::TunSpec>(o.device).interface, "home");
    ASSERT_TRUE(o.aftr_udp);
    EXPECT_EQ(o.aftr_udp->host, "2001:db8:ff::1");
    EXPECT_EQ(o.aftr_udp->port, 4789);
    EXPECT_EQ(o.mtu, 1400u);
    EXPECT_EQ(o.log_level, spdlog::level::debug);
    EXPECT_FALSE(ok({"--b4-address", "2001:db8:a::2", "--aftr-address", "2001:db8:ff::1", "--no-configure"}).configure);
}

TEST(B4Options, ErrorsNameTheOption) {
    const char* b4[] = {"--b4-address", "2001:db8:a::2"};
    const char* aftr[] = {"--aftr-address", "2001:db8:ff::1"};
    EXPECT_EQ(error({aftr[0], aftr[1]}), "b4-address: required");
    EXPECT_EQ(error({b4[0], b4[1]}), "aftr-address: required");
    EXPECT_EQ(error({"--b4-address", "192.0.2.1", aftr[0], aftr[1]}), "b4-address: '192.0.2.1' is not an IPv6 address");
    EXPECT_EQ(error({b4[0], b4[1], "--aftr-address", "2001:db8:a::2"}), "aftr-address: the same as b4-address");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--device", "raw"}), "device: the B4 needs a TUN (tun:NAME)");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--device", "eth0"}).rfind("device: unknown device 'eth0'", 0),
              0u);
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--aftr", "tcp:x:1"}), "aftr: 'tcp:x:1' is not udp:HOST:PORT");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--mtu", "67"}), "mtu: '67' is not a number from 68 to 65535");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--mtu", "1400", "--no-configure"}),
              "mtu: has no effect with --no-configure");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--log-level", "loud"}).rfind("log-level: 'loud'", 0), 0u);
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--bogus"}).rfind("bogus: ", 0), 0u);
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--mtu"}).rfind("mtu: ", 0), 0u);
    // Boost's own message placeholders in the user's text: once a loop without end.
    EXPECT_EQ(error({"--no-configure=%canonical_option%"}), "no-configure: takes no value");
    EXPECT_EQ(error({b4[0], b4[1], aftr[0], aftr[1], "--%canonical_option%"}), "%canonical_option%: unknown option");
}

TEST(B4Options, Help) {
    auto r = parse({"--help"});
    ASSERT_TRUE(std::holds_alternative<Help>(r));
    EXPECT_NE(std::get<Help>(r).text.find("--b4-address"), std::string::npos);
}

}  // namespace
}  // namespace dslite::b4
