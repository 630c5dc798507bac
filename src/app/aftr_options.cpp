#include "aftr_options.hpp"

#include <charconv>
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

// Not `quoted`: given a std::string, ADL would find std::quoted, which
// libc++ (macOS) answers with a stream proxy rather than a string.
std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// "--pool" and "-p" name the option "pool" in error lines, as in the file.
std::string option_name(const po::error_with_option_name& e) {
    std::string name = e.get_option_name();
    return name.substr(std::min(name.find_first_not_of('-'), name.size()));
}

OptionError from_boost(const po::error& e) {
    if (const auto* u = dynamic_cast<const po::unknown_option*>(&e)) return bad(option_name(*u), "unknown option");
    if (const auto* m = dynamic_cast<const po::multiple_occurrences*>(&e))
        return bad(option_name(*m), "given more than once");
    if (const auto* s = dynamic_cast<const po::invalid_command_line_syntax*>(&e)) {
        if (s->kind() == po::invalid_syntax::missing_parameter) return bad(option_name(*s), "needs a value");
        return bad(option_name(*s), s->what());
    }
    if (const auto* n = dynamic_cast<const po::error_with_option_name*>(&e)) {
        const std::string name = option_name(*n);
        if (!name.empty()) return bad(name, n->what());
    }
    return {e.what()};
}

