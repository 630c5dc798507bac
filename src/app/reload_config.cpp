// SPDX-License-Identifier: BSD-2-Clause
#include "reload_config.hpp"

#include "dslite/engine.hpp"
#include "dslite/shares.hpp"
#include "replay.hpp"

namespace dslite::app {

po::options_description aftr_option_set() {
    po::options_description options;
    options.add(common_options())
        .add(engine_options())
        .add(daemon_options())
        .add(binding_log_options())
        .add(replay_options());
    return options;
}

Parsed<daemon::Reloaded> reload_config(const std::vector<std::string>& args, const Running& running) {
    std::vector<const char*> argv;
    for (const std::string& arg : args) argv.push_back(arg.c_str());
    const po::options_description options = aftr_option_set();
    po::variables_map values;
    if (auto error = parse_options(static_cast<int>(argv.size()), argv.data(), options, values)) return *error;
    const auto level = log_level(values);
    if (!level) return OptionError{level.error()};
    auto config = engine_config(values);
    if (!config) return OptionError{config.error()};
    const auto settings = daemon_settings(values);
    if (!settings) return OptionError{settings.error()};
    if (!settings->binding_log.empty() && config->event_ring == 0)
        return OptionError{"log-ring: 0 leaves --log-bindings nothing to write (64 or more)"};

    // As run_daemon set them at start: the seed it drew, no ring without a log.
    EngineConfig next = *config;
    if (settings->random_seed && running.settings.random_seed) next.seed = running.config.seed;
    if (settings->binding_log.empty()) next.event_ring = 0;
    ConfigMerge merge = merge_reloadable(running.config, next);
    // What reloads must fit what does not (a new mapping in a new pool).
    if (auto problem = validate(merge.config)) return OptionError{*problem};
    const unsigned threads = running.settings.threads;
    if (Shares::split(merge.config, threads).size() < threads)
        return OptionError{"threads: " + std::to_string(threads) + " threads no longer fit the port range"};
    if (const Shares shares(merge.config, threads); shares.conflict())
        return OptionError{"static-mapping: " + *shares.conflict()};

    const DaemonSettings& was = running.settings;
    const DaemonSettings& now = *settings;
    const std::pair<const char*, bool> daemon_options[] = {
        {"--b4-device", now.b4_device != was.b4_device},
        {"--uplink-device", now.uplink_device != was.uplink_device},
        {"--control", now.control != was.control},
        {"--metrics", now.metrics != was.metrics},
        {"--no-configure", now.configure != was.configure},
        {"--mtu", now.mtu != was.mtu},
        {"--threads", now.threads != was.threads},
        {"--seed", now.random_seed != was.random_seed},
        {"--log-bindings", now.binding_log != was.binding_log},
        {"--log-level", *level != running.log_level},
        {"--user", now.user != was.user},
    };
    for (const auto& [name, differs] : daemon_options)
        if (differs && std::find(merge.kept.begin(), merge.kept.end(), name) == merge.kept.end())
            merge.kept.push_back(name);
    return daemon::Reloaded{std::move(merge.config), std::move(merge.kept), std::move(merge.changed)};
}

}  // namespace dslite::app
