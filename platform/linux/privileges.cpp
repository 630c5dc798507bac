// SPDX-License-Identifier: BSD-2-Clause
// Linux: --user keeps CAP_NET_ADMIN across the change of uid
// (PR_SET_KEEPCAPS, then capset), so that the routes the daemon added can be
// removed at exit and changed on reload. The TUNs need nothing: they go when
// their descriptors close. Raw system calls, not libcap: four calls do not
// need a library.
#include <grp.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "platform/privileges.hpp"

namespace dslite::platform {
namespace {

std::string failed(const std::string& what) { return what + ": " + std::strerror(errno); }

std::size_t thread_count() {
    std::error_code e;
    std::size_t n = 0;
    for (std::filesystem::directory_iterator it("/proc/self/task", e), end; !e && it != end; it.increment(e)) ++n;
    return n;
}

}  // namespace

std::optional<std::string> cannot_become() { return std::nullopt; }

std::string_view kept_capability() { return "CAP_NET_ADMIN"; }

std::optional<std::string> become(const Account& account) {
    // setresuid and capset change the calling thread only (glibc passes the
    // ids on to other threads, not the capabilities).
    if (const std::size_t n = thread_count(); n != 1)
        return "cannot change user with " + std::to_string(n) + " threads running";
    // Nothing another program could gain back through exec: no capability in
    // the bounding set but the kept one (best effort: without CAP_SETPCAP
    // the set stays as the parent left it; NO_NEW_PRIVS below covers exec).
    for (int cap = 0; ::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; ++cap)
        if (cap != CAP_NET_ADMIN && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno == EPERM) break;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        return failed("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
    if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_KEEPCAPS)");
    const std::vector<gid_t> groups(account.groups.begin(), account.groups.end());
    if (::setgroups(groups.size(), groups.data()) != 0) return failed("setgroups");
    if (::setresgid(account.gid, account.gid, account.gid) != 0) return failed("setresgid");
    if (::setresuid(account.uid, account.uid, account.uid) != 0) return failed("setresuid");
    if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) return failed("prctl(PR_SET_KEEPCAPS)");
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    data[0].effective = data[0].permitted = 1u << CAP_NET_ADMIN;
    if (::syscall(SYS_capset, &header, data) != 0) return failed("capset(CAP_NET_ADMIN)");
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return failed("prctl(PR_SET_NO_NEW_PRIVS)");
    // The way back must be shut.
    if (::setuid(0) == 0) return std::string("could still become root again");
    return std::nullopt;
}

}  // namespace dslite::platform
