// SPDX-License-Identifier: BSD-2-Clause
#include "json_reader.hpp"

#include <cstdint>

namespace dslite::ctl {

namespace {

constexpr int kMaxDepth = 64;  // answers are shallow; a deep one is not ours

class Parser {
public:
    explicit Parser(std::string_view text) : s_(text) {}

    std::variant<JsonValue, std::string> document() {
        JsonValue value;
        if (!parse(value, 0)) return error_;
        skip_space();
        if (i_ != s_.size()) return fail("trailing characters"), error_;
        return value;
    }

private:
    bool fail(const char* what) {
        if (error_.empty()) error_ = std::string(what) + " at offset " + std::to_string(i_);
        return false;
    }
    void skip_space() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
    }
    bool literal(std::string_view word) {
        if (s_.substr(i_, word.size()) != word) return fail("unexpected word");
        i_ += word.size();
        return true;
    }

    bool parse(JsonValue& out, int depth) {
        if (depth > kMaxDepth) return fail("nesting too deep");
        skip_space();
        if (i_ >= s_.size()) return fail("unexpected end");
        const char c = s_[i_];
        if (c == '{') return object(out, depth);
        if (c == '[') return array(out, depth);
        if (c == '"') {
            out.kind = JsonValue::Kind::string;
            return string(out.text);
        }
        if (c == 't' || c == 'f') {
            out.kind = JsonValue::Kind::boolean;
            out.text = c == 't' ? "true" : "false";
            return literal(out.text);
        }
        if (c == 'n') return literal("null");
        if (c == '-' || (c >= '0' && c <= '9')) return number(out);
        return fail("unexpected character");
    }

    bool object(JsonValue& out, int depth) {
        out.kind = JsonValue::Kind::object;
        return elements(out, depth, '}', [&] {
            skip_space();
            std::string key;
            if (i_ >= s_.size() || s_[i_] != '"') return fail("expected a member name");
            if (!string(key)) return false;
            skip_space();
            if (i_ >= s_.size() || s_[i_] != ':') return fail("expected ':'");
            ++i_;
            out.keys.push_back(std::move(key));
            return true;
        });
    }

    bool array(JsonValue& out, int depth) {
        out.kind = JsonValue::Kind::array;
        return elements(out, depth, ']', [] { return true; });
    }

    // The values of an object or array up to `close`, separated by commas;
    // `before` reads what comes in front of each value (a member's name).
    template <typename Before>
    bool elements(JsonValue& out, int depth, char close, Before before) {
        ++i_;
        skip_space();
        if (i_ < s_.size() && s_[i_] == close) return ++i_, true;
        while (true) {
            if (!before()) return false;
            out.items.emplace_back();
            if (!parse(out.items.back(), depth + 1)) return false;
            skip_space();
            if (i_ < s_.size() && s_[i_] == ',') {
                ++i_;
                continue;
            }
            if (i_ < s_.size() && s_[i_] == close) return ++i_, true;
            return fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }

    bool number(JsonValue& out) {
        out.kind = JsonValue::Kind::number;
        const std::size_t start = i_;
        if (s_[i_] == '-') ++i_;
        const auto digits = [&] {
            const std::size_t from = i_;
            while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
            return i_ > from;
        };
        if (!digits()) return fail("bad number");
        if (i_ < s_.size() && s_[i_] == '.') {
            ++i_;
            if (!digits()) return fail("bad number");
        }
        if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
            ++i_;
            if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
            if (!digits()) return fail("bad number");
        }
        out.text = std::string(s_.substr(start, i_ - start));
        return true;
    }

    static void append_utf8(std::string& out, std::uint32_t code) {
        if (code < 0x80) {
            out += static_cast<char>(code);
        } else if (code < 0x800) {
            out += static_cast<char>(0xc0 | code >> 6);
            out += static_cast<char>(0x80 | (code & 0x3f));
        } else {
            out += static_cast<char>(0xe0 | code >> 12);
            out += static_cast<char>(0x80 | (code >> 6 & 0x3f));
            out += static_cast<char>(0x80 | (code & 0x3f));
        }
    }

    bool string(std::string& out) {
        ++i_;  // opening quote
        while (i_ < s_.size()) {
            const char c = s_[i_++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= s_.size()) break;
            const char e = s_[i_++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                if (i_ + 4 > s_.size()) return fail("short \\u escape");
                std::uint32_t code = 0;
                for (int k = 0; k < 4; ++k) {
                    const char h = s_[i_++];
                    code <<= 4;
                    if (h >= '0' && h <= '9')
                        code |= h - '0';
                    else if (h >= 'a' && h <= 'f')
                        code |= h - 'a' + 10;
                    else if (h >= 'A' && h <= 'F')
                        code |= h - 'A' + 10;
                    else
                        return fail("bad \\u escape");
                }
                append_utf8(out, code);  // surrogate pairs are not ours to need
                break;
            }
            default: return fail("bad escape");
            }
        }
        return fail("unterminated string");
    }

    std::string_view s_;
    std::size_t i_ = 0;
    std::string error_;
};

const JsonValue kNull;

}  // namespace

const JsonValue& JsonValue::operator[](std::string_view key) const {
    if (kind != Kind::object) return kNull;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i] == key) return items[i];
    return kNull;
}

bool JsonValue::has(std::string_view key) const {
    if (kind != Kind::object) return false;
    for (const auto& k : keys)
        if (k == key) return true;
    return false;
}

std::variant<JsonValue, std::string> parse_json(std::string_view text) { return Parser(text).document(); }

}  // namespace dslite::ctl
