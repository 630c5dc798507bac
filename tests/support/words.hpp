// SPDX-License-Identifier: BSD-2-Clause
// The words of a one-line flags file (captures/*/flags): separated by
// spaces, a word with spaces in it in single quotes, as a shell reads them.
#pragma once

#include <string>
#include <vector>

namespace dslite::test {

std::vector<std::string> split_words(const std::string& text);

}  // namespace dslite::test
