// SPDX-License-Identifier: BSD-2-Clause
#include "daemon_options.hpp"

#include <filesystem>
#include <ostream>
#include <thread>

#include "metrics_server.hpp"
#include "platform/device_factory.hpp"
#include "platform/privileges.hpp"
#include "platform/system.hpp"

namespace dslite::app {

namespace {

OptionError bad(const std::string& name, const std::string& what) { return {name + ": " + what}; }

const std::string* text(const po::variables_map& values, const char* name) {
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return nullptr;
    return &it->second.as<std::string>();
}

}  // namespace

po::options_description daemon_options() {
    const auto value = [](const char* name) { return po::value<std::string>()->value_name(name); };
    po::options_description d("Daemon");
    d.add_options()  //
        ("b4-device", value("DEVICE"),
         ("where softwires from B4s arrive: " + platform::device_forms() +
          "; udp: carries one IPv6 packet per datagram (required)")
             .c_str())  //
        ("uplink-device", value("DEVICE"),
         ("where IPv4 to and from the Internet goes: " + platform::uplink_forms() +
          "; may name the same interface as --b4-device, packets are then told apart by IP version (required)")
             .c_str())  //
        ("control", value("PATH"),
         (std::string("UNIX socket for dslite-ctl, created mode 0600 (default ") + platform::kDefaultControlPath + ")")
             .c_str())  //
        ("metrics", value("[ADDR]:PORT"),
         "serve Prometheus metrics over HTTP at GET /metrics there (ADDR omitted: 127.0.0.1; default off)")  //
        ("no-configure", po::bool_switch(),
         "leave the TUNs' state, MTU and routes to the operator (default: bring them up, set the MTU, "
         "route the AFTR address into the B4 TUN and the pools into the uplink TUN)")  //
        ("mtu", value("N"),
         "MTU to set on the daemon's TUNs (default: --tunnel-mtu on the B4 TUN, --uplink-mtu on the uplink "
         "TUN, the larger on a shared one)")  //
        ("state-file", value("PATH"),
         "at SIGTERM save the bindings, subscribers, port holds and learned tunnel MTUs there; at start "
         "restore what has not expired meanwhile, so flows keep their public address and port across a "
         "restart (default off)")  //
        ("threads", value("N|auto"),
         "engines side by side, one thread each, each with a queue of both TUNs and its share of the "
         "subscribers and of every pool address's ports; auto: one per core (default 1; above 1 needs "
         "Linux tun: devices)")  //
        ("user", value("NAME"),
         "once its devices, interfaces and sockets are set up, run as user NAME with only CAP_NET_ADMIN (to "
         "remove its routes at exit); NAME must be able to write the directory of the control socket (Linux; "
         "default: stay as started)")  //
        ("check-config", po::bool_switch(),
         "check the options and the --config file as start-up does, say so and exit, opening nothing");
    return d;
}

Parsed<DaemonSettings> daemon_settings(const po::variables_map& values) {
    DaemonSettings s;
    const auto device = [&](const char* name, platform::DeviceSpec& out) -> std::optional<OptionError> {
        const auto* spec_text = text(values, name);
        if (!spec_text) return bad(name, "required (" + platform::device_forms() + ")");
        auto spec = platform::parse_device_spec(name, *spec_text);
        if (auto* error = std::get_if<std::string>(&spec)) return OptionError{*error};
        out = std::get<platform::DeviceSpec>(spec);
        return std::nullopt;
    };
    if (auto e = device("b4-device", s.b4_device)) return *e;
    if (auto e = device("uplink-device", s.uplink_device)) return *e;
    if (std::holds_alternative<platform::RawSpec>(s.uplink_device) ||
        std::holds_alternative<platform::UdpSpec>(s.uplink_device))
        return bad("uplink-device", "'" + *text(values, "uplink-device") + "' carries softwires only; the uplink is " +
                                        platform::uplink_forms());

    if (const auto* path = text(values, "control")) {
        if (path->empty()) return bad("control", "needs a path");
        s.control = *path;
    }
    if (const auto* metrics = text(values, "metrics")) {
        auto where = daemon::parse_metrics_endpoint(*metrics);
        if (auto* e = std::get_if<std::string>(&where)) return bad("metrics", *e);
        s.metrics = *metrics;
    }
    if (const auto* path = text(values, "state-file")) {
        if (path->empty()) return bad("state-file", "needs a path");
        s.state_file = *path;
    }
    s.configure = !(values.count("no-configure") && values["no-configure"].as<bool>());
    if (values.count("mtu") && text(values, "mtu")) {
        std::uint64_t mtu = 0;
        if (auto e = read_unsigned(values, "mtu", 65535, mtu)) return *e;
        if (mtu < 1280) return bad("mtu", "'" + *text(values, "mtu") + "' is below 1280, the IPv6 minimum");
        if (!s.configure) return bad("mtu", "has no effect with --no-configure");
        s.mtu = static_cast<std::uint32_t>(mtu);
    }
    if (const auto* threads = text(values, "threads")) {
        constexpr unsigned kMost = 64;  // handoffs keep a bit per thread
        if (*threads == "auto") {
            s.threads = std::clamp(std::thread::hardware_concurrency(), 1u, kMost);
        } else {
            std::uint64_t n = 0;
            if (auto e = read_unsigned(values, "threads", kMost, n)) return *e;
            if (n == 0) return bad("threads", "must be 1 to 64 or auto");
            s.threads = static_cast<unsigned>(n);
        }
    }
    if (s.threads > 1) {
        for (const auto& [name, spec] :
             {std::pair{"b4-device", &s.b4_device}, std::pair{"uplink-device", &s.uplink_device}}) {
            if (auto why = platform::no_queues(*spec))
                return bad("threads", std::to_string(s.threads) + " threads need a queue each, but --" + name + " '" +
                                          *text(values, name) + "' " + *why);
        }
    }
    if (const auto* name = text(values, "user")) {
        if (auto why = platform::cannot_become()) return bad("user", *why);
        auto found = platform::find_account(*name);
        if (auto* e = std::get_if<std::string>(&found)) return bad("user", *e);
        auto& account = std::get<platform::Account>(found);
        // The daemon removes its control socket at exit, as the user by then.
        auto directory = std::filesystem::path(s.control).parent_path();
        if (directory.empty()) directory = ".";
        if (auto why = platform::cannot_write(account, directory.string()))
            return bad("user", "could not remove the control socket " + s.control + " at exit: " + *why);
        // And writes the state file at SIGTERM: a temporary file beside it, renamed.
        if (!s.state_file.empty()) {
            auto state_directory = std::filesystem::path(s.state_file).parent_path();
            if (state_directory.empty()) state_directory = ".";
            if (auto why = platform::cannot_write(account, state_directory.string()))
                return bad("user", "could not write the state file " + s.state_file + " at exit: " + *why);
        }
        s.user = std::move(account);
    }
    s.random_seed = values.count("seed") == 0;
    if (const auto* file = text(values, "config")) s.config_file = *file;
    auto sinks = binding_log_sinks(values);
    if (!sinks) return OptionError{sinks.error()};
    s.binding_log = std::move(*sinks);
    return s;
}

po::options_description binding_log_options() {
    po::options_description d("Binding log");
    d.add_options()  //
        ("log-bindings", po::value<std::vector<std::string>>()->value_name("SINK"),
         "record every binding, subscriber and exhaustion (never a destination) to SINK: file:PATH (JSON lines, "
         "reopened on SIGHUP), syslog (RFC 5424 to the local socket), syslog:unix:PATH, syslog:udp:HOST:PORT, "
         "ipfix:HOST:PORT (IPFIX over UDP with the NAT logging templates of RFC 8158); repeat for more")  //
        ("print-deterministic-map", po::bool_switch(),
         "with --port-mapping deterministic: print each subscriber prefix with its public address and port range "
         "(the records to keep instead of a log), then exit");
    return d;
}

void print_deterministic_map(const DeterministicMap& map, std::ostream& out) {
    for (std::uint64_t n = 0; n < map.subscribers(); ++n) {
        const auto r = map.range_of(n);
        out << to_string(map.prefix_of(n)) << ' ' << to_string(r.address) << ' ' << r.first << '-' << r.last << '\n';
    }
}

Parsed<std::vector<daemon::SinkSpec>> binding_log_sinks(const po::variables_map& values) {
    std::vector<daemon::SinkSpec> sinks;
    const auto it = values.find("log-bindings");
    if (it == values.end() || it->second.empty()) return sinks;
    for (const std::string& text : it->second.as<std::vector<std::string>>()) {
        auto parsed = daemon::parse_sink(text);
        if (auto* error = std::get_if<std::string>(&parsed)) return bad("log-bindings", *error);
        sinks.push_back(std::get<daemon::SinkSpec>(parsed));
    }
    return sinks;
}

}  // namespace dslite::app
