// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <poll.h>

namespace dslite::test {

// True once `fd` polls readable, false after `milliseconds`.
inline bool wait_readable(int fd, int milliseconds = 2000) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, milliseconds) == 1 && (p.revents & POLLIN) != 0;
}

}  // namespace dslite::test
