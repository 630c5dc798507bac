// SPDX-License-Identifier: BSD-2-Clause
// The engine's options, each declared once as a row: its name, value name,
// help, default, range and the EngineConfig field it sets. The programs make
// their --help and config-file reading from these rows, and validate() checks
// a configuration with them, so an option cannot be listed in one place and
// forgotten in another. Pure data and functions: no Boost here.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "dslite/config.hpp"

namespace dslite {

struct EngineOption {
    std::string_view name = {};  // as on the command line without "--", and in a config file
    std::string_view value_name = {};
    std::string_view help = {};  // the range and default are added from the row
    bool repeated = false;       // given once per list element, e.g. --pool A --pool B
    bool required = false;

    // Numbers only: the accepted range (max 0: none below the field's own),
    // its unit, the rule that sets the minimum, and whether 0 means off.
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    std::string_view unit = {};
    std::string_view rule = {};
    bool zero_is_off = false;
    std::uint64_t (*get)(const EngineConfig&) = nullptr;
    void (*set)(EngineConfig&, std::uint64_t) = nullptr;
    std::uint64_t representable = 0;  // the field's largest value

    // Reads one given value into the config (a repeated option appends);
    // "what is wrong" without the option's name, or nothing.
    std::optional<std::string> (*read)(const EngineOption&, EngineConfig&, std::string_view text) = nullptr;
    // What is wrong with the config's value of this option, or nothing.
    std::optional<std::string> (*check)(const EngineOption&, const EngineConfig&) = nullptr;
    // The default as --help shows it; empty for none.
    std::string (*shown_default)(const EngineOption&, const EngineConfig&) = nullptr;
};

// Every engine option, in the order --help lists them.
std::span<const EngineOption> engine_option_rows();

// "HELP (RANGE, default D)" or "HELP (required)": the help line of a row.
std::string help_line(const EngineOption& option);

// Readers of one value, shared with the programs' own options (dslite-b4's
// too): each returns
// "what is wrong" (quoting the text, without an option name) or nothing.
std::optional<std::uint64_t> parse_unsigned(std::string_view text, int base = 10);
std::optional<std::string> read_unsigned(std::string_view text, std::uint64_t max, std::uint64_t& out);
std::optional<std::string> read_ipv6_address(std::string_view text, Ipv6Address& out);
std::optional<std::string> read_ipv4_prefix(std::string_view text, Ipv4Prefix& out);
std::optional<std::string> read_ipv6_prefix(std::string_view text, Ipv6Prefix& out);
std::string in_quotes(std::string_view text);

}  // namespace dslite
