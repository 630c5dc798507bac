// SPDX-License-Identifier: BSD-2-Clause
// Reads the replay's --counters-json output: one flat JSON object.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dslite::test {

// Parses {"name": 12, ...} (non-negative integers only); nothing and `error` otherwise.
std::optional<std::map<std::string, std::uint64_t>> parse_counters_json(const std::string& text, std::string& error);

}  // namespace dslite::test
