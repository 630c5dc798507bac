// SPDX-License-Identifier: BSD-2-Clause
#include "control_protocol.hpp"

#include <algorithm>
#include <tuple>
#include <type_traits>

#include "control_commands.hpp"
#include "dslite/engine_options.hpp"
#include "json_writer.hpp"

namespace dslite::daemon {

namespace {

std::optional<Protocol> parse_protocol(std::string_view text) {
    if (text == "tcp") return Protocol::tcp;
    if (text == "udp") return Protocol::udp;
    if (text == "icmp") return Protocol::icmp;
    return std::nullopt;
}

// --limit N, the one option every table takes.
std::optional<std::string> parse_limit(std::string_view value, Request& request) {
    const auto n = parse_unsigned(value);
    if (!n || *n == 0 || *n > 0xffffffffu) return "--limit: " + in_quotes(value) + " is not a number from 1";
    request.limit = static_cast<std::uint32_t>(*n);
    return std::nullopt;
}

std::optional<std::string> parse_filter(std::span<const std::string_view> args, Request& request) {
    BindingFilter& filter = request.filter;
    for (std::size_t i = 0; i < args.size(); i += 2) {
        const std::string_view name = args[i];
        if (i + 1 >= args.size()) return std::string(name) + " needs a value";
        const std::string_view value = args[i + 1];
        if (name == "--limit") {
            if (auto error = parse_limit(value, request)) return error;
        } else if (name == "--b4") {
            filter.b4 = parse_ipv6_prefix(value);
            if (!filter.b4) return "--b4: " + in_quotes(value) + " is not an IPv6 address or prefix";
        } else if (name == "--protocol") {
            filter.protocol = parse_protocol(value);
            if (!filter.protocol) return "--protocol: " + in_quotes(value) + " is not tcp, udp or icmp";
        } else if (name == "--public") {
            filter.public_address = parse_ipv4(value);
            if (!filter.public_address) return "--public: " + in_quotes(value) + " is not an IPv4 address";
        } else {
            return in_quotes(name) + " is not a bindings filter (--b4, --protocol, --public, --limit)";
        }
    }
    return std::nullopt;
}

std::string endpoint(Ipv4Address address, std::uint16_t port) {
    return to_string(address) + ":" + std::to_string(port);
}

std::variant<Request, std::string> parse_top(std::span<const std::string_view> args) {
    Request request{Command::top, {}, {}};
    request.top = kDefaultTop;
    if (args.size() > 1) return std::string("top takes at most one number of subscribers");
    if (args.empty()) return request;
    const auto n = parse_unsigned(args[0]);
    if (!n || *n == 0 || *n > kMaxTop)
        return "top: " + in_quotes(args[0]) + " is not a number of subscribers from 1 to " + std::to_string(kMaxTop);
    request.top = static_cast<std::uint32_t>(*n);
    return request;
}

}  // namespace

bool BindingFilter::matches(const BindingInfo& s) const {
    if (b4 && !b4->contains(s.b4)) return false;
    if (protocol && *protocol != s.protocol) return false;
    if (public_address && *public_address != s.public_address) return false;
    if (public_port && *public_port != s.public_port) return false;
    return true;
}

std::variant<Request, std::string> parse_request(std::string_view line) {
    const auto w = request_words(line);
    if (w.empty()) return std::string("empty request: try stats, bindings, subscribers or whois");
    const std::span<const std::string_view> args(w.data() + 1, w.size() - 1);
    const std::string_view command = current_command_name(w[0]);
    if (command == "stats") {
        if (!args.empty()) return std::string(w[0]) + " takes no arguments";
        return Request{Command::stats, {}, {}};
    }
    if (command == "subscribers") {
        Request request{Command::subscribers, {}, {}};
        if (args.size() != 0 && (args.size() != 2 || args[0] != "--limit"))
            return std::string(w[0]) + " takes only --limit N";
        if (!args.empty())
            if (auto error = parse_limit(args[1], request)) return std::string(w[0]) + ": " + *error;
        return request;
    }
    if (command == "bindings") {
        Request request{Command::bindings, {}, {}};
        if (auto error = parse_filter(args, request)) return "bindings: " + *error;
        return request;
    }
    if (command == "top") return parse_top(args);
    if (command == "whois") {
        if (args.size() != 1) return std::string("whois takes one ADDR:PORT or IPv6 address or prefix");
        const std::string_view what = args[0];
        Request request{Command::whois, {}, {}};
        const auto colon = what.rfind(':');
        if (what.find('.') != std::string_view::npos && colon != std::string_view::npos) {
            const auto address = parse_ipv4(what.substr(0, colon));
            const auto port = parse_unsigned(what.substr(colon + 1));
            if (!address || !port || *port > 65535) return "whois: " + in_quotes(what) + " is not IPv4ADDR:PORT";
            request.filter.public_address = address;
            request.filter.public_port = static_cast<std::uint16_t>(*port);
        } else {
            request.filter.b4 = parse_ipv6_prefix(what);
            if (!request.filter.b4)
                return "whois: " + in_quotes(what) + " is neither IPv4ADDR:PORT nor an IPv6 address or prefix";
        }
        return request;
    }
    return in_quotes(w[0]) + " is not a command: try stats, bindings, subscribers or whois";
}

std::string stats_json(const Counters& counters, const Gauges& gauges) {
    JsonWriter json;
    json.begin_object();
    json.member("uptime_seconds", gauges.uptime_seconds)
        .member("bindings", gauges.bindings)
        .member("subscribers", gauges.subscribers)
        .member("memory_bytes", gauges.memory_bytes)
        .member("b4_write_refused", gauges.b4_write_refused)
        .member("uplink_write_refused", gauges.uplink_write_refused)
        .member("threads", gauges.threads)
        .member("handoffs", gauges.handoffs)
        .member("handoffs_refused", gauges.handoffs_refused)
        .member("handoff_ring_bytes", gauges.handoff_ring_bytes)
        .member("handoff_ring_capacity", gauges.handoff_ring_capacity)
        .member("capture_packets", gauges.capture_packets)
        .member("capture_dropped", gauges.capture_dropped);
    const Occupancy& o = gauges.occupancy;
    json.key("bindings_by_state").begin_object();
    for (std::size_t i = 0; i < kBindingStates; ++i)
        json.member(binding_state_name(static_cast<BindingState>(i)), o.bindings[i]);
    json.end_object();
    json.member("bindings_capacity", o.bindings_capacity)
        .member("subscribers_capacity", o.subscribers_capacity)
        .member("reassembly", o.reassembly)
        .member("reassembly_capacity", o.reassembly_capacity)
        .member("event_ring", o.events)
        .member("event_ring_capacity", o.events_capacity)
        .member("ports_per_address", gauges.ports_per_address);
    json.key("pool").begin_array();
    for (const PoolAddressUse& a : gauges.pool) {
        json.begin_object().member("address", to_string(a.address));
        for (const Protocol p : {Protocol::tcp, Protocol::udp, Protocol::icmp})
            json.member(protocol_name(p), a.ports[index_of(p)]);
        json.end_object();
    }
    json.end_array();
    json.key("counters").begin_object();
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        json.member(counter_name(c), counters[c]);
    }
    json.end_object();
    json.key("devices").begin_array();
    for (const Gauges::Device& d : gauges.devices) {
        json.begin_object().member("side", d.side).member("name", d.name);
        for (const DeviceStatField& field : kDeviceStatFields) json.member(field.name, d.stats.*field.value);
        json.end_object();
    }
    json.end_array();
    return json.end_object().take();
}

