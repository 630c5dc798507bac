// SPDX-License-Identifier: BSD-2-Clause
// Engine construction, the clock, binding timers and TCP state, and the
// read-only views the control socket uses. The two packet directions live in
// b4_to_uplink.cpp and uplink_to_b4.cpp.
#include <algorithm>
#include <cstring>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "engine_impl.hpp"
#include "icmp_builder.hpp"
#include "softwire.hpp"

namespace dslite {

using namespace wire;

namespace {

enum TimeoutClass : std::uint8_t { timeout_udp, timeout_icmp, timeout_tcp_established, timeout_tcp_transitory };

std::uint32_t pool_address_count(const std::vector<Ipv4Prefix>& pools) {
    std::uint64_t n = 0;
    for (const auto& p : pools) n += p.size();
    return static_cast<std::uint32_t>(n);
}

}  // namespace

const char* binding_state_name(BindingState state) {
    switch (state) {
    case BindingState::udp: return "udp";
    case BindingState::icmp: return "icmp";
    case BindingState::syn: return "syn";
    case BindingState::established: return "established";
    case BindingState::closing: return "closing";
    case BindingState::reset: return "reset";
    }
    return "";
}

Protocol protocol_of(BindingState state) {
    if (state == BindingState::udp) return Protocol::udp;
    if (state == BindingState::icmp) return Protocol::icmp;
    return Protocol::tcp;
}

Engine::Impl::Tables::Tables(const EngineConfig& config)
    : bindings(config.max_bindings, config.seed),
      subscribers(config.max_subscribers, config.softwires_per_subscriber, config.seed),
      ports(pool_address_count(config.pools), config.port_min, config.port_max, config.port_hold_seconds,
            config.max_bindings),
      wheel(config.max_bindings),
      blocks(config, pool_address_count(config.pools)),
      remotes(config.filtering == Filtering::address_dependent ? config.max_bindings : 0),
      pcp(config.pcp_max_mappings ? config.max_bindings : 0),
      requested_count(config.pcp_max_mappings ? config.max_subscribers : 0) {}

Engine::Impl::Impl(const EngineConfig& config)
    : config_(config),
      rng_(config.seed),
      pool_(config.pools),
      tables_(config),
      ip_id_(static_cast<std::uint16_t>(rng_.next())),
      reassembly_(
          ReassemblyLimits{config.reassembly.slots, config.reassembly.per_owner, 65535, config.reassembly.timeout},
          config.seed),
      fragment_id_(static_cast<std::uint32_t>(rng_.next())),
      events_(config.event_ring ? std::make_unique<EventRing>(config.event_ring) : nullptr) {
    if (config.port_mapping == PortMapping::deterministic)  // validate() made sure it can be made
        deterministic_ = std::get<DeterministicMap>(DeterministicMap::make(config));
    for (const StaticMapping& m : config.static_mappings) install(m);
}

// validate() checked the mapping against the pool, the range, the quotas and
// the others, so only the engine's share of the ports is left to look at
// (engines side by side each install the mappings of their own slice).
void Engine::Impl::install(const StaticMapping& m) {
    const std::uint32_t pool_index = pool_.index_of(m.public_address.value);
    if (pool_index == Pool::npos || m.public_port < config_.port_min || m.public_port > config_.port_max) return;
    InnerKey key{mask_ipv6(m.b4, config_.subscriber_prefix_length),
                 SubscriberTable::npos,
                 0,
                 m.inside_address.value,
                 m.inside_port,
                 m.protocol};
    SubscriberTable& subscribers = tables_.subscribers;
    key.subscriber = subscribers.find(key.prefix);
    if (key.subscriber == SubscriberTable::npos) {
        key.subscriber = subscribers.insert(key.prefix, pool_index, config_.tunnel_mtu);
        if (key.subscriber == SubscriberTable::npos) return;
        counters_.add(Counter::subscribers_created);
    }
    key.softwire = subscribers.slot_of(key.subscriber, m.b4);
    if (key.softwire == SubscriberTable::no_softwire) key.softwire = subscribers.add_softwire(key.subscriber, m.b4, 0);
    if (key.softwire == SubscriberTable::no_softwire) return;
    // Under port blocks the mapping's block is its subscriber's while it lasts.
    const std::uint32_t block =
        tables_.blocks.enabled() ? tables_.blocks.block_of(pool_index, m.public_port) : PortBlocks::npos;
    if (tables_.blocks.enabled()) {
        if (block == PortBlocks::npos) return;
        const std::uint32_t owner = tables_.blocks[block].owner;
        if (owner == PortBlocks::npos) {
            if (tables_.ports.taken(pool_index, m.protocol, m.public_port) ||
                !tables_.blocks.take(block, key.subscriber, key.softwire))
                return;
            counters_.add(Counter::port_blocks_allocated);  // its record: report_static_mappings, reconfigure
        } else if (owner != key.subscriber) {
            return;
        }
    }
    if (!tables_.ports.take(pool_index, m.protocol, m.public_port)) return;
    Binding s{};
    s.inner_address = key.address;
    s.inner_port = key.port;
    s.proto = key.proto;
    s.public_address = m.public_address.value;
    s.public_port = m.public_port;
    s.pool_index = static_cast<std::uint16_t>(pool_index);
    s.subscriber = key.subscriber;
    s.softwire = key.softwire;
    s.is_static = true;
    s.inner_hash = tables_.bindings.inner_hash(key);
    const std::uint32_t id = tables_.bindings.insert(s);
    if (id == BindingTable::npos) return;
    ++subscribers[key.subscriber].bindings[index_of(m.protocol)];
    if (!tables_.remotes.empty()) tables_.remotes[id] = {};
    if (block != PortBlocks::npos) {
        PortBlocks::Block& b = tables_.blocks[block];
        if (b.bindings++ == 0 && b.release_at != 0) {  // a reload's mapping in a block on hold
            tables_.blocks.wheel().cancel(block);
            b.release_at = 0;
        }
    }
    counters_.add(Counter::bindings_created);
}

void Engine::Impl::advance(Time now) {
    clock_ = std::max(clock_, now);
    const std::uint32_t second = seconds(now);
    if (!started_) {
        started_ = true;
        now_ = second;
        started_at_ = second;
        tables_.wheel.start(second);
        tables_.blocks.wheel().start(second);
        report_static_mappings();
        return;
    }
    if (second <= now_) return;  // the clock never runs backwards for the tables
    now_ = second;
    counters_.add(Counter::fragment_datagrams_expired, reassembly_.expire(now_));
    tables_.wheel.advance(
        now_, [this](std::uint32_t id) { return due_of(id); }, [this](std::uint32_t id) { expire(id); });
    // After the wheel: ports of bindings that expired long ago may be free already.
    tables_.ports.advance(now_);
    // After the ports: a block goes when the hold of its last port is over.
    if (tables_.blocks.enabled())
        tables_.blocks.wheel().advance(
            now_, [this](std::uint32_t block) { return tables_.blocks[block].release_at; },
            [this](std::uint32_t block) {
                const PortBlocks::Block b = tables_.blocks[block];
                release_block(block, b.release_at);
                remove_subscriber_if_idle(b.owner, b.softwire, b.release_at);
            });
}

// The static mappings' records, once the clock is known.
void Engine::Impl::report_static_mappings() {
    if (!events_ || config_.static_mappings.empty()) return;
    std::vector<bool> reported(config_.max_subscribers);
    tables_.bindings.for_each([&](std::uint32_t, const Binding& s) {
        if (!s.is_static) return;
        if (!reported[s.subscriber]) {
            reported[s.subscriber] = true;
            report(subscriber_event(EventKind::subscriber_created, s.subscriber, b4_of(s)));
        }
        if (binding_events()) report(binding_event(EventKind::binding_created, s, clock_.count()));
    });
    // Under port blocks the mappings' blocks are the records.
    for (std::uint32_t block = 0; block < tables_.blocks.capacity(); ++block)
        if (tables_.blocks[block].owner != PortBlocks::npos)
            report(block_event(EventKind::port_block_allocated, block, clock_.count()));
}

std::uint32_t Engine::Impl::due_of(std::uint32_t id) const {
    const Binding& s = tables_.bindings[id];
    const std::uint32_t idle = s.last_seen + timeout_seconds(s) + 1;
    return s.requested ? std::max(idle, tables_.pcp[id].until) : idle;
}

std::uint32_t Engine::Impl::timeout_seconds(const Binding& s) const {
    switch (timeout_class(s)) {
    case timeout_udp: return config_.timeouts.udp;
    case timeout_icmp: return config_.timeouts.icmp;
    case timeout_tcp_established: return config_.timeouts.tcp_established;
    default: return config_.timeouts.tcp_transitory;
    }
}

std::uint8_t Engine::Impl::timeout_class(const Binding& s) const {
    switch (s.proto) {
    case Protocol::udp: return timeout_udp;
    case Protocol::icmp: return timeout_icmp;
    case Protocol::tcp: break;
    }
    return tcp_established(s.tcp) ? timeout_tcp_established : timeout_tcp_transitory;
}

void Engine::Impl::update_tcp(std::uint32_t id, Binding& s, std::uint8_t flags, bool outbound) {
    const std::uint32_t before = timeout_seconds(s);
    std::uint8_t seen = s.tcp;
    if (flags & tcp::rst) {
        seen |= tcp_rst;  // RFC 7857 2.2: kept for the transitory time, not removed
    } else if (flags & tcp::syn) {
        // A SYN after a reset or a full close starts a new connection on the binding.
        if (tcp_closed(seen)) seen = 0;
        seen |= outbound ? tcp_syn_out : tcp_syn_in;
    }
    if (flags & tcp::fin) seen |= outbound ? tcp_fin_out : tcp_fin_in;
    if (seen == s.tcp) return;
    tables_.bindings.set_tcp(id, seen);
    if (s.is_static) return;  // never in the wheel
    // Lengthening needs nothing (the wheel asks again when the slot comes);
    // shortening must move the binding to the earlier slot.
    if (timeout_seconds(s) < before) {
        tables_.wheel.cancel(id);
        tables_.wheel.schedule(id, now_ + timeout_seconds(s) + 1);
    }
}

void Engine::Impl::remember_remote(std::uint32_t id, Binding& s, std::uint32_t remote) {
    auto& list = tables_.remotes[id];
    if (std::find(list.begin(), list.end(), remote) != list.end()) return;
    list[s.adf_next] = remote;
    s.adf_next = static_cast<std::uint8_t>((s.adf_next + 1) % kRemembered);
}

bool Engine::Impl::remote_allowed(std::uint32_t id, std::uint32_t remote) const {
    const auto& list = tables_.remotes[id];
    return remote != 0 && std::find(list.begin(), list.end(), remote) != list.end();
}

void Engine::Impl::expire(std::uint32_t id) {
    const Binding& s = tables_.bindings[id];
    // The hold runs from when the binding expired, which may be before the
    // engine noticed (a replay's idle gap).
    const std::uint32_t expired_at = std::min(now_, due_of(id));
    const bool closed = s.proto == Protocol::tcp && tcp_closed(s.tcp);
    remove(id, closed ? RemovalReason::tcp_closed : RemovalReason::timeout, expired_at);
    counters_.add(Counter::bindings_expired);
}

void Engine::Impl::remove(std::uint32_t id, RemovalReason reason, std::uint32_t second) {
    const Binding& s = tables_.bindings[id];
    Subscriber& sub = tables_.subscribers[s.subscriber];
    --sub.bindings[index_of(s.proto)];
    if (s.requested) --tables_.requested_count[s.subscriber];
    if (!tables_.pcp.empty()) tables_.pcp[id] = {};
    if (!tables_.ports.release(s.pool_index, s.proto, s.public_port, second))
        counters_.add(Counter::port_hold_overflow);
    if (binding_events()) {
        Event e = binding_event(EventKind::binding_removed, s, at_second(second));
        e.reason = reason;
        report(e);
    }
    const std::uint32_t subscriber = s.subscriber;
    const std::uint8_t softwire = s.softwire;
    const std::uint32_t block =
        tables_.blocks.enabled() ? tables_.blocks.block_of(s.pool_index, s.public_port) : PortBlocks::npos;
    tables_.bindings.erase(id);
    if (block != PortBlocks::npos) block_binding_removed(block, second);
    remove_subscriber_if_idle(subscriber, softwire, second);
}

void Engine::Impl::remove_subscriber_if_idle(std::uint32_t subscriber, std::uint8_t softwire, std::uint32_t second) {
    const Subscriber& sub = tables_.subscribers[subscriber];
    if (sub.bindings[0] + sub.bindings[1] + sub.bindings[2] != 0) return;
    if (tables_.blocks.enabled() && !tables_.blocks.held_by(subscriber).empty()) return;
    if (events_) {
        Event e =
            subscriber_event(EventKind::subscriber_removed, subscriber, tables_.subscribers.b4(subscriber, softwire));
        e.time_us = at_second(second);
        report(e);
    }
    tables_.subscribers.erase(subscriber);
    counters_.add(Counter::subscribers_removed);
}

void Engine::Impl::block_binding_removed(std::uint32_t block, std::uint32_t second) {
    PortBlocks::Block& b = tables_.blocks[block];
    if (--b.bindings != 0) return;
    if (config_.port_hold_seconds == 0) return release_block(block, second);
    b.release_at = second + config_.port_hold_seconds;
    tables_.blocks.wheel().schedule(block, b.release_at);
}

void Engine::Impl::release_block(std::uint32_t block, std::uint32_t second) {
    if (events_) report(block_event(EventKind::port_block_released, block, at_second(second)));
    tables_.blocks.release(block);
    counters_.add(Counter::port_blocks_released);
}

Event Engine::Impl::block_event(EventKind kind, std::uint32_t block, std::int64_t time_us) const {
    const PortBlocks::Block& b = tables_.blocks[block];
    Event e = subscriber_event(kind, b.owner, tables_.subscribers.b4(b.owner, b.softwire));
    e.time_us = time_us;
    e.public_port = tables_.blocks.first_port(block);
    e.public_port_last = tables_.blocks.last_port(block);
    return e;
}

Event Engine::Impl::binding_event(EventKind kind, const Binding& s, std::int64_t time_us) const {
    Event e;
    e.time_us = time_us;
    e.kind = kind;
    e.b4 = b4_of(s);
    e.subscriber = tables_.subscribers[s.subscriber].prefix;
    e.subscriber_length = config_.subscriber_prefix_length;
    e.protocol = s.proto;
    e.inside_address = Ipv4Address{s.inner_address};
    e.inside_port = s.inner_port;
    e.public_address = Ipv4Address{s.public_address};
    e.public_port = s.public_port;
    return e;
}

Event Engine::Impl::subscriber_event(EventKind kind, std::uint32_t subscriber, const Ipv6Address& b4) const {
    const Subscriber& sub = tables_.subscribers[subscriber];
    Event e;
    e.time_us = clock_.count();
    e.kind = kind;
    e.b4 = b4;
    e.subscriber = sub.prefix;
    e.subscriber_length = config_.subscriber_prefix_length;
    e.public_address = Ipv4Address{pool_.address_at(sub.pool_index)};
    return e;
}

void Engine::Impl::report_refusal(Counter why, InnerKey key, const Ipv6Address& b4, const Transport& t) {
    if (!events_) return;
    Event e;
    e.time_us = clock_.count();
    e.b4 = b4;
    e.subscriber = key.prefix;
    e.subscriber_length = config_.subscriber_prefix_length;
    e.protocol = t.proto;
    e.inside_address = Ipv4Address{key.address};
    e.inside_port = key.port;
    if (key.subscriber != SubscriberTable::npos)
        e.public_address = Ipv4Address{pool_.address_at(tables_.subscribers[key.subscriber].pool_index)};
    std::size_t engine_wide = 0;
    switch (why) {
    case Counter::drop_quota_exhausted:
    case Counter::drop_port_blocks_full: {
        e.kind = EventKind::quota_exhausted;
        Subscriber& sub = tables_.subscribers[key.subscriber];
        const auto stamp = static_cast<std::uint16_t>(now_ + 1);
        if (sub.quota_reported == stamp) return;
        sub.quota_reported = stamp;
        return report(e);
    }
    case Counter::drop_pool_exhausted: e.kind = EventKind::pool_exhausted; break;
    case Counter::drop_binding_table_full:
        e.kind = EventKind::binding_table_full;
        engine_wide = 1;
        break;
    case Counter::drop_subscriber_table_full:
        e.kind = EventKind::subscriber_table_full;
        engine_wide = 2;
        break;
    default: return;  // the rate limit is no exhaustion
    }
    if (exhaustion_reported_[engine_wide] == now_ + 1) return;
    exhaustion_reported_[engine_wide] = now_ + 1;
    report(e);
}

bool Engine::Impl::b4_allowed(const Ipv6Address& b4) const { return dslite::b4_allowed(config_, b4); }

bool Engine::Impl::inner_source_allowed(std::uint32_t a) const { return dslite::inner_source_allowed(config_, a); }

// ---- public face -------------------------------------------------------

Engine::Engine(const EngineConfig& config) : impl_(std::make_unique<Impl>(config)) {}
Engine::~Engine() = default;
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&&) noexcept = default;

