// SPDX-License-Identifier: BSD-2-Clause
// The control socket's command names, shared by the daemon and dslite-ctl,
// which both take a command's earlier name for scripts that still say it.
#pragma once

#include <string_view>

namespace dslite::daemon {

constexpr std::string_view current_command_name(std::string_view command) {
    if (command == "b4s") return "subscribers";    // its first name
    if (command == "sessions") return "bindings";  // before one word was used for one thing
    return command;
}

}  // namespace dslite::daemon