namespace {

void write_binding(JsonWriter& json, const BindingInfo& s, std::optional<unsigned> engine) {
    json.begin_object()
        .member("b4", to_string(s.b4))
        .member("protocol", protocol_name(s.protocol))
        .member("inside", endpoint(s.inner_address, s.inner_port))
        .member("public", endpoint(s.public_address, s.public_port))
        .member("state", s.state ? s.state : "")
        .member("idle_seconds", s.idle_seconds)
        .member("expires_seconds", s.expires_seconds);
    if (s.is_static) json.member("static", true);
    if (s.requested) json.member("requested", true);
    if (engine) json.member("engine", *engine);
    json.end_object();
}

void write_subscriber(JsonWriter& json, const SubscriberInfo& sub, std::optional<unsigned> engine) {
    json.begin_object().member("prefix", to_string(sub.prefix));
    json.key("softwires").begin_array();
    for (const auto& b4 : sub.softwires) json.value(to_string(b4));
    json.end_array();
    json.member("public_address", to_string(sub.public_address))
        .member("bindings", std::uint64_t{sub.tcp} + sub.udp + sub.icmp)
        .member("tcp_ports", sub.tcp)
        .member("udp_ports", sub.udp)
        .member("icmp_ids", sub.icmp);
    if (engine) json.member("engine", *engine);
    json.end_object();
}

// The start of an answer that is one table: {"NAME":[
std::string table_head(std::string_view name) {
    JsonWriter json;
    json.begin_object().key(name).begin_array();
    return json.take();
}

// Its end, after the rows: ],"count":N}
std::string table_tail(std::uint64_t count) { return "],\"count\":" + std::to_string(count) + "}"; }

// Rows, each after a comma but the answer's first.
template <typename Row>
std::string rows_json(std::span<const Row> rows, std::span<const unsigned> engines, bool first) {
    std::string out;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!first || i != 0) out += ',';
        JsonWriter json;
        const std::optional<unsigned> engine = engines.empty() ? std::nullopt : std::optional(engines[i]);
        if constexpr (std::is_same_v<Row, BindingInfo>) {
            write_binding(json, rows[i], engine);
        } else {
            write_subscriber(json, rows[i], engine);
        }
        out += json.str();
    }
    return out;
}

