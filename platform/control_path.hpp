// SPDX-License-Identifier: BSD-2-Clause
// Where dslite-aftr's control socket is unless --control says otherwise, for
// the daemon and dslite-ctl alike: /run on Linux; macOS and the BSDs have
// /var/run only.
#pragma once

namespace dslite::platform {

inline constexpr const char* kDefaultControlPath =
#if defined(__linux__)
    "/run/dslite-aftr.sock";
#else
    "/var/run/dslite-aftr.sock";
#endif

}  // namespace dslite::platform
