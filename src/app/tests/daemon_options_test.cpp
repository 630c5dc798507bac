// SPDX-License-Identifier: BSD-2-Clause
#include "daemon_options.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <vector>

#include "support/temp_dir.hpp"

namespace dslite::app {
namespace {

// Parses like dslite-aftr does; returns the settings or the error line.
std::variant<DaemonSettings, std::string> settings(std::vector<const char*> args) {
    args.insert(args.begin(), "dslite-aftr");
    po::options_description options;
    options.add(common_options()).add(engine_options()).add(daemon_options());
    po::variables_map values;
    if (auto e = parse_options(static_cast<int>(args.size()), args.data(), options, values)) return e->line;
    auto s = daemon_settings(values);
    if (!s) return s.error();
    return *s;
}

std::string refusal(std::vector<const char*> args) {
    auto r = settings(std::move(args));
    if (auto* e = std::get_if<std::string>(&r)) return *e;
    return "(accepted)";
}

TEST(DaemonOptions, MinimalStartUsesDefaults) {
    auto r = settings({"--b4-device", "tun:aftr6", "--uplink-device", "tun:aftr4"});
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r)) << std::get<std::string>(r);
    const auto& s = std::get<DaemonSettings>(r);
    EXPECT_EQ(std::get<platform::TunSpec>(s.b4_device).interface, "aftr6");
    EXPECT_EQ(std::get<platform::TunSpec>(s.uplink_device).interface, "aftr4");
    EXPECT_EQ(s.control, "/run/dslite-aftr.sock");
    EXPECT_TRUE(s.configure);
    EXPECT_FALSE(s.mtu);  // the engine's tunnel and uplink MTUs then apply
    EXPECT_TRUE(s.random_seed);
    EXPECT_FALSE(s.shared_device());
}

TEST(DaemonOptions, ReadsEveryOption) {
    auto r = settings({"--b4-device", "tun:aftr", "--uplink-device", "tun:aftr", "--control", "/tmp/x.sock", "--mtu",
                       "9000", "--seed", "7"});
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r)) << std::get<std::string>(r);
    const auto& s = std::get<DaemonSettings>(r);
    EXPECT_TRUE(s.shared_device());
    EXPECT_EQ(s.control, "/tmp/x.sock");
    EXPECT_EQ(s.mtu, 9000u);
    EXPECT_FALSE(s.random_seed);

    auto raw = settings({"--b4-device", "raw", "--uplink-device", "tun:up", "--no-configure"});
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(raw)) << std::get<std::string>(raw);
    EXPECT_FALSE(std::get<DaemonSettings>(raw).configure);
    EXPECT_TRUE(std::holds_alternative<platform::RawSpec>(std::get<DaemonSettings>(raw).b4_device));
}

TEST(DaemonOptions, RefusesWithOneLineNamingTheOption) {
    EXPECT_EQ(refusal({"--uplink-device", "tun:a"}),
              "b4-device: required (tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT])");
    EXPECT_EQ(refusal({"--b4-device", "tun:a"}),
              "uplink-device: required (tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT])");
    EXPECT_EQ(refusal({"--b4-device", "eth0", "--uplink-device", "tun:a"}).rfind("b4-device: unknown device 'eth0'", 0),
              0u);
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "raw"}),
              "uplink-device: 'raw' carries softwires only; the uplink is tun:NAME or pcap:IN[,OUT]");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--mtu", "1000"}),
              "mtu: '1000' is below 1280, the IPv6 minimum");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--mtu", "big"}),
              "mtu: 'big' is not a whole number");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--mtu", "1400", "--no-configure"}),
              "mtu: has no effect with --no-configure");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--control", ""}), "control: needs a path");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--metrics", "localhost:9100"}),
              "metrics: \"localhost\" is not an IPv4 or [IPv6] address");
}

