// SPDX-License-Identifier: BSD-2-Clause
#include "control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <istream>
#include <thread>

namespace dslite::daemon {
namespace {

namespace fs = std::filesystem;
using Socket = asio::local::stream_protocol::socket;

class ControlServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("dslite-control-" + std::to_string(::getpid()));
        fs::create_directories(dir_);
        path_ = (dir_ / "aftr.sock").string();
    }
    void TearDown() override {
        server_.reset();
        fs::remove_all(dir_);
    }

    std::unique_ptr<ControlServer> open(ControlServer::Handler handler = echo()) {
        auto r = ControlServer::open(io_, path_, std::move(handler));
        if (auto* e = std::get_if<std::string>(&r)) {
            ADD_FAILURE() << *e;
            return nullptr;
        }
        return std::move(std::get<std::unique_ptr<ControlServer>>(r));
    }
    std::string refusal() {
        auto r = ControlServer::open(io_, path_, echo());
        if (auto* e = std::get_if<std::string>(&r)) return *e;
        return "(opened)";
    }
    static ControlServer::Handler echo() {
        return [](std::string_view line) { return whole("got[" + std::string(line) + "]"); };
    }

    // Sends `request` bytes and reads the answer lines, with the server's
    // loop running on this thread while a client thread talks.
    std::vector<std::string> exchange(const std::string& request, std::size_t answers) {
        auto client = std::async(std::launch::async, [&] {
            asio::io_context io;
            Socket socket(io);
            socket.connect(asio::local::stream_protocol::endpoint(path_));
            asio::write(socket, asio::buffer(request));
            std::vector<std::string> lines;
            asio::streambuf in;
            boost::system::error_code e;
            while (lines.size() < answers) {
                asio::read_until(socket, in, '\n', e);
                if (e) break;
                std::istream stream(&in);
                std::string line;
                std::getline(stream, line);
                lines.push_back(line);
            }
            return lines;
        });
        while (client.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
            io_.run_for(std::chrono::milliseconds(5));
            if (io_.stopped()) io_.restart();
        }
        return client.get();
    }

    asio::io_context io_;
    fs::path dir_;
    std::string path_;
    std::unique_ptr<ControlServer> server_;
};

TEST_F(ControlServerTest, AnswersEachLineOnOneConnection) {
    server_ = open();
    ASSERT_TRUE(server_);
    EXPECT_EQ(exchange("stats\nbindings --protocol udp\n", 2),
              (std::vector<std::string>{"got[stats]", "got[bindings --protocol udp]"}));
}

// An answer in pieces is one line to the client, and the loop runs its other
// work (forwarding, in the daemon) between two pieces.
TEST_F(ControlServerTest, WritesAnAnswerAPieceAtATimeWithTheLoopRunningBetween) {
    std::size_t ticks = 0;
    std::vector<std::size_t> ticks_at_piece;
    server_ = open([&](std::string_view) -> Pieces {
        return [&, n = 0]() mutable -> std::optional<std::string> {
            ticks_at_piece.push_back(ticks);
            const char* pieces[] = {"{\"rows\":[", "1,", "1,2]}"};
            if (n == 3) return std::nullopt;
            return std::string(pieces[n++]);
        };
    });
    ASSERT_TRUE(server_);
    std::function<void()> tick = [&] {
        ++ticks;
        asio::post(io_, tick);
    };
    asio::post(io_, tick);
    EXPECT_EQ(exchange("bindings\n", 1), std::vector<std::string>{"{\"rows\":[1,1,2]}"});
    ASSERT_EQ(ticks_at_piece.size(), 4u);
    for (std::size_t i = 1; i < ticks_at_piece.size(); ++i)
        EXPECT_GT(ticks_at_piece[i], ticks_at_piece[i - 1]) << "nothing else ran before piece " << i;
}

TEST_F(ControlServerTest, SocketIsForItsOwnerOnly) {
    server_ = open();
    ASSERT_TRUE(server_);
    struct stat info {};
    ASSERT_EQ(::stat(path_.c_str(), &info), 0);
    EXPECT_TRUE(S_ISSOCK(info.st_mode));
    EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST_F(ControlServerTest, RemovesItsSocketFileWhenDestroyed) {
    server_ = open();
    ASSERT_TRUE(fs::exists(path_));
    server_.reset();
    EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ControlServerTest, ReplacesAStaleSocketButNotALiveOne) {
    {
        // A socket file left by a daemon that died: nobody accepts on it.
        asio::io_context other;
        asio::local::stream_protocol::acceptor dead(other, asio::local::stream_protocol::endpoint(path_));
    }
    ASSERT_TRUE(fs::exists(path_));
    server_ = open();
    ASSERT_TRUE(server_);
    EXPECT_EQ(refusal(), "control: " + path_ + ": another daemon is listening there");
}

TEST_F(ControlServerTest, RefusesToReplaceAnythingButASocket) {
    std::ofstream(path_) << "precious";
    EXPECT_EQ(refusal(), "control: " + path_ + ": exists and is not a socket");
    std::ifstream in(path_);
    std::string content;
    in >> content;
    EXPECT_EQ(content, "precious");
}

TEST_F(ControlServerTest, RefusesAPathInAMissingDirectory) {
    path_ = (dir_ / "missing" / "aftr.sock").string();
    EXPECT_EQ(refusal(), "control: " + path_ + ": No such file or directory");
}

TEST_F(ControlServerTest, AnswersAnOverlongRequestWithAnErrorAndHangsUp) {
    server_ = open();
    ASSERT_TRUE(server_);
    const auto lines = exchange(std::string(ControlServer::kMaxRequest + 10, 'x'), 2);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0], R"({"error":"request longer than 4096 bytes"})");
}

}  // namespace
}  // namespace dslite::daemon
