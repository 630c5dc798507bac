// SPDX-License-Identifier: BSD-2-Clause
#include "aftr_options.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>

namespace dslite::app {
namespace {

// Parses like dslite-aftr does: every group, then the conversions in order;
// the first error line wins.
Parsed<EngineConfig> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "dslite-aftr");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    po::options_description options;
    options.add(common_options()).add(engine_options());
    po::variables_map values;
    if (auto error = parse_options(static_cast<int>(argv.size()), argv.data(), options, values)) return *error;
    if (auto level = log_level(values); !level) return OptionError{level.error()};
    return engine_config(values);
}

std::string error_of(std::vector<std::string> args) {
    auto parsed = parse(std::move(args));
    if (parsed) return "(no error)";
    return parsed.error();
}

std::string write_config(const std::string& text) {
    const auto* info = testing::UnitTest::GetInstance()->current_test_info();
    const std::string path = testing::TempDir() + "dslite_options_" + info->name() + ".conf";
    std::ofstream(path) << text;
    return path;
}

const std::vector<std::string> kMinimal = {"--aftr-address", "2001:db8::1", "--pool", "192.0.2.0/24"};

std::vector<std::string> minimal_and(std::vector<std::string> more) {
    auto args = kMinimal;
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

void expect_same(const EngineConfig& a, const EngineConfig& b) {
    EXPECT_EQ(a.aftr_address, b.aftr_address);
    EXPECT_EQ(a.pools, b.pools);
    EXPECT_EQ(a.port_min, b.port_min);
    EXPECT_EQ(a.port_max, b.port_max);
    EXPECT_EQ(a.port_hold_seconds, b.port_hold_seconds);
    EXPECT_EQ(a.quota.tcp, b.quota.tcp);
    EXPECT_EQ(a.quota.udp, b.quota.udp);
    EXPECT_EQ(a.quota.icmp, b.quota.icmp);
    EXPECT_EQ(a.timeouts.udp, b.timeouts.udp);
    EXPECT_EQ(a.timeouts.tcp_established, b.timeouts.tcp_established);
    EXPECT_EQ(a.timeouts.tcp_transitory, b.timeouts.tcp_transitory);
    EXPECT_EQ(a.timeouts.icmp, b.timeouts.icmp);
    EXPECT_EQ(a.filtering, b.filtering);
    EXPECT_EQ(a.max_bindings, b.max_bindings);
    EXPECT_EQ(a.max_subscribers, b.max_subscribers);
    EXPECT_EQ(a.b4_prefixes, b.b4_prefixes);
    EXPECT_EQ(a.subscriber_prefix_length, b.subscriber_prefix_length);
    EXPECT_EQ(a.extra_inner_prefixes, b.extra_inner_prefixes);
    EXPECT_EQ(a.tunnel_mtu, b.tunnel_mtu);
    EXPECT_EQ(a.uplink_mtu, b.uplink_mtu);
    EXPECT_EQ(a.mss_clamp, b.mss_clamp);
    EXPECT_EQ(a.reassembly.slots, b.reassembly.slots);
    EXPECT_EQ(a.reassembly.per_owner, b.reassembly.per_owner);
    EXPECT_EQ(a.reassembly.timeout, b.reassembly.timeout);
    EXPECT_EQ(a.icmp_errors_per_second, b.icmp_errors_per_second);
    EXPECT_EQ(a.new_bindings_per_second, b.new_bindings_per_second);
    EXPECT_EQ(a.seed, b.seed);
}

// Every engine option, with a value different from its default.
const std::vector<std::pair<std::string, std::string>> kEveryOption = {
    {"aftr-address", "2001:db8:ffff::1"},
    {"pool", "192.0.2.0/25"},
    {"pool", "203.0.113.8/29"},
    {"port-range", "2000-40000"},
    {"port-hold", "30"},
    {"quota-tcp", "100"},
    {"quota-udp", "200"},
    {"quota-icmp", "10"},
    {"udp-timeout", "600"},
    {"tcp-established-timeout", "8000"},
    {"tcp-transitory-timeout", "300"},
    {"icmp-timeout", "90"},
    {"filtering", "address-dependent"},
    {"max-bindings", "5000"},
    {"max-subscribers", "700"},
    {"b4-prefix", "2001:db8:100::/40"},
    {"b4-prefix", "2001:db8:200::/40"},
    {"subscriber-prefix-length", "64"},
    {"inner-prefix", "100.64.0.0/10"},
    {"tunnel-mtu", "1400"},
    {"uplink-mtu", "1480"},
    {"mss-clamp", "1360"},
    {"reassembly-slots", "32"},
    {"reassembly-per-owner", "4"},
    {"reassembly-timeout", "5"},
    {"icmp-errors-per-second", "50"},
    {"new-bindings-per-second", "20"},
    {"seed", "0x1234abcd"},
};

TEST(Options, EveryOptionAsAFlag) {
    std::vector<std::string> args;
    for (const auto& [name, value] : kEveryOption) args.insert(args.end(), {"--" + name, value});
    auto c = parse(args);
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->aftr_address, *parse_ipv6("2001:db8:ffff::1"));
    ASSERT_EQ(c->pools.size(), 2u);
    EXPECT_EQ(c->pools[0], *parse_ipv4_prefix("192.0.2.0/25"));
    EXPECT_EQ(c->pools[1], *parse_ipv4_prefix("203.0.113.8/29"));
    EXPECT_EQ(c->port_min, 2000);
    EXPECT_EQ(c->port_max, 40000);
    EXPECT_EQ(c->port_hold_seconds, 30u);
    EXPECT_EQ(c->quota.tcp, 100u);
    EXPECT_EQ(c->quota.udp, 200u);
    EXPECT_EQ(c->quota.icmp, 10u);
    EXPECT_EQ(c->timeouts.udp, 600u);
    EXPECT_EQ(c->timeouts.tcp_established, 8000u);
    EXPECT_EQ(c->timeouts.tcp_transitory, 300u);
    EXPECT_EQ(c->timeouts.icmp, 90u);
    EXPECT_EQ(c->filtering, Filtering::address_dependent);
    EXPECT_EQ(c->max_bindings, 5000u);
    EXPECT_EQ(c->max_subscribers, 700u);
    ASSERT_EQ(c->b4_prefixes.size(), 2u);
    EXPECT_EQ(c->b4_prefixes[1], *parse_ipv6_prefix("2001:db8:200::/40"));
    EXPECT_EQ(c->subscriber_prefix_length, 64);
    ASSERT_EQ(c->extra_inner_prefixes.size(), 1u);
    EXPECT_EQ(c->extra_inner_prefixes[0], *parse_ipv4_prefix("100.64.0.0/10"));
    EXPECT_EQ(c->tunnel_mtu, 1400);
    EXPECT_EQ(c->uplink_mtu, 1480);
    EXPECT_EQ(c->mss_clamp, 1360);
    EXPECT_EQ(c->reassembly.slots, 32u);
    EXPECT_EQ(c->reassembly.per_owner, 4u);
    EXPECT_EQ(c->reassembly.timeout, 5u);
    EXPECT_EQ(c->icmp_errors_per_second, 50u);
    EXPECT_EQ(c->new_bindings_per_second, 20u);
    EXPECT_EQ(c->seed, 0x1234abcdu);
}

