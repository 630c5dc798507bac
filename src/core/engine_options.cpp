// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/engine_options.hpp"

#include "dslite/deterministic.hpp"
#include "port_blocks.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <type_traits>
#include <vector>

namespace dslite {

std::optional<std::uint64_t> parse_unsigned(std::string_view text, int base) {
    std::uint64_t value = 0;
    if (text.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// Not `quoted`: given a std::string, ADL would find std::quoted, which
// libc++ (macOS) answers with a stream proxy rather than a string.
// (Appended, not `"'" + std::string(text)`: g++ 12 warns falsely on that, bug 105329.)
std::string in_quotes(std::string_view text) {
    std::string quoted(1, '\'');
    quoted += text;
    quoted += '\'';
    return quoted;
}

std::optional<std::string> read_unsigned(std::string_view text, std::uint64_t max, std::uint64_t& out) {
    const auto value = parse_unsigned(text);
    if (!value) return in_quotes(text) + " is not a whole number";
    if (*value > max) return in_quotes(text) + " is more than " + std::to_string(max);
    out = *value;
    return std::nullopt;
}

std::optional<std::string> read_ipv6_address(std::string_view text, Ipv6Address& out) {
    const auto address = parse_ipv6(text);
    if (!address) return in_quotes(text) + " is not an IPv6 address";
    out = *address;
    return std::nullopt;
}

namespace {

// Says what is wrong with a prefix the parser refused: set host bits are the
// common slip ("192.0.2.1/24"), everything else is just not a prefix.
template <class Prefix, class ParsePrefix, class ParseAddress>
std::optional<std::string> read_prefix(std::string_view text, Prefix& out, const char* family, unsigned max_length,
                                       ParsePrefix parse_prefix, ParseAddress parse_address) {
    if (const auto prefix = parse_prefix(text)) {
        out = *prefix;
        return std::nullopt;
    }
    const auto slash = text.find('/');
    if (slash != std::string_view::npos && parse_address(text.substr(0, slash))) {
        const auto length = parse_unsigned(text.substr(slash + 1));
        if (length && *length <= max_length) return in_quotes(text) + " has bits set past its prefix length";
    }
    return in_quotes(text) + " is not an " + family + " prefix";
}

}  // namespace

std::optional<std::string> read_ipv4_prefix(std::string_view text, Ipv4Prefix& out) {
    return read_prefix(text, out, "IPv4", 32, parse_ipv4_prefix, parse_ipv4);
}

std::optional<std::string> read_ipv6_prefix(std::string_view text, Ipv6Prefix& out) {
    return read_prefix(text, out, "IPv6", 128, parse_ipv6_prefix, parse_ipv6);
}

namespace {

using Problem = std::optional<std::string>;
constexpr Problem fine = std::nullopt;

// ---- numbers ----

std::string with_unit(std::uint64_t value, const EngineOption& o) {
    std::string text = std::to_string(value);
    if (!o.unit.empty()) (text += ' ') += o.unit;
    return text;
}

std::string range_text(const EngineOption& o) {
    if (o.zero_is_off) return "0 (off) or " + std::to_string(o.min) + " to " + with_unit(o.max, o);
    if (o.max == 0) return "at least " + with_unit(o.min, o);
    if (o.min == 0) return "at most " + with_unit(o.max, o);
    return std::to_string(o.min) + " to " + with_unit(o.max, o);
}

Problem read_number(const EngineOption& o, EngineConfig& c, std::string_view text) {
    std::uint64_t value = 0;
    if (auto problem = read_unsigned(text, o.representable, value)) return problem;
    o.set(c, value);
    return fine;
}

Problem check_number(const EngineOption& o, const EngineConfig& c) {
    const std::uint64_t value = o.get(c);
    if (o.zero_is_off && value == 0) return fine;
    if (value >= o.min && (o.max == 0 || value <= o.max)) return fine;
    if (!o.rule.empty())
        return value < o.min ? std::string(o.rule) + " needs at least " + with_unit(o.min, o)
                             : "at most " + with_unit(o.max, o);
    return "must be " + range_text(o);
}

std::string show_number(const EngineOption& o, const EngineConfig& defaults) { return std::to_string(o.get(defaults)); }

struct Range {
    std::uint64_t min = 0;
    std::uint64_t max = 0;
    std::string_view unit = {};
    std::string_view rule = {};
    bool zero_is_off = false;
};

// `Access` is a captureless lambda naming the field: [](auto& c) -> auto& { return c.x; }.
template <class Access>
constexpr EngineOption number(std::string_view name, std::string_view value_name, std::string_view help, Range r,
                              Access) {
    using T = std::remove_cvref_t<decltype(Access{}(std::declval<EngineConfig&>()))>;
    static_assert(std::is_unsigned_v<T>);
    EngineOption o{.name = name, .value_name = value_name, .help = help};
    o.min = r.min;
    o.max = r.max;
    o.unit = r.unit;
    o.rule = r.rule;
    o.zero_is_off = r.zero_is_off;
    o.get = [](const EngineConfig& c) -> std::uint64_t { return Access{}(c); };
    o.set = [](EngineConfig& c, std::uint64_t v) { Access{}(c) = static_cast<T>(v); };
    o.representable = std::numeric_limits<T>::max();
    o.read = read_number;
    o.check = check_number;
    o.shown_default = show_number;
    return o;
}

// ---- the others ----

Problem read_aftr_address(const EngineOption&, EngineConfig& c, std::string_view text) {
    return read_ipv6_address(text, c.aftr_address);
}

Problem check_aftr_address(const EngineOption&, const EngineConfig& c) {
    if (c.aftr_address == Ipv6Address{}) return "must be set to a unicast IPv6 address";
    if (c.aftr_address[0] == 0xff) return "must not be multicast";
    return fine;
}

template <auto List>
Problem read_ipv4_list(const EngineOption&, EngineConfig& c, std::string_view text) {
    Ipv4Prefix prefix;
    if (auto problem = read_ipv4_prefix(text, prefix)) return problem;
    (c.*List).push_back(prefix);
    return fine;
}

Problem read_b4_prefix(const EngineOption&, EngineConfig& c, std::string_view text) {
    Ipv6Prefix prefix;
    if (auto problem = read_ipv6_prefix(text, prefix)) return problem;
    c.b4_prefixes.push_back(prefix);
    return fine;
}

Problem read_endpoint(std::string_view text, Ipv4Address& address, std::uint16_t& port) {
    const auto colon = text.rfind(':');
    const auto a = colon == std::string_view::npos ? std::nullopt : parse_ipv4(text.substr(0, colon));
    const auto p = colon == std::string_view::npos ? std::nullopt : parse_unsigned(text.substr(colon + 1));
    if (!a || !p || *p == 0 || *p > 65535) return in_quotes(text) + " is not IPV4:PORT";
    address = *a;
    port = static_cast<std::uint16_t>(*p);
    return fine;
}

// PROTO B4ADDR INSIDE:PORT PUBLIC:PORT, PROTO tcp, udp or both.
Problem read_static_mapping(const EngineOption&, EngineConfig& c, std::string_view text) {
    std::vector<std::string_view> words;
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t start = text.find_first_not_of(" \t", at);
        if (start == std::string_view::npos) break;
        const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
        words.push_back(text.substr(start, end - start));
        at = end;
    }
    if (words.size() != 4) return in_quotes(text) + " is not PROTO B4ADDR INSIDE:PORT PUBLIC:PORT";
    StaticMapping m;
    if (auto problem = read_ipv6_address(words[1], m.b4)) return problem;
    if (auto problem = read_endpoint(words[2], m.inside_address, m.inside_port)) return problem;
    if (auto problem = read_endpoint(words[3], m.public_address, m.public_port)) return problem;
    if (words[0] == "tcp" || words[0] == "both") {
        m.protocol = Protocol::tcp;
        c.static_mappings.push_back(m);
    }
    if (words[0] == "udp" || words[0] == "both") {
        m.protocol = Protocol::udp;
        c.static_mappings.push_back(m);
    }
    if (words[0] != "tcp" && words[0] != "udp" && words[0] != "both")
        return in_quotes(words[0]) + " is not tcp, udp or both";
    return fine;
}

std::string describe(const StaticMapping& m) {
    return std::string(protocol_name(m.protocol)) + " " + to_string(m.public_address) + ":" +
           std::to_string(m.public_port);
}

// Reserved at start, so everything about them is checked now: a public end
// of the pool and the port range, given once; an inside end the AFTR takes
// from that B4, given once; a subscriber's on one public address (paired
// pooling) and within its quota and softwires.
// A configured B4 (static mapping, no-nat) the AFTR would take softwires from.
Problem b4_problem(const EngineConfig& c, const Ipv6Address& b4) {
    if (!can_be_b4(c, b4)) return to_string(b4) + " cannot be a B4";
    if (!b4_allowed(c, b4)) return "B4 " + to_string(b4) + " is outside every --b4-prefix";
    return fine;
}

Problem check_static_mappings(const EngineOption&, const EngineConfig& c) {
    const auto& all = c.static_mappings;
    if (all.empty()) return fine;
    if (all.size() > c.max_bindings) return "more static mappings than --max-bindings";
    // Under deterministic mapping a mapping must lie in its subscriber's
    // range, so the formula still names who had every port (RFC 7422).
    std::optional<DeterministicMap> ranges;
    if (c.port_mapping == PortMapping::deterministic) {
        auto made = DeterministicMap::make(c);
        if (!std::holds_alternative<DeterministicMap>(made)) return fine;  // --port-mapping says why
        ranges = std::get<DeterministicMap>(std::move(made));
    }
    struct Subscriber {
        Ipv6Address prefix;
        Ipv4Address address;
        std::array<std::uint32_t, kProtocols> count{};
        std::vector<Ipv6Address> b4s;
        std::vector<std::uint64_t> blocks;  // under --port-block-size: its mappings' (address, block number)
    };
    std::vector<Subscriber> subscribers;
    const std::uint32_t blocks_per_address =
        c.port_block_size ? (std::uint32_t{c.port_max} - c.port_min + 1) / c.port_block_size : 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const StaticMapping& m = all[i];
        if (!std::any_of(c.pools.begin(), c.pools.end(),
                         [&](const Ipv4Prefix& p) { return p.contains(m.public_address); }))
            return describe(m) + ": " + to_string(m.public_address) + " is not in --pool";
        if (m.public_port < c.port_min || m.public_port > c.port_max)
            return describe(m) + ": port " + std::to_string(m.public_port) + " is outside --port-range";
        if (auto problem = b4_problem(c, m.b4)) return describe(m) + ": " + *problem;
        if (!inner_source_allowed(c, m.inside_address.value))
            return describe(m) + ": inside " + to_string(m.inside_address) +
                   " is not private, 192.0.0.0/29 or an --inner-prefix";
        for (std::size_t j = 0; j < i; ++j) {
            const StaticMapping& o = all[j];
            if (o.protocol != m.protocol) continue;
            if (o.public_address == m.public_address && o.public_port == m.public_port)
                return describe(m) + " is mapped twice";
            if (o.b4 == m.b4 && o.inside_address == m.inside_address && o.inside_port == m.inside_port)
                return describe(m) + ": its inside end " + to_string(m.inside_address) + ":" +
                       std::to_string(m.inside_port) + " behind " + to_string(m.b4) + " has another mapping";
        }
        const Ipv6Address prefix = mask_ipv6(m.b4, c.subscriber_prefix_length);
        auto it = std::find_if(subscribers.begin(), subscribers.end(),
                               [&](const Subscriber& s) { return s.prefix == prefix; });
        if (it == subscribers.end())
            it = subscribers.insert(subscribers.end(), Subscriber{prefix, m.public_address, {}, {}, {}});
        if (it->address != m.public_address)
            return describe(m) + ": subscriber " + to_string(Ipv6Prefix{prefix, c.subscriber_prefix_length}) +
                   " already has public address " + to_string(it->address) + " (one address per subscriber)";
        const std::uint32_t quota = m.protocol == Protocol::tcp ? c.quota.tcp : c.quota.udp;
        if (++it->count[index_of(m.protocol)] > quota)
            return describe(m) + ": more static mappings than the subscriber's " +
                   std::string(protocol_name(m.protocol)) + " quota";
        if (std::find(it->b4s.begin(), it->b4s.end(), m.b4) == it->b4s.end()) it->b4s.push_back(m.b4);
        if (it->b4s.size() > c.softwires_per_subscriber)
            return describe(m) + ": more B4 addresses for one subscriber than --softwires-per-subscriber";
        const std::string subscriber = "subscriber " + to_string(Ipv6Prefix{prefix, c.subscriber_prefix_length});
        if (ranges) {
            const auto number = ranges->number_of(prefix);
            if (!number) return describe(m) + ": " + subscriber + " has no deterministic range";
            const DeterministicMap::Range r = ranges->range_of(*number);
            if (r.address != m.public_address || m.public_port < r.first || m.public_port > r.last)
                return describe(m) + ": " + subscriber + "'s deterministic range is " + to_string(r.address) + ":" +
                       std::to_string(r.first) + "-" + std::to_string(r.last);
        }
        if (c.port_block_size) {
            // The mapping's block is its subscriber's for as long as it lasts.
            const std::uint32_t n = (m.public_port - c.port_min) / c.port_block_size;
            if (n >= blocks_per_address)
                return describe(m) + ": port " + std::to_string(m.public_port) +
                       " is past the last whole --port-block-size block of --port-range";
            const std::uint64_t block = std::uint64_t{m.public_address.value} << 32 | n;
            for (const Subscriber& other : subscribers)
                if (&other != &*it && std::find(other.blocks.begin(), other.blocks.end(), block) != other.blocks.end())
                    return describe(m) + ": its port block " + to_string(m.public_address) + ":" +
                           std::to_string(c.port_min + n * c.port_block_size) + "-" +
                           std::to_string(c.port_min + (n + 1) * c.port_block_size - 1) +
                           " has another subscriber's static mapping";
            if (std::find(it->blocks.begin(), it->blocks.end(), block) == it->blocks.end()) it->blocks.push_back(block);
            if (it->blocks.size() > PortBlocks::each_for(c))
                return describe(m) + ": " + subscriber + "'s static mappings are in more port blocks than the " +
                       std::to_string(PortBlocks::each_for(c)) + " it may hold";
        }
    }
    if (subscribers.size() > c.max_subscribers) return "static mappings of more subscribers than --max-subscribers";
    return fine;
}

// B4ADDR PREFIX
Problem read_no_nat(const EngineOption&, EngineConfig& c, std::string_view text) {
    const std::size_t space = text.find_first_of(" \t");
    const std::size_t rest = space == std::string_view::npos ? space : text.find_first_not_of(" \t", space);
    if (rest == std::string_view::npos || text.find_first_of(" \t", rest) != std::string_view::npos)
        return in_quotes(text) + " is not B4ADDR PREFIX";
    NoNat route;
    if (auto problem = read_ipv6_address(text.substr(0, space), route.b4)) return problem;
    if (auto problem = read_ipv4_prefix(text.substr(rest), route.prefix)) return problem;
    c.no_nat.push_back(route);
    return fine;
}

// Routed as they are, so they must be addresses of the Internet no other
// part of the AFTR claims.
Problem check_no_nat(const EngineOption&, const EngineConfig& c) {
    for (std::size_t i = 0; i < c.no_nat.size(); ++i) {
        const NoNat& r = c.no_nat[i];
        const std::string what = to_string(r.prefix);
        const std::uint32_t a = r.prefix.address.value;
        if (r.prefix.length < 8) return what + " is larger than a /8";
        if (is_martian(a) || inner_source_allowed(EngineConfig{}, a)) return what + " is not a public unicast prefix";
        for (const Ipv4Prefix& pool : c.pools)
            if (r.prefix.overlaps(pool)) return what + " overlaps --pool " + to_string(pool);
        for (std::size_t j = 0; j < i; ++j)
            if (r.prefix.overlaps(c.no_nat[j].prefix)) return what + " overlaps " + to_string(c.no_nat[j].prefix);
        if (auto problem = b4_problem(c, r.b4)) return what + ": " + *problem;
    }
    return fine;
}

Problem check_pool(const EngineOption&, const EngineConfig& c) {
    if (c.pools.empty()) return "at least one IPv4 prefix is needed";
    std::uint64_t addresses = 0;
    for (std::size_t i = 0; i < c.pools.size(); ++i) {
        if (c.pools[i].length < 8) return to_string(c.pools[i]) + " is larger than a /8";
        addresses += c.pools[i].size();
        for (std::size_t j = 0; j < i; ++j)
            if (c.pools[i].overlaps(c.pools[j])) return to_string(c.pools[i]) + " overlaps " + to_string(c.pools[j]);
    }
    // Port bitmaps are pre-sized per address: 24 KiB each.
    if (addresses > (1u << 14)) return "more than 16384 addresses in all";
    return fine;
}

Problem read_port_range(const EngineOption&, EngineConfig& c, std::string_view range) {
    const auto dash = range.find('-');
    const auto min = dash == std::string_view::npos ? std::nullopt : parse_unsigned(range.substr(0, dash));
    const auto max = dash == std::string_view::npos ? std::nullopt : parse_unsigned(range.substr(dash + 1));
    if (!min || !max) return in_quotes(range) + " is not MIN-MAX, e.g. 1024-65535";
    if (*min == 0 || *max > 65535) return in_quotes(range) + ": ports are 1 to 65535";
    if (*min > *max) return in_quotes(range) + " is reversed: MIN must not exceed MAX";
    c.port_min = static_cast<std::uint16_t>(*min);
    c.port_max = static_cast<std::uint16_t>(*max);
    return fine;
}

Problem check_port_range(const EngineOption&, const EngineConfig& c) {
    if (c.port_min == 0 || c.port_min > c.port_max) return "needs 1 <= min <= max <= 65535";
    return fine;
}

std::string show_port_range(const EngineOption&, const EngineConfig& c) {
    return std::to_string(c.port_min) + "-" + std::to_string(c.port_max);
}

// Options whose value is one of a few names: the names, in --help's order.
template <class Mode, std::size_t N>
using Modes = std::pair<std::string_view, Mode>[N];

template <class Mode, std::size_t N>
Problem read_mode(const Modes<Mode, N>& modes, Mode& out, std::string_view text) {
    for (const auto& [name, mode] : modes) {
        if (text == name) {
            out = mode;
            return fine;
        }
    }
    std::string names;
    for (std::size_t i = 0; i < N; ++i)
        names += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(modes[i].first);
    return in_quotes(text) + " is not " + names;
}

template <class Mode, std::size_t N>
std::string show_mode(const Modes<Mode, N>& modes, Mode value) {
    for (const auto& [name, mode] : modes)
        if (value == mode) return std::string(name);
    return {};
}

constexpr Modes<Filtering, 2> kFilterings = {
    {"endpoint-independent", Filtering::endpoint_independent},
    {"address-dependent", Filtering::address_dependent},
};
Problem read_filtering(const EngineOption&, EngineConfig& c, std::string_view text) {
    return read_mode(kFilterings, c.filtering, text);
}
std::string show_filtering(const EngineOption&, const EngineConfig& c) { return show_mode(kFilterings, c.filtering); }

constexpr Modes<PortMapping, 2> kPortMappings = {
    {"dynamic", PortMapping::dynamic},
    {"deterministic", PortMapping::deterministic},
};
Problem read_port_mapping(const EngineOption&, EngineConfig& c, std::string_view text) {
    return read_mode(kPortMappings, c.port_mapping, text);
}
std::string show_port_mapping(const EngineOption&, const EngineConfig& c) {
    return show_mode(kPortMappings, c.port_mapping);
}

// RFC 7422: every possible subscriber of the B4 prefixes must get its range.
Problem check_port_mapping(const EngineOption&, const EngineConfig& c) {
    if (c.port_mapping != PortMapping::deterministic) return fine;
    auto map = DeterministicMap::make(c);
    if (auto* problem = std::get_if<std::string>(&map)) return *problem;
    return fine;
}

// A block must fit the range, and the largest quota must fit a few blocks:
// a new binding searches the subscriber's blocks for a free port.
Problem check_port_block_size(const EngineOption& o, const EngineConfig& c) {
    if (auto problem = check_number(o, c)) return problem;
    if (c.port_block_size == 0) return fine;
    if (c.port_mapping == PortMapping::deterministic)
        return "not with --port-mapping deterministic: its ranges need no records at all";
    const std::uint32_t range = std::uint32_t{c.port_max} - c.port_min + 1;
    if (c.port_block_size > range)
        return "a block of " + std::to_string(c.port_block_size) + " ports does not fit the " + std::to_string(range) +
               " of --port-range";
    const std::uint32_t largest = std::max({c.quota.tcp, c.quota.udp, c.quota.icmp});
    if ((largest + c.port_block_size - 1) / c.port_block_size > PortBlocks::kMaxEach)
        return "the largest quota, " + std::to_string(largest) + " ports, would take more than " +
               std::to_string(PortBlocks::kMaxEach) + " blocks of " + std::to_string(c.port_block_size) +
               ": make the blocks at least " +
               std::to_string((largest + PortBlocks::kMaxEach - 1) / PortBlocks::kMaxEach);
    return fine;
}

Problem read_seed(const EngineOption&, EngineConfig& c, std::string_view text) {
    const bool hex = text.starts_with("0x") || text.starts_with("0X");
    const auto seed = hex ? parse_unsigned(text.substr(2), 16) : parse_unsigned(text);
    if (!seed) return in_quotes(text) + " is not a 64-bit number (decimal or 0x hex)";
    c.seed = *seed;
    return fine;
}

std::string show_any(const EngineOption&, const EngineConfig&) { return "any"; }
std::string show_fixed_seed(const EngineOption&, const EngineConfig&) {
    return "a fixed value, same output run to run";
}

// An idle timeout: at least what `rule` asks, at most a day.
template <class Access>
constexpr EngineOption timeout(std::string_view name, std::string_view help, std::uint64_t min, std::string_view rule,
                               Access access) {
    return number(name, "SECONDS", help, {.min = min, .max = 86400, .unit = "s", .rule = rule}, access);
}

constexpr EngineOption kRows[] = {
    {.name = "aftr-address",
     .value_name = "IPV6",
     .help = "the softwire end point B4s send to",
     .required = true,
     .read = read_aftr_address,
     .check = check_aftr_address},
    {.name = "pool",
     .value_name = "PREFIX",
     .help = "IPv4 prefix of public addresses; repeat for more",
     .repeated = true,
     .required = true,
     .read = read_ipv4_list<&EngineConfig::pools>,
     .check = check_pool},
    {.name = "port-range",
     .value_name = "MIN-MAX",
     .help = "public ports this engine hands out",
     .read = read_port_range,
     .check = check_port_range,
     .shown_default = show_port_range},
    number(
        "port-hold", "SECONDS", "seconds a freed port stays unused", {.max = 3600, .unit = "s"},
        [](auto& c) -> auto& { return c.port_hold_seconds; }),
    number(
        "quota-tcp", "N", "TCP ports per subscriber", {.min = 1}, [](auto& c) -> auto& { return c.quota.tcp; }),
    number(
        "quota-udp", "N", "UDP ports per subscriber", {.min = 1}, [](auto& c) -> auto& { return c.quota.udp; }),
    number(
        "quota-icmp", "N", "ICMP echo identifiers per subscriber", {.min = 1},
        [](auto& c) -> auto& { return c.quota.icmp; }),
    timeout(
        "udp-timeout", "UDP binding idle timeout", 120, "RFC 4787 REQ-5",
        [](auto& c) -> auto& { return c.timeouts.udp; }),
    timeout(
        "tcp-established-timeout", "established TCP idle timeout", 7440, "RFC 5382 REQ-5",
        [](auto& c) -> auto& { return c.timeouts.tcp_established; }),
    timeout(
        "tcp-transitory-timeout", "opening/closing TCP idle timeout", 240, "RFC 5382 REQ-5",
        [](auto& c) -> auto& { return c.timeouts.tcp_transitory; }),
    timeout(
        "icmp-timeout", "ICMP echo binding idle timeout", 60, "RFC 5508 REQ-2",
        [](auto& c) -> auto& { return c.timeouts.icmp; }),
    {.name = "filtering",
     .value_name = "MODE",
     .help = "endpoint-independent or address-dependent: which remotes may reach a binding",
     .read = read_filtering,
     .shown_default = show_filtering},
    {.name = "port-mapping",
     .value_name = "MODE",
     .help = "dynamic (any free port) or deterministic (RFC 7422: each subscriber of --b4-prefix gets one address "
             "and a range of ports as large as the largest quota, by a formula; see --print-deterministic-map)",
     .read = read_port_mapping,
     .check = check_port_mapping,
     .shown_default = show_port_mapping},
    [] {
        EngineOption o = number(
            "port-block-size", "N",
            "give each subscriber its ports in blocks of N consecutive ports of its address, every protocol, "
            "one log record per block instead of per binding (RFC 8158 port blocks); 0 for no blocks",
            {.min = PortBlocks::kMinSize, .max = 32768, .zero_is_off = true},
            [](auto& c) -> auto& { return c.port_block_size; });
        o.check = check_port_block_size;
        return o;
    }(),
    number(
        "new-bindings-per-second", "N", "new bindings a subscriber may open per second, 0 for no limit", {},
        [](auto& c) -> auto& { return c.new_bindings_per_second; }),
    number(
        "max-bindings", "N", "binding table size", {.min = 1, .max = 1u << 26},
        [](auto& c) -> auto& { return c.max_bindings; }),
    number(
        "max-subscribers", "N", "subscriber table size", {.min = 1, .max = 1u << 24},
        [](auto& c) -> auto& { return c.max_subscribers; }),
    {.name = "b4-prefix",
     .value_name = "PREFIX",
     .help = "accept B4s only from this IPv6 prefix; repeat for more",
     .repeated = true,
     .read = read_b4_prefix,
     .shown_default = show_any},
    number(
        "subscriber-prefix-length", "LEN", "B4 prefix length that makes one subscriber", {.min = 1, .max = 128},
        [](auto& c) -> auto& { return c.subscriber_prefix_length; }),
    number(
        "softwires-per-subscriber", "N",
        "B4 addresses a subscriber may use at once; a new one beyond that takes over a softwire",
        {.min = 1, .max = kMaxSoftwires}, [](auto& c) -> auto& { return c.softwires_per_subscriber; }),
    number(
        "softwire-move-hold", "SECONDS",
        "after a softwire moved to a new B4 address, another move of that subscriber waits this long",
        {.max = 86400, .unit = "s"}, [](auto& c) -> auto& { return c.softwire_move_hold; }),
    {.name = "inner-prefix",
     .value_name = "PREFIX",
     .help = "IPv4 source prefix allowed inside softwires besides RFC 1918 and 192.0.0.0/29; repeat for more",
     .repeated = true,
     .read = read_ipv4_list<&EngineConfig::extra_inner_prefixes>},
    {.name = "static-mapping",
     .value_name = "MAPPING",
     .help = "'PROTO B4ADDR INSIDE:PORT PUBLIC:PORT': a port forward that never expires, PROTO tcp, udp or both; "
             "the public end is reserved at start and reaches the inside end behind that B4; repeat for more",
     .repeated = true,
     .read = read_static_mapping,
     .check = check_static_mappings},
    {.name = "no-nat",
     .value_name = "ROUTE",
     .help = "'B4ADDR PREFIX': a public IPv4 prefix routed over that B4's softwire without NAT, both ways; "
             "repeat for more",
     .repeated = true,
     .read = read_no_nat,
     .check = check_no_nat},
    number(
        "tunnel-mtu", "BYTES",
        "largest IPv6 packet toward a B4 before the AFTR fragments it (DF=1: ICMP 3/4); "
        "lowered per B4 by ICMPv6 Packet Too Big",
        {.min = 1280, .max = kMaxMtu}, [](auto& c) -> auto& { return c.tunnel_mtu; }),
    number(
        "uplink-mtu", "BYTES", "largest IPv4 packet toward the Internet", {.min = 576, .max = kMaxMtu},
        [](auto& c) -> auto& { return c.uplink_mtu; }),
    number(
        "mss-clamp", "BYTES", "lower the TCP MSS option of SYNs both ways to this",
        {.min = 536, .max = kMaxMtu - 40, .zero_is_off = true}, [](auto& c) -> auto& { return c.mss_clamp; }),
    number(
        "reassembly-slots", "N", "fragmented datagrams being reassembled at once, 64 KiB each", {.min = 1, .max = 4096},
        [](auto& c) -> auto& { return c.reassembly.slots; }),
    number(
        "reassembly-per-owner", "N", "of those, per subscriber (from B4s) or per remote host (from the uplink)",
        {.min = 1}, [](auto& c) -> auto& { return c.reassembly.per_owner; }),
    number(
        "reassembly-timeout", "SECONDS", "time a fragmented datagram may take to complete",
        {.min = 1, .max = 120, .unit = "s"}, [](auto& c) -> auto& { return c.reassembly.timeout; }),
    number(
        "pcp-max-mappings", "N",
        "mappings a subscriber's hosts may ask for with NAT-PMP or PCP (192.0.0.1:5351), 0 to refuse them all", {},
        [](auto& c) -> auto& { return c.pcp_max_mappings; }),
    number(
        "pcp-max-lifetime", "SECONDS", "longest lifetime a NAT-PMP or PCP mapping gets",
        {.min = 120, .max = 30 * 86400, .unit = "s"}, [](auto& c) -> auto& { return c.pcp_max_lifetime; }),
    {.name = "pcp-third-party",
     .value_name = "PREFIX",
     .help = "inner sources that may map ports for other hosts of their softwire with PCP's THIRD_PARTY option "
             "(e.g. 192.0.0.2/32, a B4 that proxies PCP); repeat for more",
     .repeated = true,
     .read = read_ipv4_list<&EngineConfig::pcp_third_party>},
    number(
        "pcp-announce", "SECONDS",
        "after start, each new softwire gets one PCP ANNOUNCE (224.0.0.1:5350) for this long, so clients renew "
        "what a restart lost",
        {.max = 30 * 86400, .unit = "s"}, [](auto& c) -> auto& { return c.pcp_announce; }),
    number(
        "icmp-errors-per-second", "N", "ICMP errors the AFTR generates per second, 0 for no limit", {},
        [](auto& c) -> auto& { return c.icmp_errors_per_second; }),
    number(
        "log-ring", "N", "binding log events held for the writer before they are counted lost (with --log-bindings)",
        {.min = 64, .max = 1u << 22, .zero_is_off = true}, [](auto& c) -> auto& { return c.event_ring; }),
    {.name = "seed",
     .value_name = "N",
     .help = "seed for port choice and hashing",
     .read = read_seed,
     .shown_default = show_fixed_seed},
};

}  // namespace

std::span<const EngineOption> engine_option_rows() { return kRows; }

std::string help_line(const EngineOption& o) {
    std::string line(o.help);
    if (o.required) return line + " (required)";
    std::string extra = o.read == read_number && (o.min != 0 || o.max != 0) ? range_text(o) : "";
    if (o.shown_default) extra += (extra.empty() ? "default " : ", default ") + o.shown_default(o, EngineConfig{});
    return extra.empty() ? line : line + " (" + extra + ")";
}

std::optional<std::string> validate(const EngineConfig& c) {
    for (const EngineOption& o : kRows)
        if (o.check)
            if (auto problem = o.check(o, c)) return std::string(o.name) + ": " + *problem;
    return std::nullopt;
}

}  // namespace dslite
