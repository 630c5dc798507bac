// SPDX-License-Identifier: BSD-2-Clause
// The control socket's protocol: one request per line, one JSON object per
// line back. Requests:
//   stats                                   every counter, the daemon's gauges, each device's counts
//   bindings [--b4 PREFIX] [--protocol tcp|udp|icmp] [--public ADDR]
//   subscribers                             each subscriber: softwires, public address, counts
//   whois ADDR:PORT | IPV6[/LEN]            who has that public end, or which public end that
//                                           subscriber has (RFC 7422 under --port-mapping
//                                           deterministic; its port blocks under
//                                           --port-block-size), with the live bindings that match
//                                           (b4s and sessions: the old names of subscribers and
//                                           bindings, still understood; control_commands.hpp)
// A request that cannot be served gets {"error":"..."}.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dslite/counters.hpp"
#include "dslite/engine.hpp"
#include "platform/device.hpp"

namespace dslite::daemon {

enum class Command { stats, bindings, subscribers, whois };

struct BindingFilter {
    std::optional<Ipv6Prefix> b4;  // a bare address is a /128
    std::optional<Protocol> protocol;
    std::optional<Ipv4Address> public_address;
    std::optional<std::uint16_t> public_port;

    bool matches(const BindingInfo& binding) const;
};

struct Request {
    Command command;
    BindingFilter filter;
};

// The request, or the error line to answer with.
std::variant<Request, std::string> parse_request(std::string_view line);

// What the daemon knows besides the engine's counters.
struct Gauges {
    std::uint64_t uptime_seconds = 0;
    std::uint64_t bindings = 0;
    std::uint64_t subscribers = 0;
    std::uint64_t memory_bytes = 0;
    std::uint64_t b4_write_refused = 0;
    std::uint64_t uplink_write_refused = 0;
    std::uint64_t threads = 1;           // engines side by side, a thread each
    std::uint64_t handoffs = 0;          // packets handed from one engine's thread to another's
    std::uint64_t handoffs_refused = 0;  // lost: the other thread's ring was full
    std::uint64_t capture_packets = 0;   // of the capture running now (dslite-ctl capture), to its ring
    std::uint64_t capture_dropped = 0;   // not captured: its ring was full (forwarded all the same)
    struct Device {
        std::string side;  // "b4", "uplink" or "both" (one TUN for both)
        std::string name;
        DeviceStats stats;
    };
    std::vector<Device> devices;
};

// The JSON responses, from plain data (no engine needed to test them).
// With several engines, `engines` gives the one holding each binding or
// subscriber ("engine" in the JSON); empty: one engine, no such member.
std::string stats_json(const Counters& counters, const Gauges& gauges);
std::string bindings_json(std::span<const BindingInfo> bindings, std::span<const unsigned> engines = {});
std::string subscribers_json(std::span<const SubscriberInfo> subscribers, std::span<const BindingInfo> bindings,
                             std::span<const unsigned> engines = {});
std::string error_json(std::string_view message);

// A subscriber's public end by the RFC 7422 formula.
struct Mapped {
    Ipv6Prefix subscriber;
    Ipv4Address public_address;
    std::uint16_t first = 0, last = 0;
};

// How whois answers: "dynamic" (the live bindings only), "deterministic"
// (`mapped`, when the formula has an answer) or "port-blocks" (the blocks
// given out that hold the end or belong to the subscriber); the bindings
// are the live ones that match.
std::string whois_json(std::string_view mapping, const std::optional<Mapped>& mapped,
                       std::span<const PortBlockInfo> blocks, std::span<const BindingInfo> bindings);

// What one engine shows for a request, taken on the engine's own thread.
struct EngineView {
    Counters counters;
    std::vector<BindingInfo> bindings;  // those the request's filter matches
    std::vector<SubscriberInfo> subscribers;
    Gauges gauges;
    std::string_view mapping = "dynamic";  // whois
    std::optional<Mapped> mapped;
    std::vector<PortBlockInfo> blocks;
};
EngineView view_of(const Request& request, const Engine& engine, Gauges gauges);
// The answer over every engine's view: counters and gauges summed, one table.
std::string answer(const Request& request, std::span<const EngineView> views);

// Serves one request line against a running engine.
std::string respond(std::string_view line, const Engine& engine, const Gauges& gauges);

}  // namespace dslite::daemon
