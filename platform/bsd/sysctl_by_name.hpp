// SPDX-License-Identifier: BSD-2-Clause
// Reading an integer sysctl by name, as macOS and FreeBSD can (OpenBSD has
// no sysctlbyname). Included only by those two systems' files.
#pragma once

#include <sys/types.h>
#include <sys/sysctl.h>

#include "platform/system.hpp"

namespace dslite::platform::bsd {

inline Forwarding forwarding_sysctl(const char* name) {
    int value = 0;
    std::size_t size = sizeof value;
    if (::sysctlbyname(name, &value, &size, nullptr, 0) != 0) return {name, std::nullopt};
    return {name, value != 0};
}

}  // namespace dslite::platform::bsd
