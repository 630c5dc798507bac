// SPDX-License-Identifier: BSD-2-Clause
// The control socket: a UNIX stream socket, mode 0600, serving one request
// line at a time per connection through a handler (control_protocol.hpp),
// whose answer comes in pieces: each is written before the next is asked
// for, so the loop runs its other work (forwarding) between them.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "control_protocol.hpp"

namespace dslite::daemon {

namespace asio = boost::asio;

class ControlServer {
public:
    using Handler = std::function<Pieces(std::string_view line)>;
    using Socket = asio::local::stream_protocol::socket;
    // Asked first about each request line: true when it took the connection
    // over (moved the socket out) for an answer that streams (capture).
    using Takeover = std::function<bool(std::string_view line, Socket& socket)>;
    // Longer request lines are answered with an error and the connection closed.
    static constexpr std::size_t kMaxRequest = 4096;

    // Listens at `path`, replacing a stale socket file (one nobody answers
    // on) but never a live one or anything that is not a socket.
    // Returns the server or "control: what failed".
    static std::variant<std::unique_ptr<ControlServer>, std::string> open(asio::io_context& io, const std::string& path,
                                                                          Handler handler, Takeover takeover = {});
    // Stops listening and removes the socket file.
    ~ControlServer();
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    const std::string& path() const { return path_; }

    struct Opened {
        explicit Opened() = default;
    };
    ControlServer(Opened, asio::local::stream_protocol::acceptor acceptor, std::string path, Handler handler,
                  Takeover takeover);

private:
    void accept();

    asio::local::stream_protocol::acceptor acceptor_;
    std::string path_;
    std::shared_ptr<Handler> handler_;  // shared with connections that outlive a stop
    std::shared_ptr<Takeover> takeover_;
};

}  // namespace dslite::daemon
