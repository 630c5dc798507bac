// SPDX-License-Identifier: BSD-2-Clause
#include "control_protocol.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

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

std::variant<BindingFilter, std::string> parse_filter(std::span<const std::string_view> args) {
    BindingFilter filter;
    for (std::size_t i = 0; i < args.size(); i += 2) {
        const std::string_view name = args[i];
        if (i + 1 >= args.size()) return std::string(name) + " needs a value";
        const std::string_view value = args[i + 1];
        if (name == "--b4") {
            filter.b4 = parse_ipv6_prefix(value);
            if (!filter.b4) return "--b4: " + in_quotes(value) + " is not an IPv6 address or prefix";
        } else if (name == "--protocol") {
            filter.protocol = parse_protocol(value);
            if (!filter.protocol) return "--protocol: " + in_quotes(value) + " is not tcp, udp or icmp";
        } else if (name == "--public") {
            filter.public_address = parse_ipv4(value);
            if (!filter.public_address) return "--public: " + in_quotes(value) + " is not an IPv4 address";
        } else {
            return in_quotes(name) + " is not a bindings filter (--b4, --protocol, --public)";
        }
    }
    return filter;
}

std::string endpoint(Ipv4Address address, std::uint16_t port) {
    return to_string(address) + ":" + std::to_string(port);
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
    if (command == "stats" || command == "subscribers") {
        if (!args.empty()) return std::string(w[0]) + " takes no arguments";
        return Request{command == "stats" ? Command::stats : Command::subscribers, {}};
    }
    if (command == "bindings") {
        auto filter = parse_filter(args);
        if (auto* error = std::get_if<std::string>(&filter)) return "bindings: " + *error;
        return Request{Command::bindings, std::get<BindingFilter>(filter)};
    }
    if (command == "whois") {
        if (args.size() != 1) return std::string("whois takes one ADDR:PORT or IPv6 address or prefix");
        const std::string_view what = args[0];
        Request request{Command::whois, {}};
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
        .member("capture_packets", gauges.capture_packets)
        .member("capture_dropped", gauges.capture_dropped);
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

// "bindings": [...] and "count" into an open object.
void write_bindings(JsonWriter& json, std::span<const BindingInfo> bindings, std::span<const unsigned> engines) {
    json.key("bindings").begin_array();
    for (std::size_t i = 0; i < bindings.size(); ++i) {
        const BindingInfo& s = bindings[i];
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
        if (!engines.empty()) json.member("engine", engines[i]);
        json.end_object();
    }
    json.end_array();
    json.member("count", bindings.size());
}

}  // namespace

std::string bindings_json(std::span<const BindingInfo> bindings, std::span<const unsigned> engines) {
    JsonWriter json;
    json.begin_object();
    write_bindings(json, bindings, engines);
    return json.end_object().take();
}

std::string whois_json(std::string_view mapping, const std::optional<Mapped>& mapped,
                       std::span<const PortBlockInfo> blocks, std::span<const BindingInfo> bindings) {
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
    write_bindings(json, bindings, {});
    return json.end_object().take();
}

std::string subscribers_json(std::span<const SubscriberInfo> subscribers, std::span<const BindingInfo> bindings,
                             std::span<const unsigned> engines) {
    // Bindings to their subscriber: the B4 address masked to the subscriber
    // prefix length (the same for every subscriber of one engine, but cheap to
    // handle generally).
    std::set<std::uint8_t> lengths;
    std::map<std::pair<Ipv6Address, std::uint8_t>, std::size_t> index;
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
        lengths.insert(subscribers[i].prefix.length);
        index[{subscribers[i].prefix.address, subscribers[i].prefix.length}] = i;
    }
    std::vector<std::uint64_t> binding_count(subscribers.size(), 0);
    std::vector<std::set<Ipv6Address>> softwires(subscribers.size());
    for (const BindingInfo& s : bindings) {
        for (const std::uint8_t length : lengths) {
            const auto it = index.find({mask_ipv6(s.b4, length), length});
            if (it == index.end()) continue;
            ++binding_count[it->second];
            softwires[it->second].insert(s.b4);
            break;
        }
    }

    JsonWriter json;
    json.begin_object().key("subscribers").begin_array();
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
        const SubscriberInfo& sub = subscribers[i];
        json.begin_object().member("prefix", to_string(sub.prefix));
        json.key("softwires").begin_array();
        for (const auto& b4 : softwires[i]) json.value(to_string(b4));
        json.end_array();
        json.member("public_address", to_string(sub.public_address))
            .member("bindings", binding_count[i])
            .member("tcp_ports", sub.tcp)
            .member("udp_ports", sub.udp)
            .member("icmp_ids", sub.icmp);
        if (!engines.empty()) json.member("engine", engines[i]);
        json.end_object();
    }
    json.end_array();
    json.member("count", subscribers.size());
    return json.end_object().take();
}