std::string whois_head(std::string_view mapping, const std::optional<Mapped>& mapped,
                       std::span<const PortBlockInfo> blocks) {
    JsonWriter json;
    json.begin_object().member("mapping", mapping);
    if (mapped) {
        json.member("subscriber", to_string(mapped->subscriber))
            .member("public_address", to_string(mapped->public_address))
            .member("ports", std::to_string(mapped->first) + "-" + std::to_string(mapped->last));
    }
    if (mapping == "port-blocks") {
        json.key("blocks").begin_array();
        for (const PortBlockInfo& b : blocks) {
            json.begin_object()
                .member("subscriber", to_string(b.subscriber))
                .member("b4", to_string(b.b4))
                .member("public_address", to_string(b.public_address))
                .member("ports", std::to_string(b.first) + "-" + std::to_string(b.last))
                .member("bindings", b.bindings)
                .member("release_seconds", b.release_in)
                .end_object();
        }
        json.end_array();
    }
    json.key("bindings").begin_array();
    return json.take();
}

}  // namespace

std::string bindings_json(std::span<const BindingInfo> bindings, std::span<const unsigned> engines) {
    return table_head("bindings") + rows_json(bindings, engines, true) + table_tail(bindings.size());
}

std::string whois_json(std::string_view mapping, const std::optional<Mapped>& mapped,
                       std::span<const PortBlockInfo> blocks, std::span<const BindingInfo> bindings) {
    return whois_head(mapping, mapped, blocks) + rows_json(bindings, {}, true) + table_tail(bindings.size());
}

std::string subscribers_json(std::span<const SubscriberInfo> subscribers, std::span<const unsigned> engines) {
    return table_head("subscribers") + rows_json(subscribers, engines, true) + table_tail(subscribers.size());
}

std::string error_json(std::string_view message) {
    return JsonWriter().begin_object().member("error", message).end_object().take();
}

