// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl capture against the daemon's real control server and capture
// service (a worker stood in for by the test): the file it writes reads in
// tshark, it stops at --count and on SIGINT with the daemon's statistics,
// and it refuses bad options before it connects.
#include "capture.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <future>

#include "capture_session.hpp"
#include "capture_tap.hpp"
#include "control_server.hpp"
#include "support/packet_builder.hpp"
#include "support/topology.hpp"

namespace dslite::ctl {
namespace {

namespace fs = std::filesystem;
using namespace dslite::test;

std::string run(const std::string& command) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return "popen failed";
    std::string said;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) said += buffer;
    ::pclose(pipe);
    return said;
}

class CaptureCommand : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("dslite-ctl-capture-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "aftr.sock").string();
        file_ = (dir_ / "out.pcapng").string();
        // The one worker is this io_context's thread: its tap gets `packets` datagrams at once.
        service_ = std::make_unique<daemon::CaptureService>(
            io_, std::vector<daemon::CaptureService::Attach>{[this](daemon::CaptureTap* tap) {
                if (!tap) return;
                boost::asio::post(io_, [this, tap] {
                    for (int i = 0; i < packets_; ++i)
                        tap->take_emitted(Side::uplink, ipv4_udp(Ipv4Header{net::server1, net::pool},
                                                                 UdpDatagram{7, 4000, text_bytes("answer")}));
                });
            }},
            "tun-b4", "tun-up");
        auto opened = daemon::ControlServer::open(
            io_, path_, [](std::string_view) { return daemon::whole("{}"); },
            [this](std::string_view line, daemon::ControlServer::Socket& socket) {
                return service_->take(line, socket);
            });
        server_ = std::move(std::get<std::unique_ptr<daemon::ControlServer>>(opened));
    }
    void TearDown() override {
        server_.reset();
        service_.reset();
        fs::remove_all(dir_);
    }

    // Runs the daemon's loop here while dslite-ctl capture runs on another
    // thread; `meanwhile` once the file has its header.
    int capture(std::vector<std::string_view> args, const std::function<void()>& meanwhile = {}) {
        auto status = std::async(std::launch::async, [&] { return run_capture(path_, args); });
        bool done_meanwhile = !meanwhile;
        while (status.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
            io_.run_for(std::chrono::milliseconds(5));
            if (io_.stopped()) io_.restart();
            if (!done_meanwhile && fs::exists(file_) && fs::file_size(file_) > 0) {
                done_meanwhile = true;
                meanwhile();
            }
        }
        return status.get();
    }

    boost::asio::io_context io_;
    fs::path dir_;
    std::string path_, file_;
    int packets_ = 5;
    std::unique_ptr<daemon::CaptureService> service_;
    std::unique_ptr<daemon::ControlServer> server_;
};

TEST_F(CaptureCommand, StopsAtCountWithAFileTsharkReads) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(capture({"--count", "3", "-w", file_}), 0);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "dslite-ctl: 3 packets captured, 0 dropped by the capture ring\n");
    EXPECT_EQ(run("tshark -r '" + file_ + "' -T fields -e frame.interface_name -e udp.dstport 2>/dev/null"),
              "uplink\t4000\nuplink\t4000\nuplink\t4000\n");
    EXPECT_FALSE(service_->running());
}

TEST_F(CaptureCommand, SigintEndsItWithTheStatistics) {
    packets_ = 2;
    testing::internal::CaptureStderr();
    EXPECT_EQ(capture({"-w", file_}, [] { std::raise(SIGINT); }), 0);
    EXPECT_EQ(testing::internal::GetCapturedStderr(),
              "dslite-ctl: 2 packets captured, 0 dropped by the capture ring\n");
    EXPECT_EQ(run("capinfos -c -M '" + file_ + "' 2>&1 | grep 'Number of packets'"), "Number of packets:   2\n");
    std::signal(SIGINT, SIG_DFL);
}

TEST_F(CaptureCommand, RefusesBadOptionsNamingThemBeforeAsking) {
    testing::internal::CaptureStderr();
    EXPECT_EQ(run_capture(path_, std::vector<std::string_view>{"--snaplen", "0", "-w", "x"}), 2);
    EXPECT_EQ(run_capture(path_, std::vector<std::string_view>{"--count", "5"}), 2);
    EXPECT_EQ(run_capture(path_, std::vector<std::string_view>{"--json", "-w", "x"}), 2);
    const std::string said = testing::internal::GetCapturedStderr();
    EXPECT_NE(said.find("capture: --snaplen: '0' is not a length of 1-65535 bytes"), std::string::npos) << said;
    EXPECT_NE(said.find("capture: -w FILE (or -w - for stdout) is needed"), std::string::npos) << said;
    EXPECT_NE(said.find("capture: '--json' is not a capture option"), std::string::npos) << said;
    EXPECT_FALSE(fs::exists("x"));
}

}  // namespace
}  // namespace dslite::ctl
