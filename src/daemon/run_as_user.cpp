// SPDX-License-Identifier: BSD-2-Clause
#include "run_as_user.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <variant>

namespace dslite::daemon {

std::optional<std::string> run_as_user(const DaemonSettings& settings) {
    if (!settings.user) return std::nullopt;
    const platform::Account& user = *settings.user;
    const auto give = [&](const std::string& path) -> std::optional<std::string> {
        if (::chown(path.c_str(), user.uid, user.gid) == 0) return std::nullopt;
        return "user: cannot give " + path + " to " + user.name + ": " + std::strerror(errno);
    };
    if (auto e = give(settings.control)) return e;
    for (const SinkSpec& sink : settings.binding_log)
        if (const auto* file = std::get_if<FileSinkSpec>(&sink))
            if (auto e = give(file->path)) return e;
    if (auto e = platform::become(user)) return "user: " + *e;
    spdlog::info("running as {} (uid {}, gid {}) with {} only", user.name, user.uid, user.gid,
                 platform::kept_capability());
    return std::nullopt;
}

}  // namespace dslite::daemon
