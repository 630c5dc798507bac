// SPDX-License-Identifier: BSD-2-Clause
#include "b4_options.hpp"

#include <boost/program_options.hpp>

#include <charconv>
#include <sstream>

#include "dslite/engine_options.hpp"
#include "platform/device_factory.hpp"
#include "src/app/aftr_options.hpp"
#include "platform/system.hpp"

namespace dslite::b4 {
namespace {

namespace po = boost::program_options;

std::optional<std::string> read_address(const po::variables_map& values, const char* name, Ipv6Address& out) {
    if (!values.count(name)) return std::string(name) + ": required";
    if (auto problem = read_ipv6_address(values[name].as<std::string>(), out))
        return std::string(name) + ": " + *problem;
    return std::nullopt;
}

}  // namespace

std::variant<Options, Help, std::string> parse_options(int argc, const char* const argv[]) {
    po::options_description description("dslite-b4: the B4 end of a DS-Lite softwire (RFC 6333)");
    description.add_options()                                                                                 //
        ("help", "print this help and exit")                                                                  //
        ("b4-address", po::value<std::string>()->value_name("IPV6"), "this end's IPv6 address (required)")    //
        ("aftr-address", po::value<std::string>()->value_name("IPV6"), "the AFTR's IPv6 address (required)")  //
        ("device", po::value<std::string>()->value_name("DEVICE"),
         ("the interface carrying the home network's IPv4: " + std::string(platform::interface_forms()) + " (default " +
          std::string(platform::default_home_device()) + ")")
             .c_str())  //
        ("aftr", po::value<std::string>()->value_name("udp:HOST:PORT"),
         "reach the AFTR's UDP softwire device instead of sending IPv4-in-IPv6 directly (raw IPv6, "
         "Linux only)")                                                                 //
        ("no-configure", "leave the interface's address, MTU, state and routes alone")  //
        ("mtu", po::value<std::string>()->value_name("N"), "TUN MTU (default 1460)")    //
        ("log-level", po::value<std::string>()->value_name("LEVEL"),
         "trace, debug, info, warn, error, critical or off (default info)");

    po::variables_map values;
    try {
        const auto style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
        po::store(po::command_line_parser(argc, argv).options(description).style(style).run(), values);
        po::notify(values);
    } catch (const po::error& e) {
        return app::option_error(e).line;
    }

    if (values.count("help")) {
        std::ostringstream text;
        text << description;
        return Help{text.str()};
    }

    Options options;
    if (auto error = read_address(values, "b4-address", options.b4_address)) return *error;
    if (auto error = read_address(values, "aftr-address", options.aftr_address)) return *error;
    if (options.b4_address == options.aftr_address) return std::string("aftr-address: the same as b4-address");

    const std::string device =
        values.count("device") ? values["device"].as<std::string>() : std::string(platform::default_home_device());
    auto spec = platform::parse_device_spec("device", device);
    if (auto* error = std::get_if<std::string>(&spec)) return *error;
    options.device = std::get<platform::DeviceSpec>(spec);
    if (!platform::is_interface(options.device))
        return "device: the B4 needs a TUN (" + std::string(platform::interface_forms()) + ")";

    if (values.count("aftr")) {
        const auto& text = values["aftr"].as<std::string>();
        auto where = text.starts_with("udp:") ? platform::split_host_port(text.substr(4)) : std::nullopt;
        if (!where || where->port == 0) return "aftr: " + in_quotes(text) + " is not udp:HOST:PORT";
        options.aftr_udp = std::move(where);
    } else if (platform::unsupported(platform::RawSpec{})) {
        return "aftr: required on " + std::string(platform::system_name()) +
               " (udp:HOST:PORT): raw IPv4-in-IPv6 sockets are Linux-only";
    }

    options.configure = values.count("no-configure") == 0;

    if (values.count("mtu")) {
        const auto& text = values["mtu"].as<std::string>();
        unsigned mtu = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mtu);
        // 68: the IPv4 minimum (RFC 791); 65535: the largest IPv4 packet, which still fits an IPv6 payload.
        if (error != std::errc{} || end != text.data() + text.size() || mtu < 68 || mtu > 65535)
            return "mtu: " + in_quotes(text) + " is not a number from 68 to 65535";
        if (!options.configure) return std::string("mtu: has no effect with --no-configure");
        options.mtu = mtu;
    }

    if (values.count("log-level")) {
        const auto& text = values["log-level"].as<std::string>();
        const auto level = spdlog::level::from_str(text);
        // from_str answers "off" for anything it does not know.
        if (level == spdlog::level::off && text != "off")
            return "log-level: " + in_quotes(text) + " is not trace, debug, info, warn, error, critical or off";
        options.log_level = level;
    }
    return options;
}

}  // namespace dslite::b4