Verdict Engine::from_b4(Packet& packet, Time now, Emitter& emitter) { return impl_->from_b4(packet, now, emitter); }
Verdict Engine::from_uplink(Packet& packet, Time now, Emitter& emitter) {
    return impl_->from_uplink(packet, now, emitter);
}
void Engine::advance(Time now) { impl_->advance(now); }

std::size_t Engine::shutdown(Time now, std::size_t at_most) {
    Impl& i = *impl_;
    i.advance(now);
    BindingTable& bindings = i.tables_.bindings;
    std::size_t removed = 0;
    while (removed < at_most && bindings.size() != 0) {
        if (i.shutdown_cursor_ >= bindings.capacity()) i.shutdown_cursor_ = 0;
        const std::uint32_t id = i.shutdown_cursor_++;
        if (!bindings.in_use(id)) continue;
        i.tables_.wheel.cancel(id);
        i.remove(id, RemovalReason::shutdown, i.now_);
        ++removed;
    }
    // Then the port blocks, waiting for their hold: their release records
    // close the log of every port in them.
    PortBlocks& blocks = i.tables_.blocks;
    while (removed < at_most && bindings.size() == 0 && blocks.in_use() != 0) {
        if (i.shutdown_block_cursor_ >= blocks.capacity()) i.shutdown_block_cursor_ = 0;
        const std::uint32_t block = i.shutdown_block_cursor_++;
        const PortBlocks::Block b = blocks[block];
        if (b.owner == PortBlocks::npos) continue;
        blocks.wheel().cancel(block);
        i.release_block(block, i.now_);
        i.remove_subscriber_if_idle(b.owner, b.softwire, i.now_);
        ++removed;
    }
    return bindings.size() + blocks.in_use();
}

