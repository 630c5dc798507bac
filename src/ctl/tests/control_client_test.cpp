// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl's client against the daemon's real control server.
#include "control_client.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>

#include "control_server.hpp"

namespace dslite::ctl {
namespace {

namespace fs = std::filesystem;

class ControlClientTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("dslite-ctl-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "aftr.sock").string();
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Runs the server's loop here while the client asks from another thread.
    Reply ask_served(const std::string& request, daemon::ControlServer::Handler handler) {
        auto opened = daemon::ControlServer::open(io_, path_, std::move(handler));
        EXPECT_TRUE(std::holds_alternative<std::unique_ptr<daemon::ControlServer>>(opened));
        auto reply = std::async(std::launch::async, [&] { return ask(path_, request, std::chrono::seconds(2)); });
        while (reply.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
            io_.run_for(std::chrono::milliseconds(5));
            if (io_.stopped()) io_.restart();
        }
        return reply.get();
    }

    boost::asio::io_context io_;
    fs::path dir_;
    std::string path_;
};

TEST_F(ControlClientTest, SendsOneLineAndReadsOneLine) {
    const Reply r = ask_served("bindings --protocol udp", [](std::string_view line) {
        return daemon::whole("{\"echo\":\"" + std::string(line) + "\"}");
    });
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.line, R"({"echo":"bindings --protocol udp"})");
}

TEST_F(ControlClientTest, ReadsLongAnswersWhole) {
    const std::string big(300'000, 'x');
    const Reply r = ask_served("bindings", [&](std::string_view) { return daemon::whole(big); });
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(r.line.size(), big.size());
}

TEST_F(ControlClientTest, SaysWhereItFailedAndWhatToCheck) {
    const Reply r = ask(path_, "stats");
    EXPECT_EQ(r.line, "");
    EXPECT_EQ(r.error, path_ + ": No such file or directory (is dslite-aftr running? see --control)");
}

}  // namespace
}  // namespace dslite::ctl
