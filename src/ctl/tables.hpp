// SPDX-License-Identifier: BSD-2-Clause
// The daemon's JSON answers as tables for people.
#pragma once

#include <string>
#include <vector>

#include "json_reader.hpp"

namespace dslite::ctl {

// Columns padded to their widest cell, two spaces apart; no trailing spaces.
std::string format_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);

// Each returns the text to print for an answer to that command.
std::string stats_table(const JsonValue& answer);
std::string bindings_table(const JsonValue& answer);
std::string subscribers_table(const JsonValue& answer);
std::string whois_table(const JsonValue& answer);

}  // namespace dslite::ctl
