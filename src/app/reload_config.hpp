// SPDX-License-Identifier: BSD-2-Clause
// SIGHUP (issue 12): dslite-aftr's options read again, the same command line
// and the --config file as it is now, checked as at start, then merged with
// the running configuration: what may change at run time is taken, the rest
// keeps its running value and is named.
#pragma once

#include <spdlog/common.h>

#include <string>
#include <vector>

#include "aftr_options.hpp"
#include "daemon_options.hpp"
#include "run_daemon.hpp"

namespace dslite::app {

// Every option dslite-aftr takes (--help lists these).
po::options_description aftr_option_set();

// What the daemon runs with now.
struct Running {
    EngineConfig config;  // as the engines were given it (seed and event ring as the daemon set them)
    DaemonSettings settings;
    spdlog::level::level_enum log_level = spdlog::level::info;
};

// `args` is the command line (argv, the program's name first). The
// configuration to run and the names of the options that cannot change at run
// time and differ (engine options first, then the daemon's: devices,
// --threads, --control, --no-configure, --mtu, --log-bindings, --log-level);
// or the one line that refuses it: an unreadable file, bad syntax, a bad
// value, a validate() problem (also of the merged configuration: a new static
// mapping in a pool that did not reload), the threads' shares.
Parsed<daemon::Reloaded> reload_config(const std::vector<std::string>& args, const Running& running);

}  // namespace dslite::app
