// SPDX-License-Identifier: BSD-2-Clause
// A configuration reloaded at run time (SIGHUP, issue 12): which options may
// change (one table), and the engine taking the new values without dropping
// any binding the new configuration still allows.
#include <algorithm>
#include <tuple>

#include "dslite/engine.hpp"
#include "engine_impl.hpp"

namespace dslite {

namespace {

enum class Reloads : std::uint8_t {
    yes,
    no,
    // Not under --port-mapping deterministic: its formula is of these, so a
    // change would give every subscriber another range.
    unless_deterministic,
};

// One EngineConfig field (or a few that one option sets), by the option that
// sets it; an empty option for fields the daemon derives (--threads).
struct Field {
    std::string_view option;
    Reloads reloads;
    bool (*same)(const EngineConfig&, const EngineConfig&);
    void (*copy)(EngineConfig& to, const EngineConfig& from);
};

// `Access` is a captureless lambda naming the field, as the option rows'.
template <class Access>
constexpr Field field(std::string_view option, Reloads reloads, Access) {
    return {option, reloads, [](const EngineConfig& a, const EngineConfig& b) { return Access{}(a) == Access{}(b); },
            [](EngineConfig& to, const EngineConfig& from) { Access{}(to) = Access{}(from); }};
}

constexpr Reloads yes = Reloads::yes, no = Reloads::no, unless_deterministic = Reloads::unless_deterministic;

// Every EngineConfig field. A field added to EngineConfig belongs here too
// (the unit test ReloadTable.HasEveryOption checks the options).
constexpr Field kFields[] = {
    field(
        "aftr-address", no, [](auto& c) -> auto& { return c.aftr_address; }),
    field(
        "pool", no, [](auto& c) -> auto& { return c.pools; }),
    field("port-range", no, [](auto& c) { return std::tie(c.port_min, c.port_max); }),
    field("", no, [](auto& c) { return std::tie(c.pool_shared, c.shared_port_min, c.shared_port_max); }),
    field(
        "port-hold", yes, [](auto& c) -> auto& { return c.port_hold_seconds; }),
    field(
        "quota-tcp", unless_deterministic, [](auto& c) -> auto& { return c.quota.tcp; }),
    field(
        "quota-udp", unless_deterministic, [](auto& c) -> auto& { return c.quota.udp; }),
    field(
        "quota-icmp", unless_deterministic, [](auto& c) -> auto& { return c.quota.icmp; }),
    field(
        "udp-timeout", yes, [](auto& c) -> auto& { return c.timeouts.udp; }),
    field(
        "tcp-established-timeout", yes, [](auto& c) -> auto& { return c.timeouts.tcp_established; }),
    field(
        "tcp-transitory-timeout", yes, [](auto& c) -> auto& { return c.timeouts.tcp_transitory; }),
    field(
        "icmp-timeout", yes, [](auto& c) -> auto& { return c.timeouts.icmp; }),
    field(
        "filtering", no, [](auto& c) -> auto& { return c.filtering; }),
    field(
        "port-mapping", no, [](auto& c) -> auto& { return c.port_mapping; }),
    field(
        "port-block-size", no, [](auto& c) -> auto& { return c.port_block_size; }),
    field(
        "new-bindings-per-second", yes, [](auto& c) -> auto& { return c.new_bindings_per_second; }),
    field(
        "max-bindings", no, [](auto& c) -> auto& { return c.max_bindings; }),
    field(
        "max-subscribers", no, [](auto& c) -> auto& { return c.max_subscribers; }),
    field(
        "b4-prefix", unless_deterministic, [](auto& c) -> auto& { return c.b4_prefixes; }),
    field(
        "subscriber-prefix-length", no, [](auto& c) -> auto& { return c.subscriber_prefix_length; }),
    field(
        "softwires-per-subscriber", yes, [](auto& c) -> auto& { return c.softwires_per_subscriber; }),
    field(
        "softwire-move-hold", yes, [](auto& c) -> auto& { return c.softwire_move_hold; }),
    field(
        "inner-prefix", yes, [](auto& c) -> auto& { return c.extra_inner_prefixes; }),
    field(
        "static-mapping", yes, [](auto& c) -> auto& { return c.static_mappings; }),
    field(
        "no-nat", yes, [](auto& c) -> auto& { return c.no_nat; }),
    field(
        "reassembly-slots", no, [](auto& c) -> auto& { return c.reassembly.slots; }),
    field(
        "reassembly-per-owner", no, [](auto& c) -> auto& { return c.reassembly.per_owner; }),
    field(
        "reassembly-timeout", no, [](auto& c) -> auto& { return c.reassembly.timeout; }),
    field(
        "tunnel-mtu", no, [](auto& c) -> auto& { return c.tunnel_mtu; }),
    field(
        "uplink-mtu", no, [](auto& c) -> auto& { return c.uplink_mtu; }),
    field(
        "mss-clamp", yes, [](auto& c) -> auto& { return c.mss_clamp; }),
    // Every pcp-* option reloads.
    field(
        "pcp-max-mappings", yes, [](auto& c) -> auto& { return c.pcp_max_mappings; }),
    field(
        "pcp-max-lifetime", yes, [](auto& c) -> auto& { return c.pcp_max_lifetime; }),
    field(
        "pcp-third-party", yes, [](auto& c) -> auto& { return c.pcp_third_party; }),
    field(
        "pcp-announce", yes, [](auto& c) -> auto& { return c.pcp_announce; }),
    field(
        "icmp-errors-per-second", yes, [](auto& c) -> auto& { return c.icmp_errors_per_second; }),
    field(
        "log-ring", no, [](auto& c) -> auto& { return c.event_ring; }),
    field(
        "seed", no, [](auto& c) -> auto& { return c.seed; }),
};

bool reloads(const Field& f, const EngineConfig& running) {
    return f.reloads == Reloads::yes ||
           (f.reloads == Reloads::unless_deterministic && running.port_mapping != PortMapping::deterministic);
}

bool same_end(const StaticMapping& m, const Binding& s) {
    return m.protocol == s.proto && m.public_address.value == s.public_address && m.public_port == s.public_port;
}

}  // namespace

ConfigMerge merge_reloadable(const EngineConfig& running, const EngineConfig& next) {
    ConfigMerge out{running, {}, {}};
    for (const Field& f : kFields) {
        if (f.same(running, next)) continue;
        if (reloads(f, running)) {
            f.copy(out.config, next);
            out.changed.push_back("--" + std::string(f.option));
        } else if (!f.option.empty()) {
            out.kept.push_back("--" + std::string(f.option));
        }
    }
    return out;
}

std::optional<bool> option_reloads(std::string_view option, const EngineConfig& running) {
    for (const Field& f : kFields)
        if (f.option == option) return reloads(f, running);
    return std::nullopt;
}

// This engine's mappings: those in its share of the ports.
bool Engine::Impl::owns_mapping(const StaticMapping& m) const {
    return pool_.index_of(m.public_address.value) != Pool::npos && m.public_port >= config_.port_min &&
           m.public_port <= config_.port_max;
}

bool Engine::Impl::binding_allowed(const Ipv6Address& b4, std::uint32_t inner_address, std::uint8_t softwire) const {
    return b4_allowed(b4) && inner_source_allowed(inner_address) && softwire < config_.softwires_per_subscriber;
}

Reconfigured Engine::reconfigure(const EngineConfig& next, Time now) {
    Impl& i = *impl_;
    i.advance(now);  // starts the clock (and reports the running mappings) if no packet did yet
    ConfigMerge merge = merge_reloadable(i.config_, next);
    Reconfigured out;
    out.kept = std::move(merge.kept);
    const EngineConfig old = std::move(i.config_);
    i.config_ = std::move(merge.config);
    const EngineConfig& c = i.config_;
    auto& t = i.tables_;

    const auto owned = [&](const StaticMapping& m) { return i.owns_mapping(m); };
    const auto listed = [](const std::vector<StaticMapping>& list, const StaticMapping& m) {
        return std::find(list.begin(), list.end(), m) != list.end();
    };
    std::vector<StaticMapping> added;
    // Engines side by side: a subscriber with a new mapping in another
    // engine's share is that engine's from now on (Shares), so what it has
    // here can no longer be reached.
    std::vector<Ipv6Address> moved_away;
    for (const StaticMapping& m : c.static_mappings) {
        if (listed(old.static_mappings, m)) continue;
        if (owned(m))
            added.push_back(m);
        else if (c.pool_shared)
            moved_away.push_back(mask_ipv6(m.b4, c.subscriber_prefix_length));
    }
    for (const StaticMapping& m : old.static_mappings)
        if (owned(m) && !listed(c.static_mappings, m)) ++out.static_removed;

    // The bindings the new configuration forbids.
    const auto forbidden = [&](const Binding& s) {
        const Ipv6Address& b4 = i.b4_of(s);
        if (!i.binding_allowed(b4, s.inner_address, s.softwire)) return true;
        const Ipv6Address prefix = t.subscribers[s.subscriber].prefix;
        if (s.is_static) {
            StaticMapping m{s.proto,      b4, Ipv4Address{s.inner_address}, s.inner_port, Ipv4Address{s.public_address},
                            s.public_port};
            if (listed(c.static_mappings, m)) return false;
            // A softwire move (RFC 7785 4) took it to another B4 of its
            // subscriber: still the mapping the file has, if it is unchanged there.
            return std::none_of(old.static_mappings.begin(), old.static_mappings.end(), [&](const StaticMapping& o) {
                m.b4 = o.b4;
                return o == m && mask_ipv6(o.b4, c.subscriber_prefix_length) == prefix && listed(c.static_mappings, o);
            });
        }
        if (std::find(moved_away.begin(), moved_away.end(), prefix) != moved_away.end()) return true;
        for (const StaticMapping& m : added) {
            if (same_end(m, s)) return true;  // its public end
            if (m.protocol == s.proto && m.b4 == b4 && m.inside_address.value == s.inner_address &&
                m.inside_port == s.inner_port)
                return true;  // its inside end
            // Paired pooling: the subscriber moves to the mapping's address.
            if (mask_ipv6(m.b4, c.subscriber_prefix_length) == prefix &&
                i.pool_.index_of(m.public_address.value) != s.pool_index)
                return true;
        }
        return false;
    };
    std::vector<std::uint32_t> doomed;
    t.bindings.for_each([&](std::uint32_t id, const Binding& s) {
        if (forbidden(s)) doomed.push_back(id);
    });
    for (const std::uint32_t id : doomed) {
        const bool was_static = t.bindings[id].is_static;
        if (!was_static) {
            t.wheel.cancel(id);
            ++out.bindings_removed;
        }
        i.remove(id, RemovalReason::reconfigured, i.now_);
    }

    if (c.softwires_per_subscriber != old.softwires_per_subscriber)
        t.subscribers.set_softwires_each(c.softwires_per_subscriber);
    if (c.port_hold_seconds != old.port_hold_seconds) t.ports.set_hold(c.port_hold_seconds, c.max_bindings);
    // NAT-PMP was off at start: its tables were left empty.
    if (c.pcp_max_mappings && t.pcp.empty()) {
        t.pcp.assign(c.max_bindings, PcpMapping{});
        t.requested_count.assign(c.max_subscribers, 0);
    }
    // Shorter timeouts: the wheel must look at each binding again sooner
    // (longer ones need nothing: it asks for the due time when the slot comes).
    const auto& a = old.timeouts;
    const auto& b = c.timeouts;
    if (b.udp < a.udp || b.icmp < a.icmp || b.tcp_established < a.tcp_established ||
        b.tcp_transitory < a.tcp_transitory) {
        t.bindings.for_each([&](std::uint32_t id, const Binding& s) {
            if (s.is_static) return;
            t.wheel.cancel(id);
            t.wheel.schedule(id, std::max(i.due_of(id), i.now_ + 1));
        });
    }

    // Every mapping of the configuration without its binding: the new ones,
    // and those a removal above took away (a softwire beyond a new limit).
    for (const StaticMapping& m : c.static_mappings) {
        if (!owned(m)) continue;
        const std::uint32_t found = t.bindings.find_public(m.public_address.value, m.public_port, m.protocol);
        if (found != BindingTable::npos && t.bindings[found].is_static) continue;
        const bool is_new = listed(added, m);
        const std::uint32_t pool_index = i.pool_.index_of(m.public_address.value);
        // Its port may still be held after a binding that had it: the mapping takes it now.
        t.ports.end_hold(pool_index, m.protocol, m.public_port);
        const Ipv6Address prefix = mask_ipv6(m.b4, c.subscriber_prefix_length);
        const bool subscriber_existed = t.subscribers.find(prefix) != SubscriberTable::npos;
        const std::uint64_t blocks_before = i.counters_[Counter::port_blocks_allocated];
        i.install(m);
        const std::uint32_t id = t.bindings.find_public(m.public_address.value, m.public_port, m.protocol);
        if (id == BindingTable::npos || !t.bindings[id].is_static) {
            out.static_failed += is_new;
            // A subscriber made for it and left without a binding goes again.
            const std::uint32_t sub = t.subscribers.find(prefix);
            if (!subscriber_existed && sub != SubscriberTable::npos) {
                const auto& n = t.subscribers[sub].bindings;
                if (n[0] + n[1] + n[2] == 0) {
                    t.subscribers.erase(sub);
                    i.counters_.add(Counter::subscribers_removed);
                }
            }
            continue;
        }
        out.static_added += is_new;
        const Binding& s = t.bindings[id];
        if (!subscriber_existed && i.events_)
            i.report(i.subscriber_event(EventKind::subscriber_created, s.subscriber, i.b4_of(s)));
        if (i.binding_events()) i.report(i.binding_event(EventKind::binding_created, s, i.clock_.count()));
        // Under port blocks the block it took is the record.
        if (i.events_ && i.counters_[Counter::port_blocks_allocated] != blocks_before)
            i.report(i.block_event(EventKind::port_block_allocated, t.blocks.block_of(pool_index, m.public_port),
                                   i.clock_.count()));
    }
    return out;
}

}  // namespace dslite
