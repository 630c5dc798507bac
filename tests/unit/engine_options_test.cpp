// SPDX-License-Identifier: BSD-2-Clause
// The option rows are the one place an engine option is declared: these
// tests hold each row to the field it names and the range it claims.
#include "dslite/engine_options.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace dslite {
namespace {

EngineConfig valid_config() {
    EngineConfig c;
    c.aftr_address = *parse_ipv6("2001:db8::1");
    c.pools = {*parse_ipv4_prefix("192.0.2.0/24")};
    return c;
}

bool is_number(const EngineOption& o) { return o.get != nullptr; }

TEST(EngineOptions, EveryRowIsNamedOnceAndCanBeRead) {
    std::set<std::string_view> names;
    for (const EngineOption& o : engine_option_rows()) {
        EXPECT_TRUE(names.insert(o.name).second) << o.name << " twice";
        EXPECT_FALSE(o.value_name.empty()) << o.name;
        EXPECT_FALSE(o.help.empty()) << o.name;
        EXPECT_NE(o.read, nullptr) << o.name;
        EXPECT_EQ(is_number(o), o.set != nullptr) << o.name;
    }
    EXPECT_EQ(names.size(), 37u);  // every field of EngineConfig a user may set
}

TEST(EngineOptions, TheDefaultsAndAValidConfigPassEveryCheck) {
    EXPECT_EQ(validate(valid_config()), std::nullopt);
    for (const EngineOption& o : engine_option_rows())
        if (o.check && !o.required) {
            EXPECT_EQ(o.check(o, EngineConfig{}), std::nullopt) << o.name;
        }
}

// A number row's reader sets its own field and no other row's.
TEST(EngineOptions, EachNumberRowSetsItsOwnField) {
    for (const EngineOption& o : engine_option_rows()) {
        if (!is_number(o)) continue;
        EngineConfig c = valid_config();
        const std::uint64_t before = o.get(c);
        const std::uint64_t other = before == o.min ? o.min + 1 : o.min;
        ASSERT_EQ(o.read(o, c, std::to_string(other)), std::nullopt) << o.name;
        EXPECT_EQ(o.get(c), other) << o.name;
        for (const EngineOption& p : engine_option_rows())
            if (is_number(p) && &p != &o) {
                EXPECT_EQ(p.get(c), p.get(valid_config())) << o.name << " moved " << p.name;
            }
    }
}

// The ends of each range pass; one past them fails, named after the row.
TEST(EngineOptions, NumberRowsRefuseJustOutsideTheirRange) {
    for (const EngineOption& o : engine_option_rows()) {
        if (!is_number(o)) continue;
        const auto check_at = [&](std::uint64_t value) {
            EngineConfig c = valid_config();
            o.set(c, value);
            return validate(c);
        };
        EXPECT_EQ(check_at(o.min), std::nullopt) << o.name;
        if (o.max != 0) {
            EXPECT_EQ(check_at(o.max), std::nullopt) << o.name;
        }
        if (o.min > 1 || (o.min == 1 && !o.zero_is_off)) {
            const auto problem = check_at(o.min - 1);
            ASSERT_TRUE(problem) << o.name;
            EXPECT_EQ(problem->rfind(std::string(o.name) + ": ", 0), 0u) << *problem;
        }
        if (o.max != 0 && o.max < o.representable) {
            const auto problem = check_at(o.max + 1);
            ASSERT_TRUE(problem) << o.name;
            EXPECT_EQ(problem->rfind(std::string(o.name) + ": ", 0), 0u) << *problem;
        }
        EngineConfig c;
        EXPECT_TRUE(o.read(o, c, std::to_string(o.representable) + "0")) << o.name << " took more than its field holds";
    }
}

TEST(EngineOptions, HelpShowsTheRangeAndTheDefault) {
    for (const EngineOption& o : engine_option_rows()) {
        if (o.name == "udp-timeout") {
            EXPECT_EQ(help_line(o), "UDP binding idle timeout (120 to 86400 s, default 300)");
        }
        if (o.name == "pool") {
            EXPECT_EQ(help_line(o), "IPv4 prefix of public addresses; repeat for more (required)");
        }
        if (o.name == "mss-clamp") {
            EXPECT_NE(help_line(o).find("0 (off) or 536 to 8960, default 0"), std::string::npos);
        }
    }
}

TEST(EngineOptions, RepeatedRowsAppend) {
    for (const EngineOption& o : engine_option_rows()) {
        if (o.name != "pool") continue;
        EngineConfig c;
        ASSERT_EQ(o.read(o, c, "192.0.2.0/24"), std::nullopt);
        ASSERT_EQ(o.read(o, c, "198.51.100.0/24"), std::nullopt);
        EXPECT_EQ(c.pools.size(), 2u);
        EXPECT_EQ(o.read(o, c, "192.0.2.1/24"), "'192.0.2.1/24' has bits set past its prefix length");
    }
}

}  // namespace
}  // namespace dslite
