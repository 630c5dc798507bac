// SPDX-License-Identifier: BSD-2-Clause
// The --user account from the user and group databases, and what it may do
// to a directory: POSIX, the same on every OS.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "platform/privileges.hpp"

namespace dslite::platform {

std::variant<Account, std::string> find_account(const std::string& name) {
    if (name.empty()) return std::string("needs a user name");
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    const int e = ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (e != 0) return "cannot look up user '" + name + "': " + std::strerror(e);
    if (!found) return "no user '" + name + "'";
    if (found->pw_uid == 0) return "'" + name + "' is root: name the user to run as instead";
    Account account{name, found->pw_uid, found->pw_gid, {}};
    // getgrouplist's group count is an int on Linux, the BSDs and macOS alike.
    int count = 32;
    std::vector<gid_t> groups;
    bool listed = false;
    for (int tries = 0; tries < 8 && !listed; ++tries) {
        groups.resize(static_cast<std::size_t>(count));
#if defined(__APPLE__)
        // macOS declares the list as int.
        const int got = ::getgrouplist(name.c_str(), static_cast<int>(found->pw_gid),
                                       reinterpret_cast<int*>(groups.data()), &count);
#else
        const int got = ::getgrouplist(name.c_str(), found->pw_gid, groups.data(), &count);
#endif
        listed = got >= 0;
        // Too small: Linux says how many it needs, the BSDs do not.
        if (!listed) count = std::max(count, static_cast<int>(groups.size()) * 2);
    }
    if (!listed) return "cannot list the groups of '" + name + "'";
    groups.resize(static_cast<std::size_t>(count));
    for (const gid_t g : groups) account.groups.push_back(static_cast<std::uint32_t>(g));
    if (std::find(account.groups.begin(), account.groups.end(), account.gid) == account.groups.end())
        account.groups.push_back(account.gid);
    return account;
}

namespace {

// Whether the kernel gives `account` all of `bits` (a combination of 4, 2, 1)
// on a file with `st`: the owner's bits for the owner, else the group's for
// a member, else the others'.
bool allows(const struct stat& st, const Account& account, unsigned bits) {
    unsigned shift = 0;
    if (st.st_uid == account.uid)
        shift = 6;
    else if (std::find(account.groups.begin(), account.groups.end(), st.st_gid) != account.groups.end())
        shift = 3;
    return ((st.st_mode >> shift) & bits) == bits;
}

std::string mode_text(const std::string& path, const struct stat& st) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return path + " (uid " + std::to_string(st.st_uid) + ", mode " + mode + ")";
}

}  // namespace

std::optional<std::string> cannot_write(const Account& account, const std::string& directory) {
    std::error_code e;
    const std::filesystem::path absolute = std::filesystem::absolute(directory, e);
    if (e) return "cannot resolve " + directory + ": " + e.message();
    struct stat st {};
    if (::stat(absolute.c_str(), &st) != 0) return "cannot read " + directory + ": " + std::strerror(errno);
    if (!S_ISDIR(st.st_mode)) return directory + " is not a directory";
    // Removing an entry needs write and search on its directory, and search
    // on every directory above it.
    if (!allows(st, account, 3)) return mode_text(directory, st) + " is not writable by " + account.name;
    for (auto above = absolute.parent_path();; above = above.parent_path()) {
        if (::stat(above.c_str(), &st) != 0) return "cannot read " + above.string() + ": " + std::strerror(errno);
        if (!allows(st, account, 1)) return mode_text(above.string(), st) + " is closed to " + account.name;
        if (above == above.root_path()) break;
    }
    return std::nullopt;
}

}  // namespace dslite::platform