std::optional<std::uint64_t> parse_number(std::string_view text, int base = 10) {
    std::uint64_t value = 0;
    if (text.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Says what is wrong with a prefix that parse_*_prefix refused: set host bits
// are the common slip ("192.0.2.1/24"), everything else is just not a prefix.
template <class ParseAddress>
std::string prefix_problem(std::string_view text, const char* family, unsigned max_length, ParseAddress parse) {
    const auto slash = text.find('/');
    if (slash != std::string_view::npos && parse(text.substr(0, slash))) {
        const auto length = parse_number(text.substr(slash + 1));
        if (length && *length <= max_length) return in_quotes(text) + " has bits set past its prefix length";
    }
    return in_quotes(text) + " is not an " + family + " prefix";
}

template <class T>
const T* get(const po::variables_map& values, const char* name) {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return nullptr;
    return &it->second.as<T>();
}

std::optional<OptionError> read_port_range(const po::variables_map& values, EngineConfig& c) {
    const auto* text = get<std::string>(values, "port-range");
    if (!text) return std::nullopt;
    const std::string_view range = *text;
    const auto dash = range.find('-');
    const auto min = dash == std::string_view::npos ? std::nullopt : parse_number(range.substr(0, dash));
    const auto max = dash == std::string_view::npos ? std::nullopt : parse_number(range.substr(dash + 1));
    if (!min || !max) return bad("port-range", in_quotes(range) + " is not MIN-MAX, e.g. 1024-65535");
    if (*min == 0 || *max > 65535) return bad("port-range", in_quotes(range) + ": ports are 1 to 65535");
    if (*min > *max) return bad("port-range", in_quotes(range) + " is reversed: MIN must not exceed MAX");
    c.port_min = static_cast<std::uint16_t>(*min);
    c.port_max = static_cast<std::uint16_t>(*max);
    return std::nullopt;
}

std::optional<OptionError> read_filtering(const po::variables_map& values, Filtering& out) {
    const auto* text = get<std::string>(values, "filtering");
    if (!text) return std::nullopt;
    if (*text == "endpoint-independent") {
        out = Filtering::endpoint_independent;
    } else if (*text == "address-dependent") {
        out = Filtering::address_dependent;
    } else {
        return bad("filtering", in_quotes(*text) + " is not endpoint-independent or address-dependent");
    }
    return std::nullopt;
}

std::optional<OptionError> read_seed(const po::variables_map& values, std::uint64_t& out) {
    const auto* text = get<std::string>(values, "seed");
    if (!text) return std::nullopt;
    const std::string_view s = *text;
    const bool hex = s.starts_with("0x") || s.starts_with("0X");
    const auto seed = hex ? parse_number(s.substr(2), 16) : parse_number(s);
    if (!seed) return bad("seed", in_quotes(s) + " is not a 64-bit number (decimal or 0x hex)");
    out = *seed;
    return std::nullopt;
}

std::string by_default(std::uint32_t value) { return "(default " + std::to_string(value) + ")"; }

}  // namespace

po::options_description common_options() {
    po::options_description d("General");
    d.add_options()                           //
        ("help", "print this help and exit")  //
        ("config", po::value<std::string>()->value_name("FILE"),
         "read options from FILE: one `name = value` per line, names as here without --; "
         "the command line wins")  //
        ("log-level", po::value<std::string>()->value_name("LEVEL"),
         (std::string("log to stderr from LEVEL up: ") + kLogLevels + " (default info)").c_str());
    return d;
}

po::options_description engine_options() {
    const EngineConfig defaults;
    const auto text = [](const char* name) { return po::value<std::string>()->value_name(name); };
    const auto list = [](const char* name) { return po::value<std::vector<std::string>>()->value_name(name); };
    po::options_description d("AFTR engine");
    d.add_options()                                                                              //
        ("aftr-address", text("IPV6"), "the softwire end point B4s send to (required)")          //
        ("pool", list("PREFIX"), "IPv4 prefix of public addresses; repeat for more (required)")  //
        ("port-range", text("MIN-MAX"),
         ("public ports this engine hands out (default " + std::to_string(defaults.port_min) + "-" +
          std::to_string(defaults.port_max) + ")")
             .c_str())  //
        ("port-hold", text("SECONDS"),
         ("seconds a freed port stays unused " + by_default(defaults.port_hold_seconds)).c_str())         //
        ("quota-tcp", text("N"), ("TCP ports per subscriber " + by_default(defaults.quota.tcp)).c_str())  //
        ("quota-udp", text("N"), ("UDP ports per subscriber " + by_default(defaults.quota.udp)).c_str())  //
        ("quota-icmp", text("N"),
         ("ICMP echo identifiers per subscriber " + by_default(defaults.quota.icmp)).c_str())  //
        ("udp-timeout", text("SECONDS"),
         ("UDP binding idle timeout, at least 120 " + by_default(defaults.timeouts.udp)).c_str())  //
        ("tcp-established-timeout", text("SECONDS"),
         ("established TCP idle timeout, at least 7440 " + by_default(defaults.timeouts.tcp_established)).c_str())  //
        ("tcp-transitory-timeout", text("SECONDS"),
         ("opening/closing TCP idle timeout, at least 240 " + by_default(defaults.timeouts.tcp_transitory)).c_str())  //
        ("icmp-timeout", text("SECONDS"),
         ("ICMP echo binding idle timeout, at least 60 " + by_default(defaults.timeouts.icmp)).c_str())  //
        ("filtering", text("MODE"),
         "endpoint-independent (default) or address-dependent: which remotes may reach a binding")  //
        ("new-sessions-per-second", text("N"),
         ("new bindings a subscriber may open per second, 0 for no limit " +
          by_default(defaults.new_sessions_per_second))
             .c_str())                                                                                             //
        ("max-sessions", text("N"), ("session table size " + by_default(defaults.max_sessions)).c_str())           //
        ("max-subscribers", text("N"), ("subscriber table size " + by_default(defaults.max_subscribers)).c_str())  //
        ("b4-prefix", list("PREFIX"), "accept B4s only from this IPv6 prefix; repeat for more (default: any)")     //
        ("subscriber-prefix-length", text("LEN"),
         ("B4 prefix length that makes one subscriber " + by_default(defaults.subscriber_prefix_length)).c_str())  //
        ("inner-prefix", list("PREFIX"),
         "IPv4 source prefix allowed inside softwires besides RFC 1918 and 192.0.0.0/29; repeat for more")  //
        ("tunnel-mtu", text("BYTES"),
         ("largest IPv6 packet toward a B4 before the AFTR fragments it (DF=1: ICMP 3/4); "
          "lowered per B4 by ICMPv6 Packet Too Big " +
          by_default(defaults.tunnel_mtu))
             .c_str())  //
        ("uplink-mtu", text("BYTES"),
         ("largest IPv4 packet toward the Internet " + by_default(defaults.uplink_mtu)).c_str())             //
        ("mss-clamp", text("BYTES"), "lower the TCP MSS option of SYNs both ways to this (default 0: off)")  //
        ("reassembly-slots", text("N"),
         ("fragmented datagrams being reassembled at once, 64 KiB each " + by_default(defaults.reassembly.slots))
             .c_str())  //
        ("reassembly-per-owner", text("N"),
         ("of those, per subscriber (from B4s) or per remote host (from the uplink) " +
          by_default(defaults.reassembly.per_owner))
             .c_str())  //
        ("reassembly-timeout", text("SECONDS"),
         ("time a fragmented datagram may take to complete " + by_default(defaults.reassembly.timeout)).c_str())  //
        ("icmp-errors-per-second", text("N"),
         ("ICMP errors the AFTR generates per second, 0 for no limit " + by_default(defaults.icmp_errors_per_second))
             .c_str())  //
        ("seed", text("N"), "seed for port choice and hashing (default: a fixed value, same output run to run)");
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
                return bad("config", *file + ": " + e.what());
            }
        }
        po::notify(values);
    } catch (const po::error& e) {
        return from_boost(e);
    }
    return std::nullopt;
}

