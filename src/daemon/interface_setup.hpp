// Start-up configuration of the daemon's TUNs, so one command gives a
// working AFTR: links up, MTUs set, the AFTR address routed into the B4 TUN
// and the pools into the uplink TUN. Other devices need nothing here.
#pragma once

#include <optional>
#include <string>

#include "daemon_options.hpp"
#include "dslite/config.hpp"

namespace dslite::daemon {

// Nothing, or "OPTION: what failed". Logs nothing: a refusal stays one line.
std::optional<std::string> configure_interfaces(const DaemonSettings& settings, const EngineConfig& config);

// Logs what configure_interfaces did, and warns when the kernel will not
// forward to or from the TUNs.
void log_configuration(const DaemonSettings& settings, const EngineConfig& config);

}  // namespace dslite::daemon