EventRing* Engine::events() { return impl_->events_.get(); }
const DeterministicMap* Engine::deterministic() const {
    return impl_->deterministic_ ? &*impl_->deterministic_ : nullptr;
}
const Counters& Engine::counters() const { return impl_->counters_; }
const EngineConfig& Engine::config() const { return impl_->config_; }
std::size_t Engine::binding_count() const { return impl_->tables_.bindings.size(); }
std::size_t Engine::subscriber_count() const { return impl_->tables_.subscribers.size(); }

std::size_t Engine::memory_bytes() const {
    const Impl& i = *impl_;
    return i.tables_.bindings.memory_bytes() + i.tables_.subscribers.memory_bytes() + i.tables_.ports.memory_bytes() +
           i.tables_.wheel.memory_bytes() + i.tables_.blocks.memory_bytes() +
           i.tables_.remotes.size() * sizeof(i.tables_.remotes[0]) + i.tables_.pcp.size() * sizeof(PcpMapping) +
           i.tables_.requested_count.size() * sizeof(std::uint16_t) + i.reassembly_.memory_bytes() +
           (i.events_ ? i.events_->capacity() * sizeof(Event) : 0);
}

Occupancy Engine::occupancy() const {
    const Impl& i = *impl_;
    Occupancy o;
    o.bindings = i.tables_.bindings.census();
    o.bindings_capacity = i.tables_.bindings.capacity();
    o.subscribers_capacity = i.tables_.subscribers.capacity();
    o.reassembly = i.reassembly_.in_progress();
    o.reassembly_capacity = i.reassembly_.capacity();
    if (i.events_) {
        o.events = i.events_->size();
        o.events_capacity = i.events_->capacity();
    }
    return o;
}