TEST(Options, ConfigFileGivesTheSameConfigAsFlags) {
    std::vector<std::string> args;
    std::string file = "# every engine option\n";
    for (const auto& [name, value] : kEveryOption) {
        args.insert(args.end(), {"--" + name, value});
        file += name + " = " + value + "\n";
    }
    const auto path = write_config(file);
    auto from_flags = parse(args);
    auto from_file = parse({"--config", path});
    ASSERT_TRUE(from_flags) << from_flags.error();
    ASSERT_TRUE(from_file) << from_file.error();
    expect_same(*from_flags, *from_file);
    EXPECT_EQ(from_file->filtering, Filtering::address_dependent);  // not just two sets of defaults
    std::filesystem::remove(path);
}

TEST(Options, CommandLineWinsOverTheFile) {
    const auto path = write_config(
        "aftr-address = 2001:db8::1\npool = 192.0.2.0/24\npool = 198.51.100.0/24\nudp-timeout = 600\n"
        "quota-udp = 50\n");
    auto c = parse({"--config", path, "--udp-timeout", "900", "--pool", "203.0.113.0/24"});
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->timeouts.udp, 900u);
    EXPECT_EQ(c->quota.udp, 50u);  // only in the file
    ASSERT_EQ(c->pools.size(), 1u);
    EXPECT_EQ(c->pools[0], *parse_ipv4_prefix("203.0.113.0/24"));
    std::filesystem::remove(path);
}

TEST(Options, AbsentOptionsKeepTheEngineDefaults) {
    auto c = parse(kMinimal);
    ASSERT_TRUE(c) << c.error();
    EngineConfig expected;
    expected.aftr_address = *parse_ipv6("2001:db8::1");
    expected.pools = {*parse_ipv4_prefix("192.0.2.0/24")};
    expect_same(*c, expected);
}

