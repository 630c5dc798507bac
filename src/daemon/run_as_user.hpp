// SPDX-License-Identifier: BSD-2-Clause
// --user: what start-up made as root is handed to the user, which the daemon
// then becomes (platform/privileges.hpp).
#pragma once

#include <optional>
#include <string>

#include "daemon_settings.hpp"

namespace dslite::daemon {

// With settings.user: gives it the control socket (to remove at exit) and
// the binding log's files (to reopen on SIGHUP), then becomes it. Nothing
// to do without. Nothing, or one line `user: ...` naming what failed.
std::optional<std::string> run_as_user(const DaemonSettings& settings);

}  // namespace dslite::daemon