void Engine::for_each_pool_address(const std::function<void(const PoolAddressUse&)>& visit) const {
    const Impl& i = *impl_;
    const PortAllocator& ports = i.tables_.ports;
    for (std::uint32_t a = 0; a < i.pool_.size(); ++a) {
        PoolAddressUse use{Ipv4Address{i.pool_.address_at(a)}};
        bool any = false;
        for (const Protocol p : {Protocol::tcp, Protocol::udp, Protocol::icmp}) {
            use.ports[index_of(p)] = ports.range_size() - ports.free_count(a, p);
            any = any || use.ports[index_of(p)] != 0;
        }
        if (any) visit(use);
    }
}

std::uint32_t Engine::ports_per_address() const { return impl_->tables_.ports.range_size(); }

namespace {

// The end of the piece [from, from + slots) of a table, without overflow.
std::uint32_t piece_end(std::uint32_t from, std::uint32_t slots, std::uint32_t capacity) {
    return from >= capacity ? capacity : from + std::min(slots, capacity - from);
}

}  // namespace

void Engine::for_each_binding(const std::function<void(const BindingInfo&)>& visit) const {
    for_each_binding(0, impl_->tables_.bindings.capacity(), visit);
}

std::optional<std::uint32_t> Engine::for_each_binding(std::uint32_t from, std::uint32_t slots,
                                                      const std::function<void(const BindingInfo&)>& visit) const {
    const Impl& i = *impl_;
    const BindingTable& table = i.tables_.bindings;
    const std::uint32_t to = piece_end(from, slots, table.capacity());
    table.for_each_in(from, to, [&](std::uint32_t id, const Binding& s) {
        const std::uint32_t idle = i.now_ - std::min(i.now_, s.last_seen);
        // Removed in the second after it is due: the time left until then.
        const std::uint32_t due = i.due_of(id) - 1;
        visit(BindingInfo{i.b4_of(s), Ipv4Address{s.inner_address}, s.inner_port, s.proto,
                          Ipv4Address{s.public_address}, s.public_port, binding_state_name(state_of(s)), idle,
                          s.is_static || due <= i.now_ ? 0 : due - i.now_, s.is_static, s.requested});
    });
    if (to == table.capacity()) return std::nullopt;
    return to;
}

