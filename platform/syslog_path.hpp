// SPDX-License-Identifier: BSD-2-Clause
// The local syslog socket, for `--log-bindings syslog`: /dev/log on Linux
// and OpenBSD, /var/run/syslog on macOS, /var/run/log on FreeBSD. The macOS
// and BSD paths are from their syslogd manuals and are unrun here.
#pragma once

namespace dslite::platform {

inline constexpr const char* kSyslogPath =
#if defined(__APPLE__)
    "/var/run/syslog";
#elif defined(__FreeBSD__)
    "/var/run/log";
#else
    "/dev/log";
#endif

}  // namespace dslite::platform
