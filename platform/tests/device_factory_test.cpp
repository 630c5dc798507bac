// SPDX-License-Identifier: BSD-2-Clause
#include "platform/device_factory.hpp"

#include <gtest/gtest.h>

#include "platform/posix/udp_device.hpp"
#include "platform/system.hpp"

namespace dslite::platform {
namespace {

DeviceSpec parse_ok(std::string_view text) {
    auto r = parse_device_spec("b4-device", text);
    EXPECT_TRUE(std::holds_alternative<DeviceSpec>(r)) << text << ": " << std::get<std::string>(r);
    return std::holds_alternative<DeviceSpec>(r) ? std::get<DeviceSpec>(r) : DeviceSpec{};
}

// The portable parse alone, before this OS's refusals.
DeviceSpec parse_any_os(std::string_view text) {
    auto r = parse_device_spec_on_any_system("b4-device", text);
    EXPECT_TRUE(std::holds_alternative<DeviceSpec>(r)) << text << ": " << std::get<std::string>(r);
    return std::holds_alternative<DeviceSpec>(r) ? std::get<DeviceSpec>(r) : DeviceSpec{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_device_spec("b4-device", text);
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << text << " was accepted";
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

TEST(DeviceSpec, Tun) {
    EXPECT_EQ(std::get<TunSpec>(parse_ok("tun:dslite0")).interface, "dslite0");
    EXPECT_EQ(std::get<TunSpec>(parse_ok("tun:abcdefghijklmno")).interface, "abcdefghijklmno");  // 15: the limit
    EXPECT_NE(parse_error("tun:").find("bad TUN name"), std::string::npos);
    EXPECT_NE(parse_error("tun:abcdefghijklmnop").find("bad TUN name"), std::string::npos);
    parse_error("tun:a/b");
    parse_error("tun:a b");
}

// Every OS parses every form; which it opens is platform/system.hpp's. On
// Linux: tun:NAME and raw, not macOS's utun nor FreeBSD's bare tun.
TEST(DeviceSpec, OtherSystemsForms) {
    EXPECT_EQ(std::get<UtunSpec>(parse_any_os("utun")).unit, std::nullopt);
    EXPECT_EQ(std::get<UtunSpec>(parse_any_os("utun:0")).unit, 0u);
    EXPECT_EQ(std::get<UtunSpec>(parse_any_os("utun:12")).unit, 12u);
    EXPECT_EQ(std::get<TunSpec>(parse_any_os("tun")).interface, "");
    for (const char* bad : {"utun:", "utun:x", "utun:-1", "utun:1x", "utun:65536"})
        EXPECT_NE(parse_error(bad).find("bad utun unit"), std::string::npos) << bad;
}

TEST(DeviceSpec, LinuxRefusesOtherSystemsDevices) {
    ASSERT_EQ(system_name(), "Linux");
    EXPECT_EQ(parse_error("utun"), "b4-device: utun is macOS's; on Linux use tun:NAME");
    EXPECT_EQ(parse_error("utun:3"), "b4-device: utun is macOS's; on Linux use tun:NAME");
    EXPECT_EQ(parse_error("tun"), "b4-device: a bare 'tun' is FreeBSD's next free TUN; on Linux name it: tun:NAME");
    EXPECT_EQ(device_forms(), "tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT]");
    EXPECT_EQ(uplink_forms(), "tun:NAME or pcap:IN[,OUT]");
}

TEST(DeviceSpec, InterfacesAndSameness) {
    EXPECT_TRUE(is_interface(TunSpec{"a"}));
    EXPECT_TRUE(is_interface(UtunSpec{}));
    EXPECT_FALSE(is_interface(RawSpec{}));
    EXPECT_FALSE(is_interface(UdpSpec{{"::", 1}}));
    EXPECT_FALSE(is_interface(PcapSpec{"a", ""}));
    EXPECT_EQ(DeviceSpec(UtunSpec{3}), DeviceSpec(UtunSpec{3}));
    EXPECT_NE(DeviceSpec(UtunSpec{3}), DeviceSpec(UtunSpec{}));
    EXPECT_NE(DeviceSpec(TunSpec{"a"}), DeviceSpec(TunSpec{"b"}));
}

TEST(DeviceSpec, Raw) {
    EXPECT_TRUE(std::holds_alternative<RawSpec>(parse_ok("raw")));
    EXPECT_NE(parse_error("raw:x").find("unknown device"), std::string::npos);
}

TEST(DeviceSpec, Udp) {
    const auto v6 = std::get<UdpSpec>(parse_ok("udp:[2001:db8::1]:4789"));
    EXPECT_EQ(v6.listen.host, "2001:db8::1");
    EXPECT_EQ(v6.listen.port, 4789);
    const auto v4 = std::get<UdpSpec>(parse_ok("udp:192.0.2.1:65535"));
    EXPECT_EQ(v4.listen.host, "192.0.2.1");
    EXPECT_EQ(v4.listen.port, 65535);
    for (const char* bad : {"udp:2001:db8::1:4789", "udp:[::1]", "udp:[::1]4789", "udp:192.0.2.1:0",
                            "udp:192.0.2.1:65536", "udp:192.0.2.1:12x", "udp::4789", "udp:[]:4789", "udp:"}) {
        EXPECT_NE(parse_error(bad).find("bad address"), std::string::npos) << bad;
    }
}

TEST(DeviceSpec, Pcap) {
    const auto in = std::get<PcapSpec>(parse_ok("pcap:in.pcap"));
    EXPECT_EQ(in.input, "in.pcap");
    EXPECT_EQ(in.output, "");
    const auto both = std::get<PcapSpec>(parse_ok("pcap:/tmp/in.pcap,/tmp/out.pcap"));
    EXPECT_EQ(both.input, "/tmp/in.pcap");
    EXPECT_EQ(both.output, "/tmp/out.pcap");
    parse_error("pcap:");
    parse_error("pcap:in.pcap,");
    parse_error("pcap:,out.pcap");
}

TEST(DeviceSpec, UnknownNamesTheOptionAndTheForms) {
    const auto error = parse_error("eth0");
    EXPECT_EQ(error.rfind("b4-device: unknown device 'eth0'", 0), 0u) << error;
    EXPECT_NE(error.find("tun:NAME"), std::string::npos);
    EXPECT_NE(error.find("udp:[ADDR]:PORT"), std::string::npos);
    EXPECT_NE(error.find("pcap:IN[,OUT]"), std::string::npos);
    EXPECT_EQ(parse_error("").rfind("b4-device: unknown device ''", 0), 0u);
}

TEST(DeviceFactory, OpenErrorsNameTheOption) {
    auto r = make_device("uplink-device", "pcap:/nonexistent/dslite.pcap", {});
    ASSERT_TRUE(std::holds_alternative<std::string>(r));
    EXPECT_EQ(std::get<std::string>(r).rfind("uplink-device: /nonexistent/dslite.pcap", 0), 0u)
        << std::get<std::string>(r);

    auto u = make_device("b4-device", "udp:no-such-host.invalid:4789", {});
    ASSERT_TRUE(std::holds_alternative<std::string>(u));
    EXPECT_EQ(std::get<std::string>(u).rfind("b4-device: no-such-host.invalid", 0), 0u) << std::get<std::string>(u);
}

TEST(DeviceFactory, OpensAUdpListener) {
    auto r = open_device("b4-device", UdpSpec{{"127.0.0.1", 0}}, {});
    ASSERT_TRUE(std::holds_alternative<std::unique_ptr<Device>>(r)) << std::get<std::string>(r);
    auto& device = *std::get<std::unique_ptr<Device>>(r);
    const auto port = dynamic_cast<UdpDevice&>(device).local_port();
    EXPECT_NE(port, 0);
    EXPECT_EQ(device.name(), "udp:127.0.0.1:" + std::to_string(port));
    EXPECT_GE(device.wait_handle(), 0);
    EXPECT_FALSE(device.at_end());
}

}  // namespace
}  // namespace dslite::platform