std::string error_json(std::string_view message) {
    return JsonWriter().begin_object().member("error", message).end_object().take();
}

EngineView view_of(const Request& request, const Engine& engine, Gauges gauges) {
    EngineView view;
    view.counters = engine.counters();
    view.gauges = std::move(gauges);
    if (request.command != Command::stats) {
        engine.for_each_binding([&](const BindingInfo& s) {
            if (request.filter.matches(s)) view.bindings.push_back(s);
        });
    }
    if (request.command == Command::subscribers)
        engine.for_each_subscriber([&](const SubscriberInfo& s) { view.subscribers.push_back(s); });
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

namespace {

// Sorts `items` by `less`, carrying each one's engine index along.
template <typename T, typename Less>
void sort_with_engines(std::vector<T>& items, std::vector<unsigned>& engines, Less less) {
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return less(items[a], items[b]); });
    std::vector<T> sorted_items;
    std::vector<unsigned> sorted_engines;
    for (const std::size_t i : order) {
        sorted_items.push_back(items[i]);
        sorted_engines.push_back(engines[i]);
    }
    items = std::move(sorted_items);
    engines = std::move(sorted_engines);
}

}  // namespace

std::string answer(const Request& request, std::span<const EngineView> views) {
    Counters counters;
    Gauges gauges;
    std::vector<BindingInfo> bindings;
    std::vector<SubscriberInfo> subscribers;
    std::vector<unsigned> binding_engines, subscriber_engines;
    for (unsigned e = 0; e < views.size(); ++e) {
        const EngineView& v = views[e];
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
        gauges.capture_packets += g.capture_packets;
        gauges.capture_dropped += g.capture_dropped;
        gauges.devices.insert(gauges.devices.end(), g.devices.begin(), g.devices.end());
        bindings.insert(bindings.end(), v.bindings.begin(), v.bindings.end());
        binding_engines.insert(binding_engines.end(), v.bindings.size(), e);
        subscribers.insert(subscribers.end(), v.subscribers.begin(), v.subscribers.end());
        subscriber_engines.insert(subscriber_engines.end(), v.subscribers.size(), e);
    }
    gauges.threads = views.size();
    // One engine: no engine numbers, the answer exactly as it always was.
    const bool several = views.size() > 1;
    switch (request.command) {
    case Command::stats: return stats_json(counters, gauges);
    case Command::bindings:
        // Stable, readable order: by B4, then protocol, then inside end.
        sort_with_engines(bindings, binding_engines, [](const BindingInfo& a, const BindingInfo& b) {
            return std::tie(a.b4, a.protocol, a.inner_address, a.inner_port) <
                   std::tie(b.b4, b.protocol, b.inner_address, b.inner_port);
        });
        return bindings_json(bindings,
                             several ? std::span<const unsigned>(binding_engines) : std::span<const unsigned>{});
    case Command::whois: {
        std::optional<Mapped> mapped;
        std::vector<PortBlockInfo> blocks;
        for (const EngineView& v : views) {
            if (v.mapped) mapped = v.mapped;
            blocks.insert(blocks.end(), v.blocks.begin(), v.blocks.end());
        }
        std::sort(blocks.begin(), blocks.end(), [](const PortBlockInfo& a, const PortBlockInfo& b) {
            return std::tie(a.subscriber.address, a.public_address.value, a.first) <
                   std::tie(b.subscriber.address, b.public_address.value, b.first);
        });
        return whois_json(views.empty() ? "dynamic" : views.front().mapping, mapped, blocks, bindings);
    }
    case Command::subscribers:
        sort_with_engines(subscribers, subscriber_engines, [](const SubscriberInfo& a, const SubscriberInfo& b) {
            return std::tie(a.prefix.address, a.prefix.length) < std::tie(b.prefix.address, b.prefix.length);
        });
        return subscribers_json(subscribers, bindings,
                                several ? std::span<const unsigned>(subscriber_engines) : std::span<const unsigned>{});
    }
    return error_json("unknown command");
}

std::string respond(std::string_view line, const Engine& engine, const Gauges& gauges) {
    auto parsed = parse_request(line);
    if (auto* error = std::get_if<std::string>(&parsed)) return error_json(*error);
    const Request& request = std::get<Request>(parsed);
    const EngineView view = view_of(request, engine, gauges);
    return answer(request, {&view, 1});
}

}  // namespace dslite::daemon