// --user: the account is looked up at start, and it must be able to remove
// the control socket at exit (the directory, and search above it).
TEST(DaemonOptions, UserIsAnAccountThatCanRemoveTheSocket) {
    const std::vector<const char*> devices = {"--b4-device", "tun:a", "--uplink-device", "tun:b"};
    const auto with = [&](std::vector<const char*> more) {
        more.insert(more.begin(), devices.begin(), devices.end());
        return more;
    };
    EXPECT_EQ(refusal(with({"--user", "dslite-no-such-user"})), "user: no user 'dslite-no-such-user'");
    EXPECT_EQ(refusal(with({"--user", "root"})), "user: 'root' is root: name the user to run as instead");
    test::TempDir dir;  // mode 0700, this test's
    const std::string socket = dir.path() + "/aftr.sock";
    // (Run as nobody itself, the directory would be its own.)
    if (::getuid() != std::get<platform::Account>(platform::find_account("nobody")).uid) {
        EXPECT_EQ(refusal(with({"--control", socket.c_str(), "--user", "nobody"})),
                  "user: could not remove the control socket " + socket + " at exit: " + dir.path() + " (uid " +
                      std::to_string(::getuid()) + ", mode 0700) is not writable by nobody");
    }
    test::TempDir state_dir;  // 0700 as well: nobody could not write the state file there at SIGTERM
    const std::string state = state_dir.path() + "/state";
    ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
    if (::getuid() != std::get<platform::Account>(platform::find_account("nobody")).uid) {
        EXPECT_EQ(refusal(with({"--control", socket.c_str(), "--state-file", state.c_str(), "--user", "nobody"})),
                  "user: could not write the state file " + state + " at exit: " + state_dir.path() + " (uid " +
                      std::to_string(::getuid()) + ", mode 0700) is not writable by nobody");
    }
    ASSERT_EQ(::chmod(state_dir.path().c_str(), 0777), 0);
    EXPECT_TRUE(std::holds_alternative<DaemonSettings>(
        settings(with({"--control", socket.c_str(), "--state-file", state.c_str(), "--user", "nobody"}))));
    auto r = settings(with({"--control", socket.c_str(), "--user", "nobody"}));
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(r)) << std::get<std::string>(r);
    const auto& user = std::get<DaemonSettings>(r).user;
    ASSERT_TRUE(user);
    EXPECT_EQ(user->name, "nobody");
    EXPECT_NE(user->uid, 0u);
    EXPECT_FALSE(std::get<DaemonSettings>(settings(devices)).user) << "no --user: it stays as started";
}

}  // namespace
}  // namespace dslite::app

namespace dslite::app {
namespace {

TEST(DaemonOptions, OneInterfaceSpecTwiceIsOneDevice) {
    DaemonSettings s;
    s.b4_device = platform::UtunSpec{3};
    s.uplink_device = platform::UtunSpec{3};
    EXPECT_TRUE(s.shared_device());
    s.b4_device = s.uplink_device = platform::UtunSpec{};  // "utun" twice: the next free one, once
    EXPECT_TRUE(s.shared_device());
    s.uplink_device = platform::UtunSpec{4};
    EXPECT_FALSE(s.shared_device());
    s.b4_device = s.uplink_device = platform::TunSpec{};
    EXPECT_TRUE(s.shared_device());
    s.b4_device = s.uplink_device = platform::PcapSpec{"in.pcap", ""};  // files are not interfaces
    EXPECT_FALSE(s.shared_device());
}

TEST(DaemonOptions, ThreadsAreANumberOrAutoAndNeedQueues) {
    auto one = settings({"--b4-device", "raw", "--uplink-device", "tun:up"});
    EXPECT_EQ(std::get<DaemonSettings>(one).threads, 1u);
    auto two = settings({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--threads", "2"});
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(two)) << std::get<std::string>(two);
    EXPECT_EQ(std::get<DaemonSettings>(two).threads, 2u);
    auto any = settings({"--b4-device", "tun:a", "--uplink-device", "tun:a", "--threads", "auto"});
    ASSERT_TRUE(std::holds_alternative<DaemonSettings>(any)) << std::get<std::string>(any);
    EXPECT_GE(std::get<DaemonSettings>(any).threads, 1u);
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--threads", "0"}),
              "threads: must be 1 to 64 or auto");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "tun:b", "--threads", "65"}),
              "threads: '65' is more than 64");
    EXPECT_EQ(refusal({"--b4-device", "raw", "--uplink-device", "tun:b", "--threads", "2"}),
              "threads: 2 threads need a queue each, but --b4-device 'raw' has one queue; more threads than one "
              "need tun:NAME devices (a TUN with a queue per thread)");
    EXPECT_EQ(refusal({"--b4-device", "tun:a", "--uplink-device", "pcap:in.pcap", "--threads", "3"})
                  .rfind("threads: 3 threads need a queue each, but --uplink-device 'pcap:in.pcap' has one queue", 0),
              0u);
}

}  // namespace
}  // namespace dslite::app
