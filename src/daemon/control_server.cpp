// SPDX-License-Identifier: BSD-2-Clause
#include "control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <istream>

#include "control_protocol.hpp"

namespace dslite::daemon {

namespace {

using Socket = asio::local::stream_protocol::socket;

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(Socket socket, std::shared_ptr<ControlServer::Handler> handler,
               std::shared_ptr<ControlServer::Takeover> takeover)
        : socket_(std::move(socket)),
          handler_(std::move(handler)),
          takeover_(std::move(takeover)),
          input_(ControlServer::kMaxRequest) {}

    void read() {
        asio::async_read_until(
            socket_, input_, '\n',
            [self = shared_from_this()](boost::system::error_code e, std::size_t) { self->on_line(e); });
    }

private:
    void on_line(boost::system::error_code e) {
        if (e == asio::error::not_found) {  // no newline within kMaxRequest
            output_ = error_json("request longer than " + std::to_string(ControlServer::kMaxRequest) + " bytes");
            output_ += '\n';
            asio::async_write(socket_, asio::buffer(output_), [self = shared_from_this()](auto, std::size_t) {});
            return;
        }
        if (e) return;  // peer gone
        std::string line;
        std::istream in(&input_);
        std::getline(in, line);
        if (*takeover_ && (*takeover_)(line, socket_)) return;
        pieces_ = (*handler_)(line);
        write_next();
    }

    // A completion handler runs from the loop, never from within the write,
    // so whatever else is ready runs between two pieces.
    void write_next() {
        auto piece = pieces_ ? pieces_() : std::nullopt;
        if (!piece) {
            if (!pieces_) return read();
            pieces_ = nullptr;
            piece = "\n";
        }
        output_ = std::move(*piece);
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this()](boost::system::error_code e, std::size_t) {
                              if (!e) self->write_next();
                          });
    }

    Socket socket_;
    std::shared_ptr<ControlServer::Handler> handler_;
    std::shared_ptr<ControlServer::Takeover> takeover_;
    asio::streambuf input_;
    Pieces pieces_;  // of the answer being written
    std::string output_;
};

// A socket file someone still accepts on belongs to a running daemon.
bool answers(const std::string& path) {
    asio::io_context io;
    Socket probe(io);
    boost::system::error_code e;
    probe.connect(asio::local::stream_protocol::endpoint(path), e);
    return !e;
}

}  // namespace

std::variant<std::unique_ptr<ControlServer>, std::string> ControlServer::open(asio::io_context& io,
                                                                              const std::string& path, Handler handler,
                                                                              Takeover takeover) {
    const std::string where = "control: " + path + ": ";
    if (path.empty()) return std::string("control: needs a path");
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) return where + "longer than a UNIX socket path may be";

    struct stat info {};
    if (::lstat(path.c_str(), &info) == 0) {
        if (!S_ISSOCK(info.st_mode)) return where + "exists and is not a socket";
        if (answers(path)) return where + "another daemon is listening there";
        ::unlink(path.c_str());
    }

    asio::local::stream_protocol::acceptor acceptor(io);
    boost::system::error_code e;
    acceptor.open(asio::local::stream_protocol(), e);
    // Created 0600 from the start: no window in which others may connect.
    const mode_t old_mask = ::umask(0177);
    if (!e) acceptor.bind(asio::local::stream_protocol::endpoint(path), e);
    ::umask(old_mask);
    if (!e) acceptor.listen(asio::socket_base::max_listen_connections, e);
    if (e) return where + e.message();
    if (::chmod(path.c_str(), 0600) != 0) return where + std::strerror(errno);

    auto server =
        std::make_unique<ControlServer>(Opened{}, std::move(acceptor), path, std::move(handler), std::move(takeover));
    server->accept();
    return server;
}

ControlServer::ControlServer(Opened, asio::local::stream_protocol::acceptor acceptor, std::string path, Handler handler,
                             Takeover takeover)
    : acceptor_(std::move(acceptor)),
      path_(std::move(path)),
      handler_(std::make_shared<Handler>(std::move(handler))),
      takeover_(std::make_shared<Takeover>(std::move(takeover))) {}

ControlServer::~ControlServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    ::unlink(path_.c_str());
}

void ControlServer::accept() {
    acceptor_.async_accept([this](boost::system::error_code e, Socket socket) {
        if (e == asio::error::operation_aborted) return;  // closed: `this` may be gone
        if (!e) std::make_shared<Connection>(std::move(socket), handler_, takeover_)->read();
        if (acceptor_.is_open()) accept();
    });
}

}  // namespace dslite::daemon