void Engine::for_each_subscriber(const std::function<void(const SubscriberInfo&)>& visit) const {
    for_each_subscriber(0, impl_->tables_.subscribers.capacity(), visit);
}

std::optional<std::uint32_t> Engine::for_each_subscriber(
    std::uint32_t from, std::uint32_t slots, const std::function<void(const SubscriberInfo&)>& visit) const {
    const Impl& i = *impl_;
    const SubscriberTable& table = i.tables_.subscribers;
    const std::uint32_t to = piece_end(from, slots, table.capacity());
    table.for_each_in(from, to, [&](std::uint32_t id, const Subscriber& s) {
        const auto pps = table.traffic(id).last_second(i.now_);
        SubscriberInfo info{Ipv6Prefix{s.prefix, i.config_.subscriber_prefix_length},
                            Ipv4Address{i.pool_.address_at(s.pool_index)},
                            s.bindings[0],
                            s.bindings[1],
                            s.bindings[2],
                            pps[Traffic::from_b4],
                            pps[Traffic::to_b4]};
        for (std::uint8_t slot = 0; slot < s.softwire_count; ++slot) info.softwires.push_back(table.b4(id, slot));
        visit(info);
    });
    if (to == table.capacity()) return std::nullopt;
    return to;
}

void Engine::for_each_port_block(const std::function<void(const PortBlockInfo&)>& visit) const {
    const Impl& i = *impl_;
    const PortBlocks& blocks = i.tables_.blocks;
    for (std::uint32_t id = 0; id < blocks.capacity() && blocks.in_use() != 0; ++id) {
        const PortBlocks::Block& b = blocks[id];
        if (b.owner == PortBlocks::npos) continue;
        const Subscriber& sub = i.tables_.subscribers[b.owner];
        visit(PortBlockInfo{Ipv6Prefix{sub.prefix, i.config_.subscriber_prefix_length},
                            i.tables_.subscribers.b4(b.owner, b.softwire),
                            Ipv4Address{i.pool_.address_at(blocks.address_of(id))}, blocks.first_port(id),
                            blocks.last_port(id), b.bindings, b.release_at > i.now_ ? b.release_at - i.now_ : 0});
    }
}

}  // namespace dslite