EngineView view_of(const Request& request, const Engine& engine, Gauges gauges) {
    EngineView view;
    view.counters = engine.counters();
    view.gauges = std::move(gauges);
    if (request.command == Command::stats) {
        view.gauges.occupancy = engine.occupancy();
        view.gauges.ports_per_address = engine.ports_per_address();
        engine.for_each_pool_address([&](const PoolAddressUse& a) { view.gauges.pool.push_back(a); });
    }
    if (request.command == Command::whois && engine.config().port_block_size != 0) {
        view.mapping = "port-blocks";
        const BindingFilter& f = request.filter;
        engine.for_each_port_block([&](const PortBlockInfo& b) {
            const bool match =
                f.b4 ? f.b4->contains(b.subscriber.address) || b.subscriber.contains(f.b4->address)
                     : b.public_address == *f.public_address && *f.public_port >= b.first && *f.public_port <= b.last;
            if (match) view.blocks.push_back(b);
        });
    }
    if (request.command == Command::whois && engine.deterministic()) {
        const DeterministicMap& map = *engine.deterministic();
        view.mapping = "deterministic";
        const BindingFilter& f = request.filter;
        const auto number = f.b4 ? map.number_of(f.b4->address) : map.owner_of(*f.public_address, *f.public_port);
        if (number) {
            const auto range = map.range_of(*number);
            view.mapped = Mapped{map.prefix_of(*number), range.address, range.first, range.last};
        }
    }
    return view;
}

std::string stats_answer(std::span<const EngineView> views) {
    Counters counters;
    Gauges gauges;
    for (const EngineView& v : views) {
        counters += v.counters;
        const Gauges& g = v.gauges;
        gauges.uptime_seconds = std::max(gauges.uptime_seconds, g.uptime_seconds);
        gauges.bindings += g.bindings;
        gauges.subscribers += g.subscribers;
        gauges.memory_bytes += g.memory_bytes;
        gauges.b4_write_refused += g.b4_write_refused;
        gauges.uplink_write_refused += g.uplink_write_refused;
        gauges.handoffs += g.handoffs;
        gauges.handoffs_refused += g.handoffs_refused;
        gauges.handoff_ring_bytes += g.handoff_ring_bytes;
        gauges.handoff_ring_capacity += g.handoff_ring_capacity;
        gauges.capture_packets += g.capture_packets;
        gauges.capture_dropped += g.capture_dropped;
        gauges.devices.insert(gauges.devices.end(), g.devices.begin(), g.devices.end());
        Occupancy& o = gauges.occupancy;
        for (std::size_t i = 0; i < kBindingStates; ++i) o.bindings[i] += g.occupancy.bindings[i];
        o.bindings_capacity += g.occupancy.bindings_capacity;
        o.subscribers_capacity += g.occupancy.subscribers_capacity;
        o.reassembly += g.occupancy.reassembly;
        o.reassembly_capacity += g.occupancy.reassembly_capacity;
        o.events += g.occupancy.events;
        o.events_capacity += g.occupancy.events_capacity;
        // Every engine has the whole range of each address, its share in use.
        gauges.ports_per_address = g.ports_per_address;
        gauges.pool.insert(gauges.pool.end(), g.pool.begin(), g.pool.end());
    }
    // One row per address: the engines' shares of it added up.
    std::sort(gauges.pool.begin(), gauges.pool.end(),
              [](const PoolAddressUse& a, const PoolAddressUse& b) { return a.address < b.address; });
    std::size_t rows = 0;
    for (std::size_t i = 0; i < gauges.pool.size(); ++i) {
        if (rows != 0 && gauges.pool[rows - 1].address == gauges.pool[i].address) {
            for (std::size_t p = 0; p < kProtocols; ++p) gauges.pool[rows - 1].ports[p] += gauges.pool[i].ports[p];
        } else {
            gauges.pool[rows++] = gauges.pool[i];
        }
    }
    gauges.pool.resize(rows);
    gauges.threads = views.size();
    return stats_json(counters, gauges);
}

Pieces whole(std::string answer) {
    return [answer = std::move(answer), given = false]() mutable -> std::optional<std::string> {
        if (given) return std::nullopt;
        given = true;
        return std::move(answer);
    };
}

namespace {

bool key_less(const BindingInfo& a, const BindingInfo& b) {
    return std::tie(a.b4, a.protocol, a.inner_address, a.inner_port) <
           std::tie(b.b4, b.protocol, b.inner_address, b.inner_port);
}
bool key_less(const SubscriberInfo& a, const SubscriberInfo& b) {
    return std::tie(a.prefix.address, a.prefix.length) < std::tie(b.prefix.address, b.prefix.length);
}

// Where a walk in pieces over every engine's table is: the engine, and the
// slot its next piece starts at.
struct Walk {
    std::size_t engines;
    OnEngine on_engine;
    std::size_t engine = 0;
    std::uint32_t cursor = 0;

