// SPDX-License-Identifier: BSD-2-Clause
#include "support/counters_json.hpp"

#include <cctype>

namespace dslite::test {

std::optional<std::map<std::string, std::uint64_t>> parse_counters_json(const std::string& text, std::string& error) {
    std::map<std::string, std::uint64_t> values;
    std::size_t i = 0;
    auto skip = [&] {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    };
    auto fail = [&](const std::string& what) {
        error = "counters JSON: " + what + " at offset " + std::to_string(i);
        return std::nullopt;
    };
    skip();
    if (i >= text.size() || text[i] != '{') return fail("expected '{'");
    ++i;
    skip();
    if (i < text.size() && text[i] == '}') return values;
    while (true) {
        skip();
        if (i >= text.size() || text[i] != '"') return fail("expected a name");
        auto end = text.find('"', i + 1);
        if (end == std::string::npos) return fail("unterminated name");
        std::string name = text.substr(i + 1, end - i - 1);
        i = end + 1;
        skip();
        if (i >= text.size() || text[i] != ':') return fail("expected ':'");
        ++i;
        skip();
        std::size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
        if (start == i) return fail("expected a number");
        if (!values.emplace(name, std::stoull(text.substr(start, i - start))).second) return fail("repeated " + name);
        skip();
        if (i < text.size() && text[i] == ',') {
            ++i;
            continue;
        }
        if (i < text.size() && text[i] == '}') break;
        return fail("expected ',' or '}'");
    }
    ++i;
    skip();
    if (i != text.size()) return fail("trailing text");
    return values;
}

}  // namespace dslite::test
