// SPDX-License-Identifier: BSD-2-Clause
// Runs the system's own tools (ifconfig, route) at start-up and exit. An
// argv, never a shell: no interface name or address is ever taken for shell
// syntax. Not on the packet path.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dslite::platform {

struct Command {
    std::vector<std::string> argv;  // argv[0] is the program's absolute path
    bool operator==(const Command&) const = default;
};

// The argv joined by spaces, as a person would type it.
std::string to_string(const Command& command);

// Runs `command` and waits for it. Nothing when it exits 0; otherwise one
// line: "COMMAND: exit status N: the first line it printed".
std::optional<std::string> run(const Command& command);

// Runs each in order and stops at the first that fails, whose line it returns.
std::optional<std::string> run_all(const std::vector<Command>& commands);

}  // namespace dslite::platform
