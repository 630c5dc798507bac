// SPDX-License-Identifier: BSD-2-Clause
#include "metrics_server.hpp"

#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <charconv>

namespace dslite::daemon {

namespace {

using asio::ip::tcp;

std::string response(std::string_view status, std::string_view type, const std::string& body) {
    return "HTTP/1.0 " + std::string(status) + "\r\nContent-Type: " + std::string(type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, std::shared_ptr<MetricsServer::Body> body)
        : socket_(std::move(socket)), body_(std::move(body)), input_(MetricsServer::kMaxHead) {}

    void read() {
        asio::async_read_until(
            socket_, input_, "\r\n\r\n",
            [self = shared_from_this()](boost::system::error_code e, std::size_t n) { self->on_head(e, n); });
    }

private:
    void on_head(boost::system::error_code e, std::size_t n) {
        if (e && e != asio::error::not_found) return;  // peer gone
        const std::string_view head(static_cast<const char*>(input_.data().data()), e ? 0 : n);
        output_ = http_answer(head, *body_);
        asio::async_write(socket_, asio::buffer(output_),
                          [self = shared_from_this()](boost::system::error_code, std::size_t) {
                              boost::system::error_code ignored;
                              self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
                          });
    }

    tcp::socket socket_;
    std::shared_ptr<MetricsServer::Body> body_;
    asio::streambuf input_;
    std::string output_;
};

}  // namespace

std::variant<tcp::endpoint, std::string> parse_metrics_endpoint(std::string_view text) {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::string("\"") + std::string(text) + "\" is not [ADDR]:PORT";
    std::string_view host = text.substr(0, colon);
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
        return "port \"" + std::string(port_text) + "\" is not 1 to 65535";
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) return tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(port));
    boost::system::error_code e;
    const auto address = asio::ip::make_address(std::string(host), e);
    if (e) return "\"" + std::string(host) + "\" is not an IPv4 or [IPv6] address";
    return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

std::string http_answer(std::string_view head, const std::function<std::string()>& body) {
    const std::size_t end = head.find("\r\n");
    const std::string_view line = head.substr(0, end);
    const std::size_t a = line.find(' ');
    const std::size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    if (line.empty() || b == std::string_view::npos)
        return response("400 Bad Request", "text/plain", "not an HTTP request\n");
    const std::string_view method = line.substr(0, a);
    std::string_view path = line.substr(a + 1, b - a - 1);
    path = path.substr(0, path.find('?'));
    if (path != "/metrics") return response("404 Not Found", "text/plain", "only /metrics is here\n");
    if (method != "GET" && method != "HEAD") return response("405 Method Not Allowed", "text/plain", "GET /metrics\n");
    std::string answer = response("200 OK", "text/plain; version=0.0.4; charset=utf-8", body());
    if (method == "HEAD") answer.resize(answer.find("\r\n\r\n") + 4);
    return answer;
}

std::variant<std::unique_ptr<MetricsServer>, std::string> MetricsServer::open(asio::io_context& io,
                                                                              const tcp::endpoint& where, Body body) {
    tcp::acceptor acceptor(io);
    boost::system::error_code e;
    acceptor.open(where.protocol(), e);
    if (!e) acceptor.set_option(asio::socket_base::reuse_address(true), e);
    if (!e) acceptor.bind(where, e);
    if (!e) acceptor.listen(asio::socket_base::max_listen_connections, e);
    if (e)
        return "metrics: " + where.address().to_string() + " port " + std::to_string(where.port()) + ": " + e.message();
    auto server = std::make_unique<MetricsServer>(Opened{}, std::move(acceptor), std::move(body));
    server->accept();
    return server;
}

MetricsServer::MetricsServer(Opened, tcp::acceptor acceptor, Body body)
    : acceptor_(std::move(acceptor)), body_(std::make_shared<Body>(std::move(body))) {}

MetricsServer::~MetricsServer() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
}

tcp::endpoint MetricsServer::endpoint() const { return acceptor_.local_endpoint(); }

void MetricsServer::accept() {
    acceptor_.async_accept([this](boost::system::error_code e, tcp::socket socket) {
        if (e == asio::error::operation_aborted) return;
        if (!e) std::make_shared<Connection>(std::move(socket), body_)->read();
        if (acceptor_.is_open()) accept();
    });
}

}  // namespace dslite::daemon
