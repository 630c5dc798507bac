// SPDX-License-Identifier: BSD-2-Clause
// macOS, FreeBSD, OpenBSD: no capabilities. A daemon that set its uid
// there could no longer remove the routes it added (route(8) needs root),
// so --user is refused rather than half done.
#include "platform/privileges.hpp"
#include "platform/system.hpp"

namespace dslite::platform {

std::optional<std::string> cannot_become() {
    return "not on " + std::string(system_name()) +
           ": it has no capabilities, so the daemon could not remove its routes at exit as another user; "
           "run it as root";
}

std::optional<std::string> become(const Account&) { return cannot_become(); }

std::string_view kept_capability() { return {}; }

}  // namespace dslite::platform
