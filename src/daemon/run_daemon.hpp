// SPDX-License-Identifier: BSD-2-Clause
// dslite-aftr's daemon mode: devices, engine, event loop, signals and the
// control socket, from parsed options to exit status.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "daemon_settings.hpp"
#include "dslite/config.hpp"

namespace dslite::daemon {

// The options read again for SIGHUP: the configuration to run (the running
// one with every option that may change at run time taken from the new one,
// through validate()) and the names ("--pool") of the options that cannot
// change and differ, whose running values it kept.
struct Reloaded {
    EngineConfig config;
    std::vector<std::string> kept;
    std::vector<std::string> changed;  // the options that changed and take effect
};
// Rereads the command line and the --config file against the running
// configuration: what to run, or the one line ("option: what is wrong")
// that refuses it, as start-up would have.
using Reread = std::function<std::variant<Reloaded, std::string>(const EngineConfig& running)>;

// Runs until SIGINT or SIGTERM. Returns the exit status: 0 after a clean
// stop, 2 when start-up is refused (one line on stderr naming the option).
// SIGHUP reopens the binding log and, with settings.config_file, applies
// what `reread` gives (Engine::reconfigure on every engine).
int run_daemon(const DaemonSettings& settings, EngineConfig config, Reread reread = {});

}  // namespace dslite::daemon