    bool done() const { return engine == engines; }
    // One piece of the engine's table, on its thread: `piece(engine, from)`
    // walks kPieceSlots slots from `from` and returns where the next starts,
    // nothing after the last. True when that was the engine's last piece.
    template <typename Piece>
    bool next(Piece&& piece) {
        bool last = false;
        on_engine(engine, [&](const Engine& walked, const Gauges&) {
            const std::optional<std::uint32_t> from = piece(walked, cursor);
            cursor = from.value_or(0);
            last = !from;
        });
        if (last) ++engine;
        return last;
    }
};

// A table answer, walked a piece of kPieceSlots slots at a time, engine by
// engine. Without a limit each piece's rows are written as they come; with
// --limit N the first N by key are kept (a heap of N) while walking, then
// written sorted, also in pieces.
template <typename Row>
class TableAnswer {
public:
    TableAnswer(Request request, std::size_t engines, OnEngine on_engine)
        : request_(std::move(request)), walk_{engines, std::move(on_engine)} {}

    std::optional<std::string> operator()() {
        if (done_) return std::nullopt;
        if (!started_) {
            started_ = true;
            return head();
        }
        if (!walk_.done()) return walk();
        if (request_.limit && written_ < kept_.size()) return write_kept();
        done_ = true;
        return table_tail(count_);
    }

private:
    struct Kept {
        Row row;
        unsigned engine;
    };

    std::string head() {
        if constexpr (std::is_same_v<Row, SubscriberInfo>) {
            return table_head("subscribers");
        } else if (request_.command == Command::whois) {
            std::optional<Mapped> mapped;
            std::vector<PortBlockInfo> blocks;
            std::string_view mapping = "dynamic";
            for (std::size_t e = 0; e < walk_.engines; ++e) {
                walk_.on_engine(e, [&](const Engine& engine, const Gauges& gauges) {
                    EngineView v = view_of(request_, engine, gauges);
                    mapping = v.mapping;
                    if (v.mapped) mapped = v.mapped;
                    blocks.insert(blocks.end(), v.blocks.begin(), v.blocks.end());
                });
            }
            std::sort(blocks.begin(), blocks.end(), [](const PortBlockInfo& a, const PortBlockInfo& b) {
                return std::tie(a.subscriber.address, a.public_address.value, a.first) <
                       std::tie(b.subscriber.address, b.public_address.value, b.first);
            });
            return whois_head(mapping, mapped, blocks);
        } else {
            return table_head("bindings");
        }
    }

    // One piece of one engine's table.
    std::string walk() {
        rows_.clear();
        const auto engine = static_cast<unsigned>(walk_.engine);
        walk_.next([&](const Engine& walked, std::uint32_t from) {
            const auto keep = [&](const Row& row) {
                if constexpr (std::is_same_v<Row, BindingInfo>)
                    if (!request_.filter.matches(row)) return;
                rows_.push_back(row);
            };
            if constexpr (std::is_same_v<Row, BindingInfo>) {
                return walked.for_each_binding(from, kPieceSlots, keep);
            } else {
                return walked.for_each_subscriber(from, kPieceSlots, keep);
            }
        });
        if (request_.limit) {
            keep_first(engine);
            return {};
        }
        engines_of_rows_.assign(rows_.size(), engine);
        std::string out =
            rows_json<Row>(rows_, several() ? engines_of_rows_ : std::span<const unsigned>{}, count_ == 0);
        count_ += rows_.size();
        return out;
    }

