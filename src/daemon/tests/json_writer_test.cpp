// SPDX-License-Identifier: BSD-2-Clause
#include "json_writer.hpp"

#include <gtest/gtest.h>

namespace dslite::daemon {
namespace {

TEST(JsonWriter, PlacesCommasBetweenMembersAndElements) {
    JsonWriter json;
    json.begin_object().member("a", 1u).key("list").begin_array();
    json.value(std::uint64_t{2}).value("x").begin_object().end_object().end_array();
    json.member("flag", true).member("empty", std::string_view{});
    EXPECT_EQ(json.end_object().str(), R"({"a":1,"list":[2,"x",{}],"flag":true,"empty":""})");
}

TEST(JsonWriter, EscapesQuotesBackslashesAndControlCharacters) {
    JsonWriter json;
    json.value("say \"hi\"\\\n\t\x01");
    EXPECT_EQ(json.str(), R"("say \"hi\"\\\n\t\u0001")");
}

TEST(JsonWriter, KeepsFullUnsigned64BitNumbers) {
    JsonWriter json;
    json.begin_array().value(std::uint64_t{18446744073709551615u}).end_array();
    EXPECT_EQ(json.str(), "[18446744073709551615]");
}

}  // namespace
}  // namespace dslite::daemon
