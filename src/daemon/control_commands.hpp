// SPDX-License-Identifier: BSD-2-Clause
// The control socket's command names, shared by the daemon and dslite-ctl,
// which both take a command's earlier name for scripts that still say it.
#pragma once

#include <string_view>
#include <vector>

namespace dslite::daemon {

constexpr std::string_view current_command_name(std::string_view command) {
    if (command == "b4s") return "subscribers";    // its first name
    if (command == "sessions") return "bindings";  // before one word was used for one thing
    return command;
}

// A request line's words: split at spaces and tabs (a CR from telnet-like clients too).
inline std::vector<std::string_view> request_words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
        const std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
        if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
}

}  // namespace dslite::daemon
