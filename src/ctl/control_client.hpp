// SPDX-License-Identifier: BSD-2-Clause
// One request to the daemon's control socket and its one-line answer.
#pragma once

#include <chrono>
#include <string>

namespace dslite::ctl {

struct Reply {
    std::string line;   // the answer without its newline
    std::string error;  // "PATH: what failed"; empty on success
};

Reply ask(const std::string& path, const std::string& request,
          std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace dslite::ctl