    // The heap's top is the greatest kept row: the one a lesser row replaces.
    void keep_first(unsigned engine) {
        const auto greater_last = [](const Kept& a, const Kept& b) { return key_less(a.row, b.row); };
        for (Row& row : rows_) {
            if (kept_.size() < *request_.limit) {
                kept_.push_back({std::move(row), engine});
                std::push_heap(kept_.begin(), kept_.end(), greater_last);
            } else if (key_less(row, kept_.front().row)) {
                std::pop_heap(kept_.begin(), kept_.end(), greater_last);
                kept_.back() = {std::move(row), engine};
                std::push_heap(kept_.begin(), kept_.end(), greater_last);
            }
        }
    }

    std::string write_kept() {
        if (written_ == 0)
            std::sort(kept_.begin(), kept_.end(), [](const Kept& a, const Kept& b) { return key_less(a.row, b.row); });
        const std::size_t end = std::min(kept_.size(), written_ + kPieceSlots);
        rows_.clear();
        engines_of_rows_.clear();
        for (std::size_t i = written_; i < end; ++i) {
            rows_.push_back(kept_[i].row);
            engines_of_rows_.push_back(kept_[i].engine);
        }
        std::string out =
            rows_json<Row>(rows_, several() ? engines_of_rows_ : std::span<const unsigned>{}, count_ == 0);
        count_ += rows_.size();
        written_ = end;
        return out;
    }

    // One engine: no engine numbers, the answer exactly as it always was.
    bool several() const { return walk_.engines > 1; }

    Request request_;
    Walk walk_;
    bool started_ = false, done_ = false;
    std::uint64_t count_ = 0;  // rows written
    std::vector<Row> rows_;    // this piece's
    std::vector<unsigned> engines_of_rows_;
    std::vector<Kept> kept_;  // --limit: a heap while walking, then sorted
    std::size_t written_ = 0;
};

}  // namespace

namespace {

std::uint64_t packets_of(const SubscriberInfo& s) { return std::uint64_t{s.pps_from_b4} + s.pps_to_b4; }
std::uint64_t bindings_of(const SubscriberInfo& s) { return std::uint64_t{s.tcp} + s.udp + s.icmp; }

// Ahead in a ranking: more of `key`, then the lower prefix, so that equal
// subscribers come in the same order from every engine and every time.
template <typename Key>
auto ahead(Key key) {
    return [key](const SubscriberInfo& a, const SubscriberInfo& b) {
        const std::uint64_t x = key(a), y = key(b);
        return x != y ? x > y : a.prefix.address < b.prefix.address;
    };
}

// Keeps the `n` best of what it is offered: a heap whose front is the last
// of them, so most subscribers cost one comparison.
template <typename Ahead>
void offer(std::vector<SubscriberInfo>& kept, std::size_t n, const SubscriberInfo& s, Ahead ahead) {
    if (kept.size() < n) {
        kept.push_back(s);
        std::push_heap(kept.begin(), kept.end(), ahead);
    } else if (n != 0 && ahead(s, kept.front())) {
        std::pop_heap(kept.begin(), kept.end(), ahead);
        kept.back() = s;
        std::push_heap(kept.begin(), kept.end(), ahead);
    }
}

void write_ranking(JsonWriter& json, std::string_view name, std::span<const SubscriberInfo> ranking) {
    json.key(name).begin_array();
    for (const SubscriberInfo& s : ranking) {
        json.begin_object()
            .member("prefix", to_string(s.prefix))
            .member("public_address", to_string(s.public_address))
            .member("pps_from_b4", s.pps_from_b4)
            .member("pps_to_b4", s.pps_to_b4)
            .member("bindings", bindings_of(s))
            .member("tcp", s.tcp)
            .member("udp", s.udp)
            .member("icmp", s.icmp)
            .end_object();
    }
    json.end_array();
}

}  // namespace

void Busiest::offer(const SubscriberInfo& s, std::size_t n) {
    bindings[index_of(Protocol::tcp)] += s.tcp;
    bindings[index_of(Protocol::udp)] += s.udp;
    bindings[index_of(Protocol::icmp)] += s.icmp;
    if (packets_of(s) != 0) dslite::daemon::offer(by_packets, n, s, ahead(packets_of));
    if (bindings_of(s) != 0) dslite::daemon::offer(by_bindings, n, s, ahead(bindings_of));
}

