// SPDX-License-Identifier: BSD-2-Clause
// What the daemon asks of its interfaces: the same plan on every OS, which
// platform::configure then carries out the OS's way.
#include "interface_setup.hpp"

#include <gtest/gtest.h>

#include "platform/fake_device.hpp"

namespace dslite::daemon {
namespace {

EngineConfig engine() {
    EngineConfig c;
    c.aftr_address = *parse_ipv6("2001:db8:ff::1");
    c.pools = {*parse_ipv4_prefix("198.51.100.0/28"), *parse_ipv4_prefix("203.0.113.0/29")};
    c.tunnel_mtu = 1500;
    c.uplink_mtu = 1400;
    return c;
}

DaemonSettings devices(platform::DeviceSpec b4, platform::DeviceSpec uplink) {
    DaemonSettings s;
    s.b4_device = std::move(b4);
    s.uplink_device = std::move(uplink);
    return s;
}

platform::FakeDevice interface(const char* name) {
    platform::FakeDevice d(std::string("tun:") + name);
    d.set_interface(name);
    return d;
}

TEST(InterfacePlan, TwoTuns) {
    auto b4 = interface("aftr6");
    auto uplink = interface("aftr4");
    const auto plan =
        plan_interfaces(devices(platform::TunSpec{"aftr6"}, platform::TunSpec{"aftr4"}), engine(), b4, uplink);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_STREQ(plan[0].option, "b4-device");
    EXPECT_EQ(plan[0].device, "tun:aftr6");
    EXPECT_EQ(plan[0].config.interface, "aftr6");
    EXPECT_EQ(plan[0].config.mtu, 1500u);
    EXPECT_EQ(plan[0].config.ipv6_routes, (std::vector<Ipv6Prefix>{*parse_ipv6_prefix("2001:db8:ff::1/128")}));
    EXPECT_TRUE(plan[0].config.ipv4_routes.empty());
    EXPECT_FALSE(plan[0].config.ipv4);
    EXPECT_FALSE(plan[0].config.ipv4_only);

    EXPECT_STREQ(plan[1].option, "uplink-device");
    EXPECT_EQ(plan[1].config.interface, "aftr4");
    EXPECT_EQ(plan[1].config.mtu, 1400u);
    EXPECT_EQ(plan[1].config.ipv4_routes, engine().pools);
    EXPECT_TRUE(plan[1].config.ipv6_routes.empty());
    EXPECT_TRUE(plan[1].config.ipv4_only);
    // 192.0.0.1 facing 192.0.0.2 (RFC 6333 5.7), only so the BSDs can route into it.
    ASSERT_TRUE(plan[1].config.ipv4);
    EXPECT_EQ(plan[1].config.ipv4->local, platform::kAftrIpv4);
    EXPECT_EQ(plan[1].config.ipv4->peer, platform::kB4Ipv4);
    EXPECT_TRUE(plan[1].config.ipv4_only_for_routes);
}

TEST(InterfacePlan, OneInterfaceForBothSidesGetsBothRoutesAndTheLargerMtu) {
    auto shared = interface("utun3");
    const auto plan = plan_interfaces(devices(platform::UtunSpec{3}, platform::UtunSpec{3}), engine(), shared, shared);
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_EQ(plan[0].config.interface, "utun3");
    EXPECT_EQ(plan[0].config.mtu, 1500u);
    EXPECT_EQ(plan[0].config.ipv6_routes.size(), 1u);
    EXPECT_EQ(plan[0].config.ipv4_routes, engine().pools);
    EXPECT_TRUE(plan[0].config.ipv4);
    EXPECT_FALSE(plan[0].config.ipv4_only);
}

TEST(InterfacePlan, OnlyInterfacesAndOnlyWhenAsked) {
    platform::FakeDevice udp("udp:[::]:4000");
    auto uplink = interface("aftr4");
    auto s = devices(platform::UdpSpec{{"::", 4000}}, platform::TunSpec{"aftr4"});
    const auto plan = plan_interfaces(s, engine(), udp, uplink);
    ASSERT_EQ(plan.size(), 1u);
    EXPECT_STREQ(plan[0].option, "uplink-device");

    s.configure = false;
    EXPECT_TRUE(plan_interfaces(s, engine(), udp, uplink).empty());
}

TEST(InterfacePlan, MtuOptionWins) {
    auto b4 = interface("aftr6");
    auto uplink = interface("aftr4");
    auto s = devices(platform::TunSpec{"aftr6"}, platform::TunSpec{"aftr4"});
    s.mtu = 9000;
    const auto plan = plan_interfaces(s, engine(), b4, uplink);
    ASSERT_EQ(plan.size(), 2u);
    EXPECT_EQ(plan[0].config.mtu, 9000u);
    EXPECT_EQ(plan[1].config.mtu, 9000u);
}

TEST(InterfacePlan, RefusalNamesTheOption) {
    platform::InterfaceConfig missing;
    missing.interface = "dslite-no-such0";
    const std::vector<OwnedInterface> plan = {{"uplink-device", "tun:dslite-no-such0", missing}};
    const auto error = configure_interfaces(plan);
    ASSERT_TRUE(error);
    EXPECT_EQ(error->rfind("uplink-device: ", 0), 0u) << *error;
    EXPECT_EQ(error->find('\n'), std::string::npos);
}

}  // namespace
}  // namespace dslite::daemon