TEST(Options, SeedTakesDecimalAndHex) {
    auto c = parse(minimal_and({"--seed", "18446744073709551615"}));
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->seed, 18446744073709551615u);
    c = parse(minimal_and({"--seed", "0XFF"}));
    ASSERT_TRUE(c) << c.error();
    EXPECT_EQ(c->seed, 255u);
}

TEST(Options, LogLevel) {
    for (const char* name : {"trace", "debug", "info", "warn", "error", "critical", "off"})
        EXPECT_TRUE(parse(minimal_and({"--log-level", name}))) << name;
    EXPECT_EQ(error_of(minimal_and({"--log-level", "loud"})).rfind("log-level: 'loud' is not", 0), 0u);
}

struct BadValue {
    std::vector<std::string> args;
    std::string expected;  // the whole error line, or its start when it ends in "..."

    friend void PrintTo(const BadValue& bad, std::ostream* out) {
        for (const auto& a : bad.args) *out << a << ' ';
        *out << "-> " << bad.expected;
    }
};

// "port-range: ..." as the 7th case names it port_range_7.
std::string case_name(const testing::TestParamInfo<BadValue>& info) {
    std::string name = info.param.expected.substr(0, info.param.expected.find_first_of(": "));
    for (auto& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name + "_" + std::to_string(info.index);
}

class BadValues : public testing::TestWithParam<BadValue> {};

TEST_P(BadValues, GiveOneLineNamingTheOption) {
    const auto& bad = GetParam();
    const std::string line = error_of(bad.args);
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    if (bad.expected.ends_with("...")) {
        const std::string start = bad.expected.substr(0, bad.expected.size() - 3);
        EXPECT_EQ(line.substr(0, start.size()), start) << line;
    } else {
        EXPECT_EQ(line, bad.expected);
    }
}

INSTANTIATE_TEST_SUITE_P(
    Options, BadValues,
    testing::Values(
        BadValue{minimal_and({"--pool", "300.1.1.1/24"}), "pool: '300.1.1.1/24' is not an IPv4 prefix"},
        BadValue{minimal_and({"--pool", "192.0.2.1/24"}), "pool: '192.0.2.1/24' has bits set past its prefix length"},
        BadValue{minimal_and({"--pool", "192.0.2.0/33"}), "pool: '192.0.2.0/33' is not an IPv4 prefix"},
        BadValue{{"--aftr-address", "2001:db8::1"}, "pool: ..."},
        BadValue{{"--pool", "192.0.2.0/24"}, "aftr-address: ..."},
        BadValue{{"--aftr-address", "2001:db8::zz", "--pool", "192.0.2.0/24"},
                 "aftr-address: '2001:db8::zz' is not an IPv6 address"},
        BadValue{{"--aftr-address", "192.0.2.1", "--pool", "192.0.2.0/24"},
                 "aftr-address: '192.0.2.1' is not an IPv6 address"},
        BadValue{minimal_and({"--port-range", "2000-1000"}),
                 "port-range: '2000-1000' is reversed: MIN must not exceed MAX"},
        BadValue{minimal_and({"--port-range", "0-1000"}), "port-range: '0-1000': ports are 1 to 65535"},
        BadValue{minimal_and({"--port-range", "1024-65536"}), "port-range: '1024-65536': ports are 1 to 65535"},
        BadValue{minimal_and({"--port-range", "1024"}), "port-range: '1024' is not MIN-MAX, e.g. 1024-65535"},
        BadValue{minimal_and({"--port-range", "a-b"}), "port-range: ..."},
        BadValue{minimal_and({"--filtering", "full-cone"}),
                 "filtering: 'full-cone' is not endpoint-independent or address-dependent"},
        BadValue{minimal_and({"--udp-timeout", "60"}), "udp-timeout: ..."},
        BadValue{minimal_and({"--udp-timeout", "-5"}), "udp-timeout: '-5' is not a whole number"},
        BadValue{minimal_and({"--udp-timeout", "300s"}), "udp-timeout: '300s' is not a whole number"},
        BadValue{minimal_and({"--udp-timeout", ""}), "udp-timeout: '' is not a whole number"},
        BadValue{minimal_and({"--tcp-established-timeout", "100"}), "tcp-established-timeout: ..."},
        BadValue{minimal_and({"--tcp-transitory-timeout", "100"}), "tcp-transitory-timeout: ..."},
        BadValue{minimal_and({"--icmp-timeout", "10"}), "icmp-timeout: ..."},
        BadValue{minimal_and({"--quota-tcp", "4294967296"}), "quota-tcp: '4294967296' is more than 4294967295"},
        BadValue{minimal_and({"--quota-udp", "0"}), "quota..."},
        BadValue{minimal_and({"--port-hold", "99999"}), "port-hold: ..."},
        BadValue{minimal_and({"--max-bindings", "0"}), "max-bindings: ..."},
        BadValue{minimal_and({"--max-subscribers", "x"}), "max-subscribers: 'x' is not a whole number"},
        BadValue{minimal_and({"--tunnel-mtu", "1000"}), "tunnel-mtu: must be 1280 to 9000..."},
        BadValue{minimal_and({"--uplink-mtu", "70000"}), "uplink-mtu: ..."},
        BadValue{minimal_and({"--mss-clamp", "100"}), "mss-clamp: must be 0 (off) or 536 to 8960"},
        BadValue{minimal_and({"--reassembly-slots", "0"}), "reassembly-slots: must be 1 to 4096"},
        BadValue{minimal_and({"--b4-prefix", "2001:db8::1/32"}),
                 "b4-prefix: '2001:db8::1/32' has bits set past its prefix length"},
        BadValue{minimal_and({"--b4-prefix", "192.0.2.0/24"}), "b4-prefix: '192.0.2.0/24' is not an IPv6 prefix"},
        BadValue{minimal_and({"--subscriber-prefix-length", "129"}), "subscriber-prefix-length: ..."},
        BadValue{minimal_and({"--subscriber-prefix-length", "300"}),
                 "subscriber-prefix-length: '300' is more than 255"},
        BadValue{minimal_and({"--inner-prefix", "10.0.0.0/x"}), "inner-prefix: '10.0.0.0/x' is not an IPv4 prefix"},
        BadValue{minimal_and({"--seed", "0xg"}), "seed: '0xg' is not a 64-bit number (decimal or 0x hex)"},
        BadValue{minimal_and({"--seed", "18446744073709551616"}), "seed: ..."},
        BadValue{minimal_and({"--frobnicate", "1"}), "frobnicate: unknown option"},
        BadValue{minimal_and({"--udp", "300"}), "udp: unknown option"},  // no guessing from prefixes
        BadValue{minimal_and({"--udp-timeout"}), "udp-timeout: needs a value"},
        BadValue{minimal_and({"--udp-timeout", "300", "--udp-timeout", "400"}), "udp-timeout: given more than once"},
        BadValue{minimal_and({"stray"}), "unexpected argument 'stray' (options start with --)"},
        BadValue{minimal_and({"--config", "/nonexistent/dslite.conf"}),
                 "config: cannot read '/nonexistent/dslite.conf'"}),
    case_name);

TEST(Options, BadConfigFileLinesNameTheOption) {
    auto path = write_config("aftr-address = 2001:db8::1\npool = 192.0.2.0/24\nbogus = 1\n");
    EXPECT_EQ(error_of({"--config", path}), "bogus: unknown option");
    path = write_config("aftr-address = 2001:db8::1\npool = 192.0.2.0/24\nport-range = 9-8\n");
    EXPECT_EQ(error_of({"--config", path}), "port-range: '9-8' is reversed: MIN must not exceed MAX");
    path = write_config("aftr-address = 2001:db8::1\npool = 192.0.2.0/24\nudp-timeout = 300\nudp-timeout = 400\n");
    EXPECT_EQ(error_of({"--config", path}), "udp-timeout: given more than once");
    path = write_config("aftr-address = 2001:db8::1\nthis line has no equals sign\n");
    const auto line = error_of({"--config", path});
    EXPECT_EQ(line.rfind("config: " + path + ": ", 0), 0u) << line;
    EXPECT_NE(line.find("this line has no equals sign"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    std::filesystem::remove(path);
}

// Text that holds Boost's own message placeholders used to make Boost's
// what() loop for ever (found by dslite-fuzz-options); now it is quoted back.
TEST(Options, PlaceholdersInTheUsersTextAreJustText) {
    const auto path = write_config("aftr-address = 2001:db8::1\nmy %invalid_line% here\n");
    EXPECT_EQ(error_of({"--config", path}),
              "config: " + path + ": not a `name = value` line: 'my %invalid_line% here'");
    std::filesystem::remove(path);
    EXPECT_EQ(error_of({"--help=%canonical_option%"}), "help: takes no value");
    EXPECT_EQ(error_of(minimal_and({"--pool=%value%%option%"})), "pool: '%value%%option%' is not an IPv4 prefix");
}

}  // namespace
}  // namespace dslite::app
