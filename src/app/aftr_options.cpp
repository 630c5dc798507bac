// SPDX-License-Identifier: BSD-2-Clause
#include "aftr_options.hpp"

#include <fstream>
#include <string_view>

namespace dslite::app {

OptionError::OptionError(std::string text) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n')
            line += "\\n";
        else if (c == '\t')
            line += "\\t";
        else if (byte < 0x20 || byte == 0x7f)
            line += std::string("\\x") + kHex[byte >> 4] + kHex[byte & 15];
        else
            line += c;
    }
}

namespace {

const char* const kLogLevels = "trace, debug, info, warn, error, critical or off";

OptionError bad(std::string_view name, std::string_view what) { return {std::string(name) + ": " + std::string(what)}; }

// "--pool" and "-p" name the option "pool" in error lines, as in the file.
std::string option_name(const po::error_with_option_name& e) {
    std::string name = e.get_option_name();
    return name.substr(std::min(name.find_first_not_of('-'), name.size()));
}

// Boost's error_with_option_name::what() puts the user's text into its
// message template and repeats until no placeholder is left, so text that
// holds one ("%invalid_line%", "%canonical_option%") never ends (Boost
// 1.74; the options fuzzer found it). The messages are made here instead.
std::string syntax_problem(po::invalid_syntax::kind_t kind) {
    switch (kind) {
    case po::invalid_syntax::long_not_allowed: return "long options are not allowed";
    case po::invalid_syntax::long_adjacent_not_allowed: return "a value cannot be joined to it with '='";
    case po::invalid_syntax::short_adjacent_not_allowed: return "a value cannot be joined to a short option";
    case po::invalid_syntax::empty_adjacent_parameter: return "needs a value after '='";
    case po::invalid_syntax::missing_parameter: return "needs a value";
    case po::invalid_syntax::extra_parameter: return "takes no value";
    case po::invalid_syntax::unrecognized_line: return "not a `name = value` line";
    }
    return "bad syntax";
}

}  // namespace

OptionError option_error(const po::error& e) {
    if (const auto* u = dynamic_cast<const po::unknown_option*>(&e)) return bad(option_name(*u), "unknown option");
    if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e))
        return bad(option_name(*m), "given more than once");
    if (const auto* s = dynamic_cast<const po::invalid_syntax*>(&e))
        return bad(option_name(*s), syntax_problem(s->kind()));
    if (const auto* n = dynamic_cast<const po::error_with_option_name*>(&e)) {
        const std::string name = option_name(*n);
        return name.empty() ? OptionError{"options: not accepted"} : bad(name, "not accepted");
    }
    return {e.what()};  // no placeholders in the others
}

namespace {

template <class T>
const T* get(const po::variables_map& values, const char* name) {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return nullptr;
    return &it->second.as<T>();
}

}  // namespace

po::options_description common_options() {
    po::options_description d("General");
    d.add_options()                           //
        ("help", "print this help and exit")  //
        ("config", po::value<std::string>()->value_name("FILE"),
         "read options from FILE: one `name = value` per line, names as here without --; "
         "the command line wins; the daemon reads it again on SIGHUP")  //
        ("log-level", po::value<std::string>()->value_name("LEVEL"),
         (std::string("log to stderr from LEVEL up: ") + kLogLevels + " (default info)").c_str());
    return d;
}

po::options_description engine_options() {
    po::options_description d("AFTR engine");
    for (const EngineOption& o : engine_option_rows()) {
        const std::string value_name(o.value_name);
        const po::value_semantic* value = nullptr;
        if (o.repeated)
            value = po::value<std::vector<std::string>>()->value_name(value_name);
        else
            value = po::value<std::string>()->value_name(value_name);
        d.add_options()(std::string(o.name).c_str(), value, help_line(o).c_str());
    }
    return d;
}

std::optional<OptionError> parse_options(int argc, const char* const argv[], const po::options_description& options,
                                         po::variables_map& values) {
    try {
        // No guessing from prefixes: --pool must not silently mean --pool-something later.
        const auto style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
        const auto parsed = po::command_line_parser(argc, argv).options(options).style(style).run();
        for (const auto& option : parsed.options)
            if (option.position_key >= 0 && !option.value.empty())
                return OptionError{"unexpected argument '" + option.value.front() + "' (options start with --)"};
        po::store(parsed, values);
        if (const auto* file = get<std::string>(values, "config")) {
            std::ifstream in(*file);
            if (!in) return bad("config", "cannot read " + in_quotes(*file));
            try {
                // Stored second: what the command line set stays.
                po::store(po::parse_config_file(in, options), values);
            } catch (const po::invalid_config_file_syntax& e) {
                return bad("config", *file + ": " + syntax_problem(e.kind()) + ": " + in_quotes(e.tokens()));
            }
        }
        po::notify(values);
    } catch (const po::error& e) {
        return option_error(e);
    }
    return std::nullopt;
}

std::optional<OptionError> read_unsigned(const po::variables_map& values, const char* name, std::uint64_t max,
                                         std::uint64_t& out) {
    const auto* text = get<std::string>(values, name);
    if (!text) return std::nullopt;
    if (auto problem = dslite::read_unsigned(*text, max, out)) return bad(name, *problem);
    return std::nullopt;
}

Parsed<EngineConfig> engine_config(const po::variables_map& values) {
    EngineConfig c;
    for (const EngineOption& o : engine_option_rows()) {
        const std::string name(o.name);
        std::vector<std::string> texts;
        if (!o.repeated) {
            if (const auto* text = get<std::string>(values, name.c_str())) texts = {*text};
        } else if (const auto* list = get<std::vector<std::string>>(values, name.c_str())) {
            texts = *list;
        }
        for (const std::string& text : texts)
            if (auto problem = o.read(o, c, text)) return bad(name, *problem);
    }
    if (auto problem = validate(c)) return OptionError{*problem};
    return c;
}

Parsed<spdlog::level::level_enum> log_level(const po::variables_map& values) {
    static constexpr std::pair<std::string_view, spdlog::level::level_enum> kNames[] = {
        {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug}, {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},   {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
        {"off", spdlog::level::off},
    };
    const auto* text = get<std::string>(values, "log-level");
    if (!text) return spdlog::level::info;
    for (const auto& [name, level] : kNames)
        if (name == *text) return level;
    return bad("log-level", in_quotes(*text) + " is not " + kLogLevels);
}

}  // namespace dslite::app
