// SPDX-License-Identifier: BSD-2-Clause
#include "support/temp_dir.hpp"

#include <stdlib.h>
#include <unistd.h>  // mkdtemp on macOS

#include <cstdlib>
#include <filesystem>

namespace dslite::test {

TempDir::TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/dslite-replay-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
}

TempDir::~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace dslite::test
