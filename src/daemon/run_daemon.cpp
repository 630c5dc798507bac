#include "run_daemon.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <csignal>
#include <iostream>
#include <random>

#include "control_protocol.hpp"
#include "control_server.hpp"
#include "daemon_loop.hpp"
#include "interface_setup.hpp"

namespace dslite::daemon {

namespace {

int refuse(const std::string& line) {
    std::cerr << "dslite-aftr: " << line << '\n';
    return 2;
}

std::uint64_t os_seed() {
    std::random_device os;
    return std::uint64_t{os()} << 32 | os();
}

std::string pools_text(const EngineConfig& config) {
    std::string out;
    for (const auto& pool : config.pools) out += (out.empty() ? "" : " ") + to_string(pool);
    return out;
}

}  // namespace

int run_daemon(const po::variables_map& values, EngineConfig config) {
    const auto settings = daemon_settings(values);
    if (!settings) return refuse(settings.error());
    // Port choice an outsider cannot predict (RFC 6056): a fresh seed per run.
    if (settings->random_seed) config.seed = os_seed();

    Engine engine(config);
    asio::io_context io;
    std::unique_ptr<DaemonLoop> loop;  // made once the devices are open

    // The control socket first: a second daemon started by mistake stops
    // here, before it touches any interface the first one uses.
    auto control = ControlServer::open(io, settings->control, [&](std::string_view line) {
        const ForwarderStats& forwarded = loop->forwarder().stats();
        Gauges gauges;
        gauges.uptime_seconds = static_cast<std::uint64_t>(loop->uptime().count());
        gauges.sessions = engine.session_count();
        gauges.subscribers = engine.subscriber_count();
        gauges.memory_bytes = engine.memory_bytes();
        gauges.b4_write_refused = forwarded.b4_write_refused;
        gauges.uplink_write_refused = forwarded.uplink_write_refused;
        const Device& b4_device = loop->forwarder().b4();
        const Device& uplink_device = loop->forwarder().uplink();
        if (&b4_device == &uplink_device) {
            gauges.devices.push_back({"both", b4_device.name(), b4_device.stats()});
        } else {
            gauges.devices.push_back({"b4", b4_device.name(), b4_device.stats()});
            gauges.devices.push_back({"uplink", uplink_device.name(), uplink_device.stats()});
        }
        spdlog::debug("control: {}", line);
        return respond(line, engine, gauges);
    });
    if (auto* e = std::get_if<std::string>(&control)) return refuse(*e);

    const platform::DeviceContext context{config.aftr_address};
    auto b4_opened = platform::open_device("b4-device", settings->b4_device, context);
    if (auto* e = std::get_if<std::string>(&b4_opened)) return refuse(*e);
    auto b4 = std::move(std::get<std::unique_ptr<Device>>(b4_opened));
    std::unique_ptr<Device> uplink_owned;
    if (!settings->shared_device()) {
        auto opened = platform::open_device("uplink-device", settings->uplink_device, context);
        if (auto* e = std::get_if<std::string>(&opened)) return refuse(*e);
        uplink_owned = std::move(std::get<std::unique_ptr<Device>>(opened));
    }
    Device& uplink = uplink_owned ? *uplink_owned : *b4;
    const auto interfaces = plan_interfaces(*settings, config, *b4, uplink);
    // On a refusal nothing is undone: the failing step may have met a route
    // that is someone else's. Interfaces made here vanish as the devices close.
    if (auto e = configure_interfaces(interfaces)) return refuse(*e);

    // Start-up can no longer be refused: from here on, log.
    log_configuration(interfaces);
    loop = std::make_unique<DaemonLoop>(io, engine, *b4, uplink);

    // A control client that hangs up mid-answer must not end the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](boost::system::error_code e, int signal) {
        if (e) return;
        spdlog::info("{}: stopping", signal == SIGINT ? "SIGINT" : "SIGTERM");
        loop->stop();
        io.stop();
    });

    loop->start();
    spdlog::info("AFTR {} with pool {}: B4s on {}, uplink on {}, control at {}", to_string(config.aftr_address),
                 pools_text(config), b4->name(), uplink.name(), settings->control);
    io.run();
    loop.reset();  // lets go of the devices' descriptors while the devices still exist
    unconfigure_interfaces(interfaces);  // while the interfaces still exist
    const Counters& c = engine.counters();
    spdlog::info("stopped: {} packets from B4s, {} from the uplink, {} sessions open", c[Counter::in_b4_packets],
                 c[Counter::in_uplink_packets], engine.session_count());
    return 0;
}

}  // namespace dslite::daemon
