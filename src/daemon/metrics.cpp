// SPDX-License-Identifier: BSD-2-Clause
#include "metrics.hpp"

#include <functional>
#include <string_view>

namespace dslite::daemon {

namespace {

// HELP text escapes only backslash and newline; label values also quotes.
std::string escaped(std::string_view text, bool label) {
    std::string out;
    for (const char c : text) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (label && c == '"')
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

class Writer {
public:
    explicit Writer(std::span<const EngineView> views) : views_(views) {}

    // One metric: its HELP and TYPE, then one series per thread (and per
    // extra label value `each` gives).
    void metric(std::string_view name, std::string_view type, std::string_view help,
                const std::function<void(std::size_t thread, const EngineView&)>& series) {
        out_ += "# HELP dslite_";
        out_ += name;
        out_ += ' ';
        out_ += escaped(help, false);
        out_ += "\n# TYPE dslite_";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
        name_ = name;
        for (std::size_t i = 0; i < views_.size(); ++i) series(i, views_[i]);
    }
    void value(std::size_t thread, std::uint64_t v, std::string_view labels = {}) {
        out_ += "dslite_";
        out_ += name_;
        out_ += "{thread=\"" + std::to_string(thread) + "\"";
        if (!labels.empty()) {
            out_ += ',';
            out_ += labels;
        }
        out_ += "} " + std::to_string(v) + '\n';
    }
    std::string take() { return std::move(out_); }

private:
    std::span<const EngineView> views_;
    std::string out_;
    std::string_view name_;
};

std::string label(std::string_view key, std::string_view value) {
    return std::string(key) + "=\"" + escaped(value, true) + "\"";
}

}  // namespace

std::string metrics_text(std::span<const EngineView> views) {
    Writer w(views);
    w.metric("drops_total", "counter", "packets dropped, by reason (the drop_* counters of dslite-ctl stats)",
             [&](std::size_t t, const EngineView& v) {
                 for (std::size_t i = 0; i < kCounterCount; ++i) {
                     const auto c = static_cast<Counter>(i);
                     if (!is_drop(c)) continue;
                     w.value(t, v.counters[c], label("reason", counter_name(c).substr(5)));
                 }
             });
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        if (is_drop(c)) continue;
        const std::string name = std::string(counter_name(c)) + "_total";
        w.metric(name, "counter", counter_help(c),
                 [&](std::size_t t, const EngineView& v) { w.value(t, v.counters[c]); });
    }
    const auto gauge = [&](std::string_view name, std::string_view help, std::uint64_t Gauges::*field) {
        w.metric(name, "gauge", help, [&](std::size_t t, const EngineView& v) { w.value(t, v.gauges.*field); });
    };
    gauge("bindings", "bindings (sessions) in the table", &Gauges::bindings);
    w.metric("sessions", "gauge", "bindings by protocol and state (TCP: RFC 7857 2.1)",
             [&](std::size_t t, const EngineView& v) {
                 for (std::size_t i = 0; i < kBindingStates; ++i) {
                     const auto state = static_cast<BindingState>(i);
                     w.value(t, v.gauges.occupancy.bindings[i],
                             label("protocol", protocol_name(protocol_of(state))) + "," +
                                 label("state", binding_state_name(state)));
                 }
             });
    const auto occupancy = [&](std::string_view name, std::string_view help, auto Occupancy::*field) {
        w.metric(name, "gauge", help,
                 [&](std::size_t t, const EngineView& v) { w.value(t, v.gauges.occupancy.*field); });
    };
    occupancy("bindings_capacity", "bindings the table has room for (--max-bindings)", &Occupancy::bindings_capacity);
    occupancy("subscribers_capacity", "subscribers the table has room for", &Occupancy::subscribers_capacity);
    occupancy("reassembly_datagrams", "datagrams being reassembled from fragments", &Occupancy::reassembly);
    occupancy("reassembly_capacity", "datagrams that may be reassembled at once", &Occupancy::reassembly_capacity);
    occupancy("event_ring_events", "events waiting in the ring for the binding log", &Occupancy::events);
    occupancy("event_ring_capacity", "events the ring holds (0: no binding log)", &Occupancy::events_capacity);
    w.metric("pool_ports_in_use", "gauge", "ports in use or held after use, per public address and protocol",
             [&](std::size_t t, const EngineView& v) {
                 for (const PoolAddressUse& a : v.gauges.pool)
                     for (const Protocol p : {Protocol::tcp, Protocol::udp, Protocol::icmp})
                         w.value(t, a.ports[index_of(p)],
                                 label("address", to_string(a.address)) + "," + label("protocol", protocol_name(p)));
             });
    gauge("pool_ports_per_address", "ports of each protocol per public address (--port-range)",
          &Gauges::ports_per_address);
    gauge("handoff_ring_bytes", "bytes waiting in the rings into this thread (--threads)", &Gauges::handoff_ring_bytes);
    gauge("handoff_ring_capacity", "bytes the rings into this thread hold", &Gauges::handoff_ring_capacity);
    gauge("subscribers", "subscribers (B4 prefixes) with a public address", &Gauges::subscribers);
    gauge("memory_bytes", "pre-sized table memory of the engine", &Gauges::memory_bytes);
    gauge("uptime_seconds", "seconds since the engine's loop started", &Gauges::uptime_seconds);
    gauge("capture_packets", "packets the running capture (dslite-ctl capture) took, 0 when none runs",
          &Gauges::capture_packets);
    gauge("capture_dropped", "packets the running capture could not take, its ring full (forwarded all the same)",
          &Gauges::capture_dropped);
    const auto counter = [&](std::string_view name, std::string_view help, std::uint64_t Gauges::*field) {
        w.metric(name, "counter", help, [&](std::size_t t, const EngineView& v) { w.value(t, v.gauges.*field); });
    };
    counter("b4_write_refused_total", "packets to B4s the device refused", &Gauges::b4_write_refused);
    counter("uplink_write_refused_total", "packets to the uplink the device refused", &Gauges::uplink_write_refused);
    counter("handoffs_total", "packets handed to another thread's engine", &Gauges::handoffs);
    counter("handoffs_refused_total", "packets lost because the other thread's ring was full",
            &Gauges::handoffs_refused);
    const auto device = [&](std::string_view name, std::string_view help, std::uint64_t DeviceStats::*field) {
        w.metric(name, "counter", help, [&](std::size_t t, const EngineView& v) {
            for (const Gauges::Device& d : v.gauges.devices)
                w.value(t, d.stats.*field, label("side", d.side) + "," + label("device", d.name));
        });
    };
    device("device_rx_packets_total", "packets read from the device", &DeviceStats::rx_packets);
    device("device_rx_bytes_total", "bytes read from the device", &DeviceStats::rx_bytes);
    device("device_rx_errors_total", "failed reads", &DeviceStats::rx_errors);
    device("device_rx_malformed_total", "reads that were no packet to hand on", &DeviceStats::rx_malformed);
    device("device_tx_packets_total", "packets written to the device", &DeviceStats::tx_packets);
    device("device_tx_bytes_total", "bytes written to the device", &DeviceStats::tx_bytes);
    device("device_tx_errors_total", "failed writes", &DeviceStats::tx_errors);
    device("device_tx_dropped_total", "packets refused before writing", &DeviceStats::tx_dropped);
    return w.take();
}

}  // namespace dslite::daemon
