// SPDX-License-Identifier: BSD-2-Clause
// Running as an ordinary user once start-up is done (dslite-aftr --user):
// the daemon opens its devices, sets up its interfaces and creates its
// sockets as root, then becomes the user and keeps only the capability it
// needs to undo its interface setup at exit and on reload (routes, over
// rtnetlink). Linux: platform/linux/privileges.cpp; macOS and the BSDs have
// no capabilities to keep, so they refuse --user
// (platform/posix/privileges_unsupported.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dslite::platform {

struct Account {
    std::string name;
    std::uint32_t uid = 0;
    std::uint32_t gid = 0;
    std::vector<std::uint32_t> groups;  // every group it is in, its own gid too
    bool operator==(const Account&) const = default;
};

// Why this OS cannot run the daemon as a user (no capabilities to keep),
// or nothing. Checked when options are parsed.
std::optional<std::string> cannot_become();

// The account called `name` in the user and group databases, or one line
// saying why it cannot be used (unknown, root).
std::variant<Account, std::string> find_account(const std::string& name);

// Why `account` could not create and remove entries in `directory` (the
// control socket's, which the daemon removes at exit), or nothing.
std::optional<std::string> cannot_write(const Account& account, const std::string& directory);

// Becomes `account` for the rest of the process's life: its groups, gid and
// uid, with nothing left of root but kept_capability(), in every set. Must be
// called while the process has a single thread (credentials are per
// thread). Nothing, or one line naming what failed.
std::optional<std::string> become(const Account& account);

// The capability become() keeps, for messages.
std::string_view kept_capability();

}  // namespace dslite::platform