std::optional<OptionError> read_unsigned(const po::variables_map& values, const char* name, std::uint64_t max,
                                         std::uint64_t& out) {
    const auto* text = get<std::string>(values, name);
    if (!text) return std::nullopt;
    const auto value = parse_number(*text);
    if (!value) return bad(name, in_quotes(*text) + " is not a whole number");
    if (*value > max) return bad(name, in_quotes(*text) + " is more than " + std::to_string(max));
    out = *value;
    return std::nullopt;
}

std::optional<OptionError> read_ipv6_address(const po::variables_map& values, const char* name, Ipv6Address& out) {
    const auto* text = get<std::string>(values, name);
    if (!text) return std::nullopt;
    const auto address = parse_ipv6(*text);
    if (!address) return bad(name, in_quotes(*text) + " is not an IPv6 address");
    out = *address;
    return std::nullopt;
}

std::optional<OptionError> read_ipv4_prefixes(const po::variables_map& values, const char* name,
                                              std::vector<Ipv4Prefix>& out) {
    const auto* texts = get<std::vector<std::string>>(values, name);
    if (!texts) return std::nullopt;
    out.clear();
    for (const auto& text : *texts) {
        const auto prefix = parse_ipv4_prefix(text);
        if (!prefix) return bad(name, prefix_problem(text, "IPv4", 32, parse_ipv4));
        out.push_back(*prefix);
    }
    return std::nullopt;
}

std::optional<OptionError> read_ipv6_prefixes(const po::variables_map& values, const char* name,
                                              std::vector<Ipv6Prefix>& out) {
    const auto* texts = get<std::vector<std::string>>(values, name);
    if (!texts) return std::nullopt;
    out.clear();
    for (const auto& text : *texts) {
        const auto prefix = parse_ipv6_prefix(text);
        if (!prefix) return bad(name, prefix_problem(text, "IPv6", 128, parse_ipv6));
        out.push_back(*prefix);
    }
    return std::nullopt;
}

Parsed<EngineConfig> engine_config(const po::variables_map& values) {
    EngineConfig c;
    for (auto error : {
             read_ipv6_address(values, "aftr-address", c.aftr_address),
             read_ipv4_prefixes(values, "pool", c.pools),
             read_port_range(values, c),
             read_unsigned(values, "port-hold", c.port_hold_seconds),
             read_unsigned(values, "quota-tcp", c.quota.tcp),
             read_unsigned(values, "quota-udp", c.quota.udp),
             read_unsigned(values, "quota-icmp", c.quota.icmp),
             read_unsigned(values, "udp-timeout", c.timeouts.udp),
             read_unsigned(values, "tcp-established-timeout", c.timeouts.tcp_established),
             read_unsigned(values, "tcp-transitory-timeout", c.timeouts.tcp_transitory),
             read_unsigned(values, "icmp-timeout", c.timeouts.icmp),
             read_filtering(values, c.filtering),
             read_unsigned(values, "new-sessions-per-second", c.new_sessions_per_second),
             read_unsigned(values, "max-sessions", c.max_sessions),
             read_unsigned(values, "max-subscribers", c.max_subscribers),
             read_ipv6_prefixes(values, "b4-prefix", c.b4_prefixes),
             read_unsigned(values, "subscriber-prefix-length", c.subscriber_prefix_length),
             read_ipv4_prefixes(values, "inner-prefix", c.extra_inner_prefixes),
             read_unsigned(values, "tunnel-mtu", c.tunnel_mtu),
             read_unsigned(values, "uplink-mtu", c.uplink_mtu),
             read_unsigned(values, "mss-clamp", c.mss_clamp),
             read_unsigned(values, "reassembly-slots", c.reassembly.slots),
             read_unsigned(values, "reassembly-per-owner", c.reassembly.per_owner),
             read_unsigned(values, "reassembly-timeout", c.reassembly.timeout),
             read_unsigned(values, "icmp-errors-per-second", c.icmp_errors_per_second),
             read_seed(values, c.seed),
         }) {
        if (error) return *error;
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
