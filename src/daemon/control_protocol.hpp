// SPDX-License-Identifier: BSD-2-Clause
// The control socket's protocol: one request per line, one JSON object per
// line back. Requests:
//   stats                                   every counter, the daemon's gauges, each device's counts
//   bindings [--b4 PREFIX] [--protocol tcp|udp|icmp] [--public ADDR] [--limit N]
//   subscribers [--limit N]                 each subscriber: softwires, public address, counts
//   top [N]                                 the N busiest subscribers (10; at most kMaxTop) by packets
//                                           in the last whole second and by bindings, and the
//                                           bindings per protocol (dslite-ctl top)
//   whois ADDR:PORT | IPV6[/LEN]            who has that public end, or which public end that
//                                           subscriber has (RFC 7422 under --port-mapping
//                                           deterministic; its port blocks under
//                                           --port-block-size), with the live bindings that match
//                                           (b4s and sessions: the old names of subscribers and
//                                           bindings, still understood; control_commands.hpp)
// A request that cannot be served gets {"error":"..."}. The tables come in
// table order, written in pieces (serve()); with --limit N, the first N in
// the order of their keys (B4, protocol, inside end; prefix).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
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

enum class Command { stats, bindings, subscribers, whois, top };

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
    std::optional<std::uint32_t> limit;  // bindings and subscribers: at most this many, the first by key
    std::uint32_t top = 0;               // top: subscribers in each ranking
};

inline constexpr std::uint32_t kDefaultTop = 10;
inline constexpr std::uint32_t kMaxTop = 1000;

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
    std::uint64_t threads = 1;             // engines side by side, a thread each
    std::uint64_t handoffs = 0;            // packets handed from one engine's thread to another's
    std::uint64_t handoffs_refused = 0;    // lost: the other thread's ring was full
    std::uint64_t handoff_ring_bytes = 0;  // waiting in the rings into this engine's thread
    std::uint64_t handoff_ring_capacity = 0;
    // The engine's own (view_of fills them in): how full its tables are, and
    // each public address's ports in use.
    Occupancy occupancy;
    std::vector<PoolAddressUse> pool;
    std::uint64_t ports_per_address = 0;
    std::uint64_t capture_packets = 0;  // of the capture running now (dslite-ctl capture), to its ring
    std::uint64_t capture_dropped = 0;  // not captured: its ring was full (forwarded all the same)
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
std::string subscribers_json(std::span<const SubscriberInfo> subscribers, std::span<const unsigned> engines = {});
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

// The top request's part of one engine, or of all: the busiest subscribers,
// best first, by packets per second (both ways) and by bindings, none with
// zero; and the bindings per protocol, summed over every subscriber.
struct Busiest {
    std::vector<SubscriberInfo> by_packets;
    std::vector<SubscriberInfo> by_bindings;
    std::array<std::uint64_t, kProtocols> bindings{};  // by index_of(Protocol)

    // A walk's subscribers one by one, keeping `n` of each ranking (no copy
    // of the table however large it is); then finish() puts them in order.
    void offer(const SubscriberInfo& s, std::size_t n);
    void finish();
};
// One walk over the engine's subscribers (the socket walks in pieces, serve()).
Busiest busiest_of(const Engine& engine, std::size_t n);
// The rankings of every engine merged, `n` of each.
std::string top_json(std::span<const Busiest> engines, std::size_t n);

// What one engine shows for a request besides its tables, taken on the
// engine's own thread.
struct EngineView {
    Counters counters;
    Gauges gauges;
    std::string_view mapping = "dynamic";  // whois
    std::optional<Mapped> mapped;
    std::vector<PortBlockInfo> blocks;
};
EngineView view_of(const Request& request, const Engine& engine, Gauges gauges);
// The stats answer over every engine's view: counters and gauges summed.
std::string stats_answer(std::span<const EngineView> views);

// An answer in pieces: each call gives the next part of its one line (the
// newline not included), nothing after the last.
using Pieces = std::function<std::optional<std::string>()>;
// The answer that is one piece.
Pieces whole(std::string answer);
// Runs `work` where engine `index` runs (its thread), with the engine and its
// gauges, and waits for it.
using OnEngine = std::function<void(std::size_t index, const std::function<void(const Engine&, const Gauges&)>& work)>;
// Table slots one piece walks. Its cost bounds how long an engine stops
// forwarding for a listing, and with one thread, how long the loop does:
// bench/control_pause.cpp measures it (under 10 ms with a million bindings).
constexpr std::uint32_t kPieceSlots = 1024;
// Serves one request line over `engines` engines. A table is walked a piece
// at a time, each on its engine's thread: a driver that writes one piece and
// forwards packets before asking for the next never stalls for the whole table.
Pieces serve(std::string_view line, std::size_t engines, OnEngine on_engine);

// Every piece of an answer, as the one line a client reads.
std::string joined(Pieces pieces);
// serve() over one engine, every piece at once (tests).
std::string respond(std::string_view line, const Engine& engine, const Gauges& gauges);

}  // namespace dslite::daemon
