// SPDX-License-Identifier: BSD-2-Clause
#include "capture_session.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <array>
#include <chrono>

#include "capture_filter.hpp"
#include "capture_tap.hpp"
#include "control_protocol.hpp"
#include "json_writer.hpp"
#include "pcapng.hpp"

namespace dslite::daemon {

namespace {

// How often the rings are drained while a capture runs.
constexpr auto kDrainEvery = std::chrono::milliseconds(10);

std::uint64_t wall_micros() {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count());
}

// An answer line for a connection that then closes.
void answer_and_close(CaptureService::Socket& taken, std::string line) {
    struct Last {
        CaptureService::Socket socket;
        std::string line;
    };
    auto last = std::make_shared<Last>(Last{std::move(taken), std::move(line) + '\n'});
    asio::async_write(last->socket, asio::buffer(last->line), [last](boost::system::error_code, std::size_t) {
        boost::system::error_code ignored;
        last->socket.shutdown(CaptureService::Socket::shutdown_both, ignored);
    });
}

}  // namespace

class CaptureService::Session : public std::enable_shared_from_this<Session> {
public:
    Session(CaptureService& service, Socket socket, const CaptureRequest& request)
        : service_(service), socket_(std::move(socket)), request_(request), timer_(service.io_) {}

    void start() {
        for (std::size_t i = 0; i < service_.workers_.size(); ++i)
            taps_.push_back(std::make_unique<CaptureTap>(request_.filter, request_.snaplen));
        const std::string line = JsonWriter().begin_object().member("capture", "started").end_object().take() + '\n';
        pending_.assign(line.begin(), line.end());
        pcapng::section_header(pending_, "dslite-aftr");
        pcapng::interface_description(pending_, "b4", "B4 side (softwires): " + service_.b4_, request_.snaplen);
        pcapng::interface_description(pending_, "uplink", "uplink side (IPv4): " + service_.uplink_, request_.snaplen);
        for (std::size_t i = 0; i < taps_.size(); ++i) service_.workers_[i](taps_[i].get());
        flush();
        watch_client();
        drain_later();
    }

    // Ends the capture: the forwarders let go of their taps, the rings'
    // rest is written, then the statistics; `now`: the daemon stops, close
    // at once instead.
    void finish(bool now) {
        if (!finishing_) {
            finishing_ = true;
            timer_.cancel();
            for (std::size_t i = 0; i < taps_.size(); ++i) service_.workers_[i](nullptr);
            if (!now && !broken_) {
                drain(false);
                std::array<std::uint64_t, 2> dropped{};
                for (const auto& tap : taps_)
                    for (std::size_t side = 0; side < 2; ++side) dropped[side] += tap->counts().dropped[side];
                const std::uint64_t at = wall_micros();
                for (std::uint32_t side = 0; side < 2; ++side)
                    pcapng::interface_statistics(pending_, side, at, dropped[side]);
                spdlog::info("capture: ended, {} packets written, {} dropped by the capture ring", written_,
                             dropped[0] + dropped[1]);
            }
        }
        if (now || broken_)
            close();
        else
            flush();
    }

private:
    void drain_later() {
        timer_.expires_after(kDrainEvery);
        timer_.async_wait([self = shared_from_this()](boost::system::error_code e) {
            if (e || self->finishing_) return;
            self->drain(true);
            if (self->request_.count && self->written_ >= self->request_.count) return self->finish(false);
            self->flush();
            self->drain_later();
        });
    }

    // Moves captured packets into the output, while the client keeps up
    // (`bounded`) and until --count.
    void drain(bool bounded) {
        bool more = true;
        while (more) {
            more = false;
            for (const auto& tap : taps_) {
                if (bounded && pending_.size() >= kMaxPending) return;
                const std::size_t n =
                    tap->pop(64, [&](Side side, std::uint64_t micros, std::uint32_t length, auto bytes) {
                        if (request_.count && written_ >= request_.count) return;  // past --count: let go
                        pcapng::enhanced_packet(pending_, static_cast<std::uint32_t>(side), micros, length, bytes);
                        ++written_;
                    });
                more |= n != 0;
            }
        }
    }

    void flush() {
        if (writing_ || broken_) return;
        if (pending_.empty()) {
            if (finishing_) close();
            return;
        }
        writing_ = true;
        out_.swap(pending_);
        pending_.clear();
        asio::async_write(socket_, asio::buffer(out_),
                          [self = shared_from_this()](boost::system::error_code e, std::size_t) {
                              self->writing_ = false;
                              if (e) {
                                  self->broken_ = true;
                                  return self->finish(true);
                              }
                              self->flush();
                          });
    }

    // The client sends nothing after its request: end of stream (it
    // half-closed, on SIGINT) or an error (it went) ends the capture.
    void watch_client() {
        socket_.async_read_some(asio::buffer(scratch_),
                                [self = shared_from_this()](boost::system::error_code e, std::size_t) {
                                    if (e == asio::error::operation_aborted) return;
                                    if (e) return self->finish(false);
                                    self->watch_client();
                                });
    }

    void close() {
        if (closed_) return;
        closed_ = true;
        boost::system::error_code ignored;
        socket_.shutdown(Socket::shutdown_both, ignored);
        socket_.close(ignored);
        if (service_.session_.get() == this) service_.session_.reset();  // may drop the last owner but a handler's
    }

    CaptureService& service_;
    Socket socket_;
    CaptureRequest request_;
    asio::steady_timer timer_;
    std::vector<std::unique_ptr<CaptureTap>> taps_;
    pcapng::Bytes pending_, out_;
    std::array<std::uint8_t, 64> scratch_{};
    std::uint64_t written_ = 0;
    bool writing_ = false, finishing_ = false, broken_ = false, closed_ = false;
};

CaptureService::CaptureService(asio::io_context& io, std::vector<Attach> workers, std::string b4, std::string uplink)
    : io_(io), workers_(std::move(workers)), b4_(std::move(b4)), uplink_(std::move(uplink)) {}

CaptureService::~CaptureService() { stop(); }

bool CaptureService::take(std::string_view line, Socket& socket) {
    if (!is_capture_line(line)) return false;
    auto parsed = parse_capture_line(line);
    if (auto* error = std::get_if<std::string>(&parsed)) {
        answer_and_close(socket, error_json("capture: " + *error));
        return true;
    }
    if (session_) {
        answer_and_close(socket, error_json("capture: another capture is running (one at a time)"));
        return true;
    }
    spdlog::info("capture: started: {}", line);
    session_ = std::make_shared<Session>(*this, std::move(socket), std::get<CaptureRequest>(parsed));
    const auto session = session_;  // start() may end it
    session->start();
    return true;
}

void CaptureService::stop() {
    if (const auto session = session_) session->finish(true);
    session_.reset();
}

}  // namespace dslite::daemon