void Busiest::finish() {
    std::sort_heap(by_packets.begin(), by_packets.end(), ahead(packets_of));
    std::sort_heap(by_bindings.begin(), by_bindings.end(), ahead(bindings_of));
}

Busiest busiest_of(const Engine& engine, std::size_t n) {
    Busiest out;
    engine.for_each_subscriber([&](const SubscriberInfo& s) { out.offer(s, n); });
    out.finish();
    return out;
}

std::string top_json(std::span<const Busiest> engines, std::size_t n) {
    Busiest all;
    for (const Busiest& e : engines) {
        all.by_packets.insert(all.by_packets.end(), e.by_packets.begin(), e.by_packets.end());
        all.by_bindings.insert(all.by_bindings.end(), e.by_bindings.begin(), e.by_bindings.end());
        for (std::size_t p = 0; p < kProtocols; ++p) all.bindings[p] += e.bindings[p];
    }
    // A subscriber is one engine's (Shares), so the engines' best are the candidates.
    const auto merge = [n](std::vector<SubscriberInfo>& ranking, auto ahead) {
        std::sort(ranking.begin(), ranking.end(), ahead);
        if (ranking.size() > n) ranking.resize(n);
    };
    merge(all.by_packets, ahead(packets_of));
    merge(all.by_bindings, ahead(bindings_of));

    JsonWriter json;
    json.begin_object();
    write_ranking(json, "by_packets", all.by_packets);
    write_ranking(json, "by_bindings", all.by_bindings);
    json.key("bindings_by_protocol").begin_object();
    for (const Protocol p : {Protocol::tcp, Protocol::udp, Protocol::icmp})
        json.member(protocol_name(p), all.bindings[index_of(p)]);
    json.end_object();
    return json.end_object().take();
}

namespace {

// top: each engine's subscribers walked in pieces as the tables are, the
// rankings kept as it goes; the answer is written whole at the end (it holds
// at most 2 * kMaxTop rows).
class TopAnswer {
public:
    TopAnswer(std::uint32_t n, std::size_t engines, OnEngine on_engine)
        : n_(n), busiest_(engines), walk_{engines, std::move(on_engine)} {}

    std::optional<std::string> operator()() {
        if (walk_.done()) {
            if (done_) return std::nullopt;
            done_ = true;
            return top_json(busiest_, n_);
        }
        Busiest& ranked = busiest_[walk_.engine];
        if (walk_.next([&](const Engine& walked, std::uint32_t from) {
                return walked.for_each_subscriber(from, kPieceSlots,
                                                  [&](const SubscriberInfo& s) { ranked.offer(s, n_); });
            }))
            ranked.finish();
        return std::string();
    }

private:
    std::uint32_t n_;
    std::vector<Busiest> busiest_;
    Walk walk_;
    bool done_ = false;
};

}  // namespace

Pieces serve(std::string_view line, std::size_t engines, OnEngine on_engine) {
    auto parsed = parse_request(line);
    if (auto* error = std::get_if<std::string>(&parsed)) return whole(error_json(*error));
    Request& request = std::get<Request>(parsed);
    switch (request.command) {
    case Command::stats: {
        std::vector<EngineView> views(engines);
        for (std::size_t e = 0; e < engines; ++e)
            on_engine(e,
                      [&](const Engine& engine, const Gauges& gauges) { views[e] = view_of(request, engine, gauges); });
        return whole(stats_answer(views));
    }
    case Command::top: return TopAnswer(request.top, engines, std::move(on_engine));
    case Command::subscribers: return TableAnswer<SubscriberInfo>(std::move(request), engines, std::move(on_engine));
    case Command::bindings:
    case Command::whois: return TableAnswer<BindingInfo>(std::move(request), engines, std::move(on_engine));
    }
    return whole(error_json("unknown command"));
}

std::string joined(Pieces pieces) {
    std::string out;
    while (auto piece = pieces()) out += *piece;
    return out;
}

std::string respond(std::string_view line, const Engine& engine, const Gauges& gauges) {
    return joined(serve(line, 1, [&](std::size_t, const auto& work) { work(engine, gauges); }));
}

}  // namespace dslite::daemon
