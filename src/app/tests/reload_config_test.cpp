// SPDX-License-Identifier: BSD-2-Clause
// SIGHUP (issue 12): the config file read again, checked as at start and
// merged with the running configuration, or refused with one line.
#include "reload_config.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.hpp"

namespace dslite::app {
namespace {

constexpr const char* kStart =
    "aftr-address = 2001:db8:ff::1\n"
    "pool = 198.51.100.0/28\n"
    "b4-device = tun:aftr6\n"
    "uplink-device = tun:aftr4\n";

class ReloadConfig : public ::testing::Test {
protected:
    void write(const std::string& text) { std::ofstream(file) << text; }
    std::vector<std::string> args() const { return {"dslite-aftr", "--config", file, "--log-level", "warn"}; }
    // What the daemon started with, from kStart plus `extra`.
    Running start(const std::string& extra = "") {
        write(kStart + extra);
        po::variables_map values;
        std::vector<const char*> argv;
        const auto a = args();
        for (const auto& s : a) argv.push_back(s.c_str());
        EXPECT_FALSE(parse_options(static_cast<int>(argv.size()), argv.data(), aftr_option_set(), values));
        Running r{*engine_config(values), *daemon_settings(values), spdlog::level::warn};
        r.config.seed = 42;       // run_daemon drew it
        r.config.event_ring = 0;  // no --log-bindings
        return r;
    }
    std::string refusal(const Running& running) {
        auto got = reload_config(args(), running);
        return got ? "(accepted)" : got.error();
    }

    test::TempDir dir;
    std::string file = dir.path() + "/aftr.conf";
};

TEST_F(ReloadConfig, AStaticMappingAddedIsTakenAndNothingElseDiffers) {
    const Running running = start();
    write(std::string(kStart) + "static-mapping = tcp 2001:db8:a::2 192.168.1.20:80 198.51.100.1:8080\n");
    auto got = reload_config(args(), running);
    ASSERT_TRUE(got) << got.error();
    ASSERT_EQ(got->config.static_mappings.size(), 1u);
    EXPECT_EQ(got->config.static_mappings[0].public_port, 8080);
    EXPECT_TRUE(got->kept.empty());
    EXPECT_EQ(got->changed, (std::vector<std::string>{"--static-mapping"}));
    EXPECT_EQ(got->config.seed, 42u) << "the seed drawn at start stays";
    EXPECT_EQ(got->config.event_ring, 0u);
}

TEST_F(ReloadConfig, OptionsThatCannotChangeAreNamedAndKeepTheirValues) {
    const Running running = start();
    write(
        "aftr-address = 2001:db8:ff::1\n"
        "pool = 198.51.100.16/28\n"
        "port-range = 2000-3000\n"
        "b4-device = tun:other\n"
        "uplink-device = tun:aftr4\n"
        "threads = 2\n"
        "quota-udp = 10\n");
    auto got = reload_config(args(), running);
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->kept, (std::vector<std::string>{"--pool", "--port-range", "--b4-device", "--threads"}));
    EXPECT_EQ(got->config.pools, running.config.pools);
    EXPECT_EQ(got->config.port_min, running.config.port_min);
    EXPECT_EQ(got->config.quota.udp, 10u);
    EXPECT_EQ(got->changed, (std::vector<std::string>{"--quota-udp"}));
}

TEST_F(ReloadConfig, ANewUserIsKept) {
    const Running running = start();
    // The daemon is that user by now, and cannot become another.
    write(std::string(kStart) + "user = nobody\ncontrol = /tmp/dslite-reload-test.sock\n");
    auto got = reload_config(args(), running);
    ASSERT_TRUE(got) << got.error();
    EXPECT_EQ(got->kept, (std::vector<std::string>{"--control", "--user"}));
}

TEST_F(ReloadConfig, ABadFileIsRefusedWithTheLineStartUpWouldPrint) {
    const Running running = start();
    write(std::string(kStart) + "udp-timeout = 30\n");
    EXPECT_EQ(refusal(running), "udp-timeout: RFC 4787 REQ-5 needs at least 120 s");
    write(std::string(kStart) + "quota-udp = many\n");
    EXPECT_EQ(refusal(running), "quota-udp: 'many' is not a whole number");
    write(std::string(kStart) + "this is not an option line\n");
    EXPECT_EQ(refusal(running).rfind("config: " + file + ": not a `name = value` line", 0), 0u) << refusal(running);
    write(std::string(kStart) + "frobnicate = 1\n");
    EXPECT_EQ(refusal(running), "frobnicate: unknown option");
    write(std::string(kStart) + "static-mapping = tcp 2001:db8:a::2 192.168.1.20:80 203.0.113.1:8080\n");
    EXPECT_EQ(refusal(running), "static-mapping: tcp 203.0.113.1:8080: 203.0.113.1 is not in --pool");
    std::remove(file.c_str());
    EXPECT_EQ(refusal(running), "config: cannot read '" + file + "'");
}

TEST_F(ReloadConfig, ANewMappingMustFitThePoolThatStays) {
    const Running running = start();
    // Valid on its own, but the pool does not reload: refused, not half taken.
    write(
        "aftr-address = 2001:db8:ff::1\n"
        "pool = 198.51.100.16/28\n"
        "b4-device = tun:aftr6\n"
        "uplink-device = tun:aftr4\n"
        "static-mapping = udp 2001:db8:a::2 192.168.1.20:53 198.51.100.17:5353\n");
    EXPECT_EQ(refusal(running), "static-mapping: udp 198.51.100.17:5353: 198.51.100.17 is not in --pool");
}

TEST_F(ReloadConfig, StaticMappingsInTwoThreadsSharesAreRefused) {
    Running running = start("threads = 2\n");
    ASSERT_EQ(running.settings.threads, 2u);
    write(std::string(kStart) + "threads = 2\n" +
          "static-mapping = tcp 2001:db8:a::2 192.168.1.20:80 198.51.100.1:1100\n"
          "static-mapping = tcp 2001:db8:a::2 192.168.1.20:81 198.51.100.1:65000\n");
    EXPECT_EQ(refusal(running).rfind("static-mapping: the static mappings of 2001:db8:a::/56 have ports in two", 0), 0u)
        << refusal(running);
}

}  // namespace
}  // namespace dslite::app
