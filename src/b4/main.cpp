// SPDX-License-Identifier: BSD-2-Clause
// dslite-b4: a userspace B4 (RFC 6333 section 6) for labs and tests. IPv4
// from a TUN goes to the AFTR inside IPv6, and back.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "b4_loop.hpp"
#include "b4_options.hpp"
#include "platform/device_factory.hpp"
#include "platform/posix/udp_device.hpp"
#include "platform/system.hpp"

namespace {

using namespace dslite;

int refuse(const std::string& line) {
    std::fprintf(stderr, "dslite-b4: %s\n", line.c_str());
    return 2;
}

// The home side: the B4's own 192.0.0.2 (RFC 6333 section 5.7) facing the
// AFTR's 192.0.0.1, and every IPv4 destination into the softwire.
platform::InterfaceConfig home_config(const std::string& interface, std::uint32_t mtu) {
    platform::InterfaceConfig c;
    c.interface = interface;
    c.mtu = mtu;
    c.ipv4 = platform::InterfaceConfig::Ipv4Ends{platform::kB4Ipv4, platform::kAftrIpv4};
    c.ipv4_routes = {Ipv4Prefix{Ipv4Address{0}, 0}};
    return c;
}

std::variant<std::unique_ptr<Device>, std::string> open_softwire(const b4::Options& options) {
    if (!options.aftr_udp) return platform::open_device("b4-address", platform::RawSpec{}, {options.b4_address});
    auto address = platform::resolve(*options.aftr_udp);
    if (auto* e = std::get_if<std::string>(&address)) return "aftr: " + *e;
    return as_device(platform::UdpDevice::connect(std::get<platform::SocketAddress>(address)), "aftr");
}

}  // namespace

int main(int argc, char* argv[]) {
    auto parsed = b4::parse_options(argc, argv);
    if (auto* help = std::get_if<b4::Help>(&parsed)) {
        std::fputs(help->text.c_str(), stdout);
        return 0;
    }
    if (auto* error = std::get_if<std::string>(&parsed)) return refuse(*error);
    const auto& options = std::get<b4::Options>(parsed);

    spdlog::set_default_logger(spdlog::stderr_color_mt("dslite-b4"));
    spdlog::set_level(options.log_level);

    auto home = platform::open_device("device", options.device, {});
    if (auto* e = std::get_if<std::string>(&home)) return refuse(*e);
    auto& tun_device = *std::get<std::unique_ptr<Device>>(home);
    std::optional<platform::InterfaceConfig> configured;
    if (options.configure) {
        configured = home_config(tun_device.interface(), options.mtu);
        if (auto e = platform::configure(*configured)) return refuse("device: " + *e);
    }

    auto softwire = open_softwire(options);
    if (auto* e = std::get_if<std::string>(&softwire)) return refuse(*e);
    auto& softwire_device = *std::get<std::unique_ptr<Device>>(softwire);

    boost::asio::io_context io;
    b4::Loop loop(io, tun_device, softwire_device, b4::Tunnel{options.b4_address, options.aftr_address});
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code, int signal) {
        spdlog::info("signal {}: stopping", signal);
        io.stop();
    });

    spdlog::info("{} <-> {}: B4 {} to AFTR {}", tun_device.name(), softwire_device.name(),
                 to_string(options.b4_address), to_string(options.aftr_address));
    loop.start();
    io.run();
    if (configured) platform::unconfigure(*configured);

    const auto& c = loop.counters();
    spdlog::info(
        "encapsulated {} decapsulated {} drop_not_ipv4 {} drop_malformed {} drop_not_softwire {} "
        "drop_device {}",
        c.encapsulated, c.decapsulated, c.drop_not_ipv4, c.drop_malformed, c.drop_not_softwire, c.drop_device);
    return 0;
}
