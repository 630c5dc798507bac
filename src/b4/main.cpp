// dslite-b4: a userspace B4 (RFC 6333 section 6) for labs and tests. IPv4
// from a TUN goes to the AFTR inside IPv6, and back.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "b4_loop.hpp"
#include "options.hpp"
#include "platform/linux/netlink.hpp"
#include "platform/linux/raw_device.hpp"
#include "platform/linux/tun_device.hpp"
#include "platform/linux/udp_device.hpp"

namespace {

using namespace dslite;

// The B4's own IPv4 address on the softwire (RFC 6333 section 5.7).
constexpr std::uint8_t kB4Ipv4[4] = {192, 0, 0, 2};
constexpr std::uint8_t kB4PrefixLength = 29;

int refuse(const std::string& line) {
    std::fprintf(stderr, "dslite-b4: %s\n", line.c_str());
    return 2;
}

std::optional<std::string> configure(const std::string& tun, std::uint32_t mtu) {
    namespace nl = platform::netlink;
    const Ipv4Address b4{std::uint32_t{kB4Ipv4[0]} << 24 | kB4Ipv4[1] << 16 | kB4Ipv4[2] << 8 | kB4Ipv4[3]};
    if (auto e = nl::set_mtu(tun, mtu)) return e;
    if (auto e = nl::add_address(tun, b4, kB4PrefixLength)) return e;
    if (auto e = nl::set_link_up(tun)) return e;  // IPv4 routes need the link up
    return nl::add_route(tun, Ipv4Prefix{Ipv4Address{0}, 0});
}

template <typename T>
std::variant<std::unique_ptr<Device>, std::string> widen(std::variant<std::unique_ptr<T>, std::string> r) {
    if (auto* e = std::get_if<std::string>(&r)) return std::move(*e);
    return std::unique_ptr<Device>(std::move(std::get<std::unique_ptr<T>>(r)));
}

std::variant<std::unique_ptr<Device>, std::string> open_softwire(const b4::Options& options) {
    if (!options.aftr_udp) {
        auto raw = widen(platform::RawDevice::open(options.b4_address));
        if (auto* e = std::get_if<std::string>(&raw)) return "b4-address: " + *e;
        return raw;
    }
    auto address = platform::resolve(*options.aftr_udp);
    if (auto* e = std::get_if<std::string>(&address)) return "aftr: " + *e;
    auto udp = widen(platform::UdpDevice::connect(std::get<platform::SocketAddress>(address)));
    if (auto* e = std::get_if<std::string>(&udp)) return "aftr: " + *e;
    return udp;
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

    auto tun = platform::TunDevice::open(options.tun);
    if (auto* e = std::get_if<std::string>(&tun)) return refuse("device: " + *e);
    auto& tun_device = *std::get<std::unique_ptr<platform::TunDevice>>(tun);
    if (options.configure) {
        if (auto e = configure(options.tun, options.mtu)) return refuse("device: " + *e);
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

    spdlog::info("{} <-> {}: B4 {} to AFTR {}{}", tun_device.name(), softwire_device.name(),
                 to_string(options.b4_address), to_string(options.aftr_address),
                 tun_device.created() ? " (TUN created, removed on exit)" : "");
    loop.start();
    io.run();

    const auto& c = loop.counters();
    spdlog::info("encapsulated {} decapsulated {} drop_not_ipv4 {} drop_malformed {} drop_not_softwire {} "
                 "drop_device {}",
                 c.encapsulated, c.decapsulated, c.drop_not_ipv4, c.drop_malformed, c.drop_not_softwire,
                 c.drop_device);
    return 0;
}
