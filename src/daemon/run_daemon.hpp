// dslite-aftr's daemon mode: devices, engine, event loop, signals and the
// control socket, from parsed options to exit status.
#pragma once

#include "daemon_settings.hpp"
#include "dslite/config.hpp"

namespace dslite::daemon {

// Runs until SIGINT or SIGTERM. Returns the exit status: 0 after a clean
// stop, 2 when start-up is refused (one line on stderr naming the option).
int run_daemon(const DaemonSettings& settings, EngineConfig config);

}  // namespace dslite::daemon
