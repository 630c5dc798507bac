// SPDX-License-Identifier: BSD-2-Clause
// dslite-aftr: the AFTR. Parses and checks every option first, so a bad
// configuration is refused with one line and status 2 before anything runs.
#include <exception>
#include <iostream>

#include "aftr_options.hpp"
#include "daemon_options.hpp"
#include "logging.hpp"
#include "reload_config.hpp"
#include "replay.hpp"
#include "run_daemon.hpp"

namespace {

using namespace dslite::app;

int refuse(const std::string& line) {
    std::cerr << "dslite-aftr: " << line << '\n';
    return 2;
}

// --check-config: what start-up would refuse was refused above.
int configuration_ok(const po::variables_map& values) {
    std::cout << "dslite-aftr: configuration ok";
    if (values.count("config")) std::cout << " (" << values["config"].as<std::string>() << ')';
    std::cout << '\n';
    return 0;
}

int run(int argc, const char* const argv[]) {
    const po::options_description options = aftr_option_set();
    po::variables_map values;
    if (auto error = parse_options(argc, argv, options, values)) return refuse(error->line);
    if (values.count("help")) {
        std::cout << "Usage: dslite-aftr [options]\n"
                     "       dslite-aftr --replay IN.pcap --out-b4 B4.pcap --out-uplink UP.pcap [options]\n"
                  << options;
        return 0;
    }
    const auto level = log_level(values);
    if (!level) return refuse(level.error());
    const auto config = engine_config(values);
    if (!config) return refuse(config.error());
    if (values.count("print-deterministic-map") && values["print-deterministic-map"].as<bool>()) {
        if (config->port_mapping != dslite::PortMapping::deterministic)
            return refuse("print-deterministic-map: needs --port-mapping deterministic");
        print_deterministic_map(std::get<dslite::DeterministicMap>(dslite::DeterministicMap::make(*config)), std::cout);
        return 0;
    }
    const auto replay = replay_settings(values);
    if (!replay) return refuse(replay.error());
    const auto sinks = binding_log_sinks(values);
    if (!sinks) return refuse(sinks.error());
    if (!sinks->empty() && config->event_ring == 0)
        return refuse("log-ring: 0 leaves --log-bindings nothing to write (64 or more)");

    const bool check_only = values["check-config"].as<bool>();
    if (*replay) {
        if (check_only) return configuration_ok(values);
        start_logging(*level);
        return run_replay(**replay, *sinks, *config, std::cout, std::cerr);
    }
    const auto settings = daemon_settings(values);
    if (!settings) return refuse(settings.error());
    if (check_only) return configuration_ok(values);
    start_logging(*level);
    // SIGHUP reads the same command line and the file again.
    const std::vector<std::string> args(argv, argv + argc);
    Running running{{}, *settings, *level};
    const auto reread = [&](const dslite::EngineConfig& now) -> std::variant<dslite::daemon::Reloaded, std::string> {
        running.config = now;
        auto reloaded = reload_config(args, running);
        if (!reloaded) return reloaded.error();
        return std::move(*reloaded);
    };
    return dslite::daemon::run_daemon(*settings, *config, reread);
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {  // e.g. tables too large for memory
        std::cerr << "dslite-aftr: " << e.what() << '\n';
        return 1;
    }
}
