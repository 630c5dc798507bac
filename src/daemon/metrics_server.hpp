// SPDX-License-Identifier: BSD-2-Clause
// --metrics [ADDR]:PORT (issue 13): a minimal HTTP/1.0 server for Prometheus,
// GET /metrics only, one request per connection. The handler builds the text
// (metrics.hpp) when a scrape comes; nothing is kept between scrapes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

namespace dslite::daemon {

namespace asio = boost::asio;

// "[ADDR]:PORT": IPv4 or [IPv6] address, loopback (127.0.0.1) when omitted;
// the endpoint or what is wrong with the text.
std::variant<asio::ip::tcp::endpoint, std::string> parse_metrics_endpoint(std::string_view text);

// The HTTP answer to a request's head (up to the blank line): 200 with
// `body()` for GET /metrics, 404 for another path, 405 for another method,
// 400 for no request line at all.
std::string http_answer(std::string_view head, const std::function<std::string()>& body);

class MetricsServer {
public:
    using Body = std::function<std::string()>;
    // A request head longer than this is answered with 400.
    static constexpr std::size_t kMaxHead = 8192;

    // Listening on `where`, or "metrics: what failed".
    static std::variant<std::unique_ptr<MetricsServer>, std::string> open(asio::io_context& io,
                                                                          const asio::ip::tcp::endpoint& where,
                                                                          Body body);
    ~MetricsServer();
    MetricsServer(const MetricsServer&) = delete;
    MetricsServer& operator=(const MetricsServer&) = delete;
    asio::ip::tcp::endpoint endpoint() const;

    struct Opened {
        explicit Opened() = default;
    };
    MetricsServer(Opened, asio::ip::tcp::acceptor acceptor, Body body);

private:
    void accept();
    asio::ip::tcp::acceptor acceptor_;
    std::shared_ptr<Body> body_;
};

}  // namespace dslite::daemon
