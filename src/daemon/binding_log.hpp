// SPDX-License-Identifier: BSD-2-Clause
// The binding log: the engine's events (dslite/events.hpp) written where an
// operator keeps them, so "who had 198.51.100.3 port 40123 at 14:02:17?"
// has an answer after the binding is gone (RFC 6333 11, RFC 6888 REQ-12).
//
// Sinks (--log-bindings, repeatable):
//   file:PATH             JSON lines, one object per event; reopened on SIGHUP
//   syslog                RFC 5424 to the local syslog socket
//   syslog:unix:PATH      RFC 5424 to that UNIX datagram socket
//   syslog:udp:HOST:PORT  RFC 5424 over UDP (RFC 5426)
//   ipfix:HOST:PORT       IPFIX over UDP (RFC 7011) with RFC 8158's templates (ipfix.hpp)
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "dslite/events.hpp"
#include "ipfix.hpp"

namespace dslite::daemon {

struct FileSinkSpec {
    std::string path;
    bool operator==(const FileSinkSpec&) const = default;
};
struct SyslogSinkSpec {
    bool udp = false;
    std::string path = {};  // unix
    std::string host = {};  // udp: an address or a name (resolved when the sink opens)
    std::uint16_t port = 514;
    bool operator==(const SyslogSinkSpec&) const = default;
};
struct IpfixSinkSpec {
    std::string host = {};  // an address or a name (resolved when the sink opens)
    std::uint16_t port = 4739;
    bool operator==(const IpfixSinkSpec&) const = default;
};
using SinkSpec = std::variant<FileSinkSpec, SyslogSinkSpec, IpfixSinkSpec>;

// One --log-bindings value; "what is wrong" (without the option's name) on error.
std::variant<SinkSpec, std::string> parse_sink(std::string_view text);

// Wall-clock time, for the records.
using WallTime = std::chrono::system_clock::time_point;

// The record of one event as a JSON object on one line (no newline).
std::string event_json(const Event& event, WallTime at);
// The record of one event as an RFC 5424 syslog message.
std::string event_syslog(const Event& event, WallTime at, std::string_view hostname, long pid);

class Sink;

class BindingLog {
public:
    struct Stats {
        std::uint64_t written = 0;  // records, summed over sinks
        std::uint64_t failed = 0;   // records a sink could not write or send
    };

    // Opens every sink, or says which cannot be opened (one line). The
    // limits are what IPFIX quota records name.
    static std::variant<std::unique_ptr<BindingLog>, std::string> open(const std::vector<SinkSpec>& sinks,
                                                                       const IpfixLimits& limits = {});
    ~BindingLog();

    // Writes each event to every sink; `wall` turns engine time into wall time.
    template <class ToWall>
    void write(std::span<const Event> events, ToWall&& wall) {
        for (const Event& e : events) write_one(e, wall(e.time_us));
    }
    // Files are closed and opened again (logrotate moved them).
    void reopen();
    void flush();
    const Stats& stats() const { return stats_; }

private:
    BindingLog();
    void write_one(const Event& event, WallTime at);

    std::vector<std::unique_ptr<Sink>> sinks_;
    std::string hostname_;
    long pid_ = 0;
    Stats stats_;
};

}  // namespace dslite::daemon
