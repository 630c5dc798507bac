// SPDX-License-Identifier: BSD-2-Clause
// Command-line and config-file options. Every option works as a flag
// (--name VALUE) and as a line `name = VALUE` in the INI file named by
// --config; the command line wins over the file, option by option.
//
// Programs build their option set from groups (common_options(),
// engine_options(), and their own), parse once with parse_options(), then
// convert each group's values. Any problem becomes one OptionError line,
// "option: what is wrong", which main prints as "dslite-aftr: <line>" before
// exiting with status 2.
#pragma once

#include <boost/program_options.hpp>
#include <spdlog/common.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "dslite/config.hpp"
#include "dslite/engine_options.hpp"

namespace dslite::app {

namespace po = boost::program_options;

struct OptionError {
    // Control characters from the user's text are escaped (\n, \xNN), so
    // the error is always one line on the terminal.
    OptionError(std::string text);
    std::string line;  // "option: what is wrong"
};

// A converted value or the error line that explains why there is none.
template <class T>
class Parsed {
public:
    Parsed(T value) : result_(std::move(value)) {}
    Parsed(OptionError error) : result_(std::move(error)) {}

    explicit operator bool() const { return std::holds_alternative<T>(result_); }
    T& operator*() { return std::get<T>(result_); }
    const T& operator*() const { return std::get<T>(result_); }
    T* operator->() { return &std::get<T>(result_); }
    const T* operator->() const { return &std::get<T>(result_); }
    const std::string& error() const { return std::get<OptionError>(result_).line; }

private:
    std::variant<T, OptionError> result_;
};

// The line for an error Boost.Program_options threw: "option: what is
// wrong", made here rather than by Boost's what() (see aftr_options.cpp).
OptionError option_error(const po::error& e);

// --help, --config FILE, --log-level LEVEL.
po::options_description common_options();
// Everything in dslite::EngineConfig: one option per row of
// dslite::engine_option_rows().
po::options_description engine_options();

// Parses argv and then the --config file, if any, against `options` (which
// must include common_options()). Unknown options, missing values, an
// unreadable file and stray arguments are errors.
std::optional<OptionError> parse_options(int argc, const char* const argv[], const po::options_description& options,
                                         po::variables_map& values);

// The engine configuration, already through dslite::validate(). An absent
// option keeps EngineConfig's default; in particular --seed, so a replay is
// the same run to run. (A daemon that wants a random seed checks
// values.count("seed") itself.)
Parsed<EngineConfig> engine_config(const po::variables_map& values);

Parsed<spdlog::level::level_enum> log_level(const po::variables_map& values);

// For option groups' own numbers: leaves `out` alone when the option is
// absent and returns the error line for a bad value.
std::optional<OptionError> read_unsigned(const po::variables_map& values, const char* name, std::uint64_t max,
                                         std::uint64_t& out);

}  // namespace dslite::app
