// SPDX-License-Identifier: BSD-2-Clause
// dslite-ctl capture, the daemon's end: the control server hands over the
// connection whose request line is `capture ...` (capture_filter.hpp). The
// answer is one JSON line ({"capture":"started"} or {"error":"..."}), then
// pcapng (pcapng.hpp) on the same connection: a section, interface 0 "b4"
// and interface 1 "uplink", each captured packet as it drains from the
// workers' rings (capture_tap.hpp), until --count packets are written, the
// client half-closes or goes, or the daemon stops. Then, unless the daemon
// stops, an Interface Statistics block per side with the packets the rings
// dropped (isb_ifdrop), and the connection closes. One capture at a time.
// All of it on the main io_context; writes are asynchronous and bounded: a
// slow client leaves packets in the rings, which then drop.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dslite::daemon {

namespace asio = boost::asio;

class CaptureTap;

class CaptureService {
public:
    using Socket = asio::local::stream_protocol::socket;
    // Gives one worker's forwarder the tap (or none, to let go of it) on the
    // worker's own thread, and returns once it has.
    using Attach = std::function<void(CaptureTap*)>;
    // Bytes waiting for the client beyond which the rings are left to fill.
    static constexpr std::size_t kMaxPending = std::size_t{1} << 20;

    // `b4` and `uplink`: the interfaces' names, for the pcapng interface descriptions.
    CaptureService(asio::io_context& io, std::vector<Attach> workers, std::string b4, std::string uplink);
    ~CaptureService();
    CaptureService(const CaptureService&) = delete;
    CaptureService& operator=(const CaptureService&) = delete;

    // The control server's takeover (ControlServer::Takeover): a capture
    // request takes the connection; any other line is left to the server.
    bool take(std::string_view line, Socket& socket);
    // The daemon stops: the running capture ends and its connection closes
    // (the client keeps the whole blocks it has).
    void stop();
    bool running() const { return session_ != nullptr; }

private:
    class Session;

    asio::io_context& io_;
    std::vector<Attach> workers_;
    std::string b4_, uplink_;
    std::shared_ptr<Session> session_;
};

}  // namespace dslite::daemon
