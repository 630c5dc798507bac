// SPDX-License-Identifier: BSD-2-Clause
// The ifconfig and route argv lists macOS, FreeBSD and OpenBSD get for the
// AFTR's two interfaces, a shared one and dslite-b4's, written out in full:
// what the README tells --no-configure users to type. Checked here on Linux;
// the systems themselves are not run.
#include "platform/bsd/interface_commands.hpp"

#include <gtest/gtest.h>

#include "platform/posix/command.hpp"

namespace dslite::platform::bsd {
namespace {

using Lines = std::vector<std::string>;

Lines lines(const std::vector<Command>& commands) {
    Lines out;
    for (const auto& c : commands) out.push_back(to_string(c));
    return out;
}

Ipv6Prefix aftr() { return *parse_ipv6_prefix("2001:db8:ff::1/128"); }
Ipv4Prefix pool() { return *parse_ipv4_prefix("198.51.100.0/28"); }

// As src/daemon and src/b4 build them.
InterfaceConfig b4_side(std::string name) {
    InterfaceConfig c;
    c.interface = std::move(name);
    c.mtu = 1500;
    c.ipv6_routes = {aftr()};
    return c;
}
InterfaceConfig uplink_side(std::string name) {
    InterfaceConfig c;
    c.interface = std::move(name);
    c.mtu = 1500;
    c.ipv4 = InterfaceConfig::Ipv4Ends{kAftrIpv4, kB4Ipv4};
    c.ipv4_only_for_routes = true;
    c.ipv4_routes = {pool()};
    c.ipv4_only = true;
    return c;
}
InterfaceConfig both_sides(std::string name) {
    InterfaceConfig c = b4_side(std::move(name));
    c.ipv4 = InterfaceConfig::Ipv4Ends{kAftrIpv4, kB4Ipv4};
    c.ipv4_only_for_routes = true;
    c.ipv4_routes = {pool()};
    return c;
}
InterfaceConfig home_side(std::string name) {
    InterfaceConfig c;
    c.interface = std::move(name);
    c.mtu = 1460;
    c.ipv4 = InterfaceConfig::Ipv4Ends{kB4Ipv4, kAftrIpv4};
    c.ipv4_routes = {Ipv4Prefix{Ipv4Address{0}, 0}};
    return c;
}

TEST(InterfaceCommands, MacOs) {
    EXPECT_EQ(lines(setup_commands(System::darwin, b4_side("utun3"))),
              (Lines{"/sbin/ifconfig utun3 mtu 1500 up", "/sbin/ifconfig utun3 inet6 fe80::1%utun3 prefixlen 64",
                     "/sbin/route -n add -inet6 2001:db8:ff::1/128 -interface utun3"}));
    EXPECT_EQ(lines(setup_commands(System::darwin, uplink_side("utun4"))),
              (Lines{"/sbin/ifconfig utun4 mtu 1500 up",
                     "/sbin/ifconfig utun4 inet 192.0.0.1 192.0.0.2 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 198.51.100.0/28 -interface utun4"}));
    EXPECT_EQ(lines(setup_commands(System::darwin, both_sides("utun3"))),
              (Lines{"/sbin/ifconfig utun3 mtu 1500 up",
                     "/sbin/ifconfig utun3 inet 192.0.0.1 192.0.0.2 netmask 255.255.255.255",
                     "/sbin/ifconfig utun3 inet6 fe80::1%utun3 prefixlen 64",
                     "/sbin/route -n add -inet6 2001:db8:ff::1/128 -interface utun3",
                     "/sbin/route -n add -inet 198.51.100.0/28 -interface utun3"}));
    EXPECT_EQ(lines(setup_commands(System::darwin, home_side("utun5"))),
              (Lines{"/sbin/ifconfig utun5 mtu 1460 up",
                     "/sbin/ifconfig utun5 inet 192.0.0.2 192.0.0.1 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 0.0.0.0/1 -interface utun5",
                     "/sbin/route -n add -inet 128.0.0.0/1 -interface utun5"}));
    EXPECT_EQ(
        lines(teardown_commands(System::darwin, both_sides("utun3"))),
        (Lines{"/sbin/route -n delete -inet 198.51.100.0/28", "/sbin/route -n delete -inet6 2001:db8:ff::1/128"}));
    EXPECT_EQ(lines(teardown_commands(System::darwin, home_side("utun5"))),
              (Lines{"/sbin/route -n delete -inet 0.0.0.0/1", "/sbin/route -n delete -inet 128.0.0.0/1"}));
}

TEST(InterfaceCommands, FreeBsd) {
    EXPECT_EQ(lines(setup_commands(System::freebsd, b4_side("tun0"))),
              (Lines{"/sbin/ifconfig tun0 mtu 1500 up", "/sbin/ifconfig tun0 inet6 -ifdisabled",
                     "/sbin/route -n add -inet6 2001:db8:ff::1/128 -interface tun0"}));
    EXPECT_EQ(lines(setup_commands(System::freebsd, uplink_side("tun1"))),
              (Lines{"/sbin/ifconfig tun1 mtu 1500 up",
                     "/sbin/ifconfig tun1 inet 192.0.0.1 192.0.0.2 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 198.51.100.0/28 -interface tun1"}));
    EXPECT_EQ(lines(setup_commands(System::freebsd, home_side("tun2"))),
              (Lines{"/sbin/ifconfig tun2 mtu 1460 up",
                     "/sbin/ifconfig tun2 inet 192.0.0.2 192.0.0.1 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 0.0.0.0/1 -interface tun2",
                     "/sbin/route -n add -inet 128.0.0.0/1 -interface tun2"}));
    EXPECT_EQ(lines(teardown_commands(System::freebsd, b4_side("tun0"))),
              (Lines{"/sbin/route -n delete -inet6 2001:db8:ff::1/128"}));
}

TEST(InterfaceCommands, OpenBsd) {
    // OpenBSD's route takes the interface's own address as the gateway (-iface).
    EXPECT_EQ(lines(setup_commands(System::openbsd, b4_side("tun0"))),
              (Lines{"/sbin/ifconfig tun0 mtu 1500 up", "/sbin/ifconfig tun0 inet6 fe80::1%tun0 prefixlen 64",
                     "/sbin/route -n add -inet6 2001:db8:ff::1/128 -iface fe80::1%tun0"}));
    EXPECT_EQ(lines(setup_commands(System::openbsd, uplink_side("tun1"))),
              (Lines{"/sbin/ifconfig tun1 mtu 1500 up",
                     "/sbin/ifconfig tun1 inet 192.0.0.1 192.0.0.2 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 198.51.100.0/28 -iface 192.0.0.1"}));
    EXPECT_EQ(lines(setup_commands(System::openbsd, home_side("tun2"))),
              (Lines{"/sbin/ifconfig tun2 mtu 1460 up",
                     "/sbin/ifconfig tun2 inet 192.0.0.2 192.0.0.1 netmask 255.255.255.255",
                     "/sbin/route -n add -inet 0.0.0.0/1 -iface 192.0.0.2",
                     "/sbin/route -n add -inet 128.0.0.0/1 -iface 192.0.0.2"}));
    EXPECT_EQ(lines(teardown_commands(System::openbsd, uplink_side("tun1"))),
              (Lines{"/sbin/route -n delete -inet 198.51.100.0/28"}));
}

TEST(InterfaceCommands, EveryPoolAndNoShell) {
    InterfaceConfig c = uplink_side("utun4");
    c.ipv4_routes.push_back(*parse_ipv4_prefix("203.0.113.0/29"));
    const auto commands = setup_commands(System::darwin, c);
    ASSERT_EQ(commands.size(), 4u);
    EXPECT_EQ(to_string(commands[3]), "/sbin/route -n add -inet 203.0.113.0/29 -interface utun4");
    // Each word is its own argument: nothing for a shell to split or expand.
    EXPECT_EQ(commands[3].argv,
              (std::vector<std::string>{"/sbin/route", "-n", "add", "-inet", "203.0.113.0/29", "-interface", "utun4"}));
}

}  // namespace
}  // namespace dslite::platform::bsd
