// SPDX-License-Identifier: BSD-2-Clause
// Reads the daemon's JSON answers: a small, strict parser for one document.
// Numbers keep their text, so 64-bit counters print exactly as sent.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dslite::ctl {

struct JsonValue {
    enum class Kind { null, boolean, number, string, array, object };

    Kind kind = Kind::null;
    std::string text;               // string contents, number text, "true"/"false"
    std::vector<JsonValue> items;   // array elements, or object member values
    std::vector<std::string> keys;  // object member names, parallel to items

    // The member named `key`, or a null value when absent (or not an object).
    const JsonValue& operator[](std::string_view key) const;
    bool has(std::string_view key) const;
};

// The value, or "what is wrong at offset N".
std::variant<JsonValue, std::string> parse_json(std::string_view text);

}  // namespace dslite::ctl
