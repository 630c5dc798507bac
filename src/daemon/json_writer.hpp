// SPDX-License-Identifier: BSD-2-Clause
// A tiny JSON emitter for the control socket: enough for objects, arrays,
// strings and unsigned numbers, with commas placed for the caller. Output is
// one line, so a response ends at the first newline.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dslite::daemon {

class JsonWriter {
public:
    JsonWriter& begin_object() { return open('{'); }
    JsonWriter& end_object() { return close('}'); }
    JsonWriter& begin_array() { return open('['); }
    JsonWriter& end_array() { return close(']'); }

    // Inside an object: the name of the next value.
    JsonWriter& key(std::string_view name) {
        separate();
        quote(name);
        out_ += ':';
        after_key_ = true;
        return *this;
    }
    JsonWriter& value(std::string_view text) {
        separate();
        quote(text);
        return *this;
    }
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::uint64_t number) {
        separate();
        out_ += std::to_string(number);
        return *this;
    }
    JsonWriter& value(bool flag) {
        separate();
        out_ += flag ? "true" : "false";
        return *this;
    }

    template <class T>
    JsonWriter& member(std::string_view name, const T& v) {
        key(name);
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            return value(static_cast<std::uint64_t>(v));
        } else {
            return value(v);
        }
    }

    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    JsonWriter& open(char c) {
        separate();
        out_ += c;
        first_.push_back(true);
        return *this;
    }
    JsonWriter& close(char c) {
        out_ += c;
        first_.pop_back();
        return *this;
    }
    // A comma before every value but the first in its container; none after a key.
    void separate() {
        if (after_key_) {
            after_key_ = false;
            return;
        }
        if (first_.empty()) return;
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
    void quote(std::string_view text) {
        static constexpr char kHex[] = "0123456789abcdef";
        out_ += '"';
        for (const char ch : text) {
            const auto c = static_cast<unsigned char>(ch);
            switch (c) {
            case '"': out_ += "\\\""; break;
            case '\\': out_ += "\\\\"; break;
            case '\n': out_ += "\\n"; break;
            case '\r': out_ += "\\r"; break;
            case '\t': out_ += "\\t"; break;
            default:
                if (c < 0x20) {
                    out_ += "\\u00";
                    out_ += kHex[c >> 4];
                    out_ += kHex[c & 15];
                } else {
                    out_ += ch;
                }
            }
        }
        out_ += '"';
    }

    std::string out_;
    std::vector<bool> first_;
    bool after_key_ = false;
};

}  // namespace dslite::daemon
