// SPDX-License-Identifier: BSD-2-Clause
// A private temporary directory for a test, removed with its contents.
#pragma once

#include <string>

namespace dslite::test {

// Under $TMPDIR (or /tmp); path() is empty if it could not be made.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

}  // namespace dslite::test
