// SPDX-License-Identifier: BSD-2-Clause
#include "json_reader.hpp"

#include <gtest/gtest.h>

#include "json_writer.hpp"

namespace dslite::ctl {
namespace {

JsonValue parsed(std::string_view text) {
    auto r = parse_json(text);
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << text << ": " << *e;
    return std::holds_alternative<JsonValue>(r) ? std::get<JsonValue>(r) : JsonValue{};
}

std::string refused(std::string_view text) {
    auto r = parse_json(text);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "(accepted)";
}

TEST(JsonReader, ReadsNestedObjectsArraysAndScalars) {
    const JsonValue v = parsed(R"( {"a": [1, -2.5e3, "x"], "b": {"c": true, "d": null}, "e": 18446744073709551615} )");
    ASSERT_EQ(v.kind, JsonValue::Kind::object);
    ASSERT_EQ(v["a"].items.size(), 3u);
    EXPECT_EQ(v["a"].items[1].text, "-2.5e3");
    EXPECT_EQ(v["a"].items[2].text, "x");
    EXPECT_EQ(v["b"]["c"].text, "true");
    EXPECT_EQ(v["b"]["d"].kind, JsonValue::Kind::null);
    EXPECT_TRUE(v["b"].has("d"));
    EXPECT_FALSE(v.has("zz"));
    EXPECT_EQ(v["zz"]["deeper"].kind, JsonValue::Kind::null);  // absent is null all the way down
    EXPECT_EQ(v["e"].text, "18446744073709551615");
}

TEST(JsonReader, UndoesEveryEscapeTheWriterMakes) {
    const std::string original = "quote\" back\\ nl\n tab\t ctl\x01 caf\xc3\xa9";
    daemon::JsonWriter writer;
    writer.begin_object().member("s", std::string_view(original)).end_object();
    EXPECT_EQ(parsed(writer.str())["s"].text, original);
    EXPECT_EQ(parsed(R"("\u00e9\/")").text, "\xc3\xa9/");
}

TEST(JsonReader, RefusesMalformedDocumentsSayingWhere) {
    EXPECT_EQ(refused(""), "unexpected end at offset 0");
    EXPECT_EQ(refused("{\"a\" 1}"), "expected ':' at offset 5");
    EXPECT_EQ(refused("[1,]"), "unexpected character at offset 3");
    EXPECT_EQ(refused("[1] x"), "trailing characters at offset 4");
    EXPECT_EQ(refused("\"open"), "unterminated string at offset 5");
    EXPECT_EQ(refused("-"), "bad number at offset 1");
    EXPECT_EQ(refused(std::string(100, '[')), "nesting too deep at offset 65");
}

}  // namespace
}  // namespace dslite::ctl
