// SPDX-License-Identifier: BSD-2-Clause
#include "harness.hpp"

#include <sanitizer/common_interface_defs.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "dslite/engine.hpp"
#include "dslite/events.hpp"
#include "dslite/wire.hpp"
#include "packet_edits.hpp"
#include "support/topology.hpp"

namespace dslite::fuzz {

namespace w = wire;
using Bytes = std::vector<std::uint8_t>;

namespace {

Ipv4Prefix v4_prefix(const char* text) { return *parse_ipv4_prefix(text); }
Ipv6Prefix v6_prefix(const char* text) { return *parse_ipv6_prefix(text); }

enum class LaneKind { base, adf, port_blocks, deterministic };

// Small tables, pool and quotas so that every exhaustion path is a few
// packets away: 16 subscribers x 4 ports > 5 addresses x 8 ports, and 48
// bindings < 16 subscribers x 10 bindings. The AFTR address and pools match
// captures/, whose packets seed the corpus. The port-block engine has 5 x 4
// blocks of 64 for 16 subscribers of 2 blocks each; the deterministic one
// maps the 8 /56s of two /54s onto 5 addresses x 2 ranges of 4 ports.
EngineConfig make_config(LaneKind kind) {
    const bool adf = kind == LaneKind::adf;
    EngineConfig c;
    c.aftr_address = test::net::aftr;
    c.pools = {Ipv4Prefix{test::net::pool, 32}, v4_prefix("198.51.100.8/30")};
    c.port_min = 40000;
    c.port_max = 40007;
    c.port_hold_seconds = adf ? 0 : 2;
    c.quota = Quota{.tcp = 4, .udp = 4, .icmp = 2};
    c.max_bindings = 48;
    c.max_subscribers = 16;
    // 8 reassembly slots, 4 per owner: the limits are a few fragments away,
    // and each engine made costs 512 KiB of buffers, not 4 MiB.
    c.reassembly.slots = 8;
    c.reassembly.per_owner = 4;
    if (adf) {
        c.filtering = Filtering::address_dependent;
        c.b4_prefixes = {v6_prefix("2001:db8::/32")};
        c.subscriber_prefix_length = 64;
        c.extra_inner_prefixes = {v4_prefix("100.64.0.0/10")};
        // A static mapping and a no-nat prefix of the captures' B4s, so the
        // fuzzer reaches both paths (and packets to B4s that never sent).
        c.static_mappings = {
            StaticMapping{Protocol::udp, test::net::b4_a, test::v4("192.168.1.10"), 5060, test::net::pool, 40007}};
        c.no_nat = {NoNat{test::net::b4_b, v4_prefix("192.0.2.0/28")}};
        // PCP's THIRD_PARTY from the seeds' host, and ANNOUNCEs to new softwires.
        c.pcp_third_party = {v4_prefix("10.0.0.2/32")};
        c.pcp_announce = 3600;
    }
    if (kind == LaneKind::port_blocks) {
        c.port_max = 40255;
        c.port_block_size = 64;
        c.quota = Quota{.tcp = 70, .udp = 70, .icmp = 2};
        // A static mapping holds its block from the start (check_ports sees it there).
        c.static_mappings = {
            StaticMapping{Protocol::udp, test::net::b4_a, test::v4("192.168.1.10"), 5060, test::net::pool, 40007}};
    }
    if (kind == LaneKind::deterministic) {
        c.port_mapping = PortMapping::deterministic;
        c.b4_prefixes = {v6_prefix("2001:db8:a::/54"), v6_prefix("2001:db8:b::/54")};
    }
    if (auto problem = validate(c)) {
        std::fprintf(stderr, "dslite-fuzz: own configuration refused: %s\n", problem->c_str());
        std::abort();
    }
    return c;
}

// A hashed set: an ordered one compares addresses with memcmp, which the
// fuzzer intercepts, several times per packet.
struct AddressHash {
    std::size_t operator()(const Ipv6Address& a) const {
        std::uint64_t high, low;
        std::memcpy(&high, a.data(), 8);
        std::memcpy(&low, a.data() + 8, 8);
        return static_cast<std::size_t>((high * 0x9e3779b97f4a7c15ULL) ^ low);
    }
};

struct Lane {
    EngineConfig config;
    std::optional<Engine> engine;
    std::optional<Engine> reference;  // burst target: the same packets one at a time
    Time now{0};
    // The inputs since `engine` was made, as they are written out: a 32-bit
    // length and the input each, in one buffer that keeps its capacity (a
    // heap allocation per input is most of a sanitized run's time).
    Bytes history;
    std::size_t history_inputs = 0;
    std::unordered_set<Ipv6Address, AddressHash> b4s;  // every source that sent from the B4 side
    std::vector<BindingInfo> bindings;
};

struct State {
    Target target = Target::b4;
    std::array<Lane, 4> lanes;  // by LaneKind
    Lane* current = nullptr;
    bool fresh = false;  // a new engine for every input (replaying a saved failure)
    bool replaying_history = false;
    const char* history_path = nullptr;
    std::vector<std::unique_ptr<PacketBuffer>> buffers;  // [0, 64) engine, [64, 128) reference
    std::unique_ptr<PacketBuffer> reply;
};

State& state() {
    static State s;
    return s;
}

// The inputs since the engine was made, as one input that replays them
// (selector bit 7, then 32-bit length + input for each).
void write_history() {
    State& s = state();
    if (!s.current || !s.history_path || s.replaying_history || s.fresh) return;
    std::FILE* f = std::fopen(s.history_path, "wb");
    if (!f) return;
    std::fputc(kSelectorHistory, f);
    std::fwrite(s.current->history.data(), 1, s.current->history.size(), f);
    std::fclose(f);
    std::fprintf(stderr,
                 "dslite-fuzz: the %zu inputs since the engine was made are in %s; "
                 "replay it with DSLITE_FUZZ_FRESH=1\n",
                 s.current->history_inputs, s.history_path);
}

void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "dslite-fuzz: invariant broken: %s\n", what);
    write_history();
    __builtin_trap();
}

void initialise(Target target) {
    State& s = state();
    if (!s.buffers.empty()) return;
    s.target = target;
    s.fresh = std::getenv("DSLITE_FUZZ_FRESH") != nullptr;
    s.history_path = std::getenv("DSLITE_FUZZ_HISTORY");
    for (int i = 0; i < 128; ++i) s.buffers.push_back(std::make_unique<PacketBuffer>());
    s.reply = std::make_unique<PacketBuffer>();
    for (const LaneKind kind : {LaneKind::base, LaneKind::adf, LaneKind::port_blocks, LaneKind::deterministic})
        s.lanes[static_cast<std::size_t>(kind)].config = make_config(kind);
    __sanitizer_set_death_callback(write_history);
}

void reset(Lane& lane) {
    lane.engine.emplace(lane.config);
    if (state().target == Target::burst) lane.reference.emplace(lane.config);
    lane.now = Time{0};
    lane.history.clear();
    lane.history_inputs = 0;
    lane.b4s.clear();
    // The engine may send to these before they ever sent.
    for (const StaticMapping& m : lane.config.static_mappings) lane.b4s.insert(m.b4);
    for (const NoNat& route : lane.config.no_nat) lane.b4s.insert(route.b4);
}

// --- checks on what the engine hands back ----------------------------------

void check_to_b4(const Lane& lane, std::span<const std::uint8_t> p) {
    require(p.size() >= w::ipv6::header_size, "packet to a B4 is shorter than an IPv6 header");
    require(p[0] >> 4 == 6, "packet to a B4 is not IPv6");
    require(w::load16(&p[w::ipv6::payload_length]) == p.size() - w::ipv6::header_size,
            "packet to a B4: IPv6 payload length is not the bytes after the header");
    Ipv6Address source, destination;
    std::memcpy(source.data(), &p[w::ipv6::source], 16);
    std::memcpy(destination.data(), &p[w::ipv6::destination], 16);
    require(source == lane.config.aftr_address, "packet to a B4 does not come from the AFTR address");
    require(lane.b4s.contains(destination), "packet to a B4 goes to an address that never sent from the B4 side");
}

void check_to_uplink(std::span<const std::uint8_t> p) {
    require(valid_ipv4(p), "packet to the uplink: not IPv4, wrong IHL or total length, or bad header checksum");
}

// A pool address, or a --no-nat prefix's own (routed untranslated).
bool from_pool(const Lane& lane, std::span<const std::uint8_t> p) {
    const Ipv4Address source{w::load32(&p[w::ipv4::source])};
    return std::any_of(lane.config.pools.begin(), lane.config.pools.end(),
                       [&](const Ipv4Prefix& pool) { return pool.contains(source); }) ||
           std::any_of(lane.config.no_nat.begin(), lane.config.no_nat.end(),
                       [&](const NoNat& route) { return route.prefix.contains(source); });
}

struct Emitted {
    Side side;
    Bytes bytes;
    friend bool operator==(const Emitted&, const Emitted&) = default;
};

class CheckingEmitter final : public Emitter {
public:
    explicit CheckingEmitter(const Lane& lane) : lane_(lane) {}
    void emit(Side to, std::span<const std::uint8_t> packet) override {
        if (to == Side::b4) {
            check_to_b4(lane_, packet);
        } else {
            check_to_uplink(packet);
        }
        packets.push_back({to, Bytes(packet.begin(), packet.end())});
    }
    std::vector<Emitted> packets;

private:
    const Lane& lane_;
};

// What must be true of a verdict and the rewritten packet. `l4_ok_before`:
// the TCP/UDP/ICMP checksum of the IPv4 packet handed in verified.
void check_verdict(const Lane& lane, Side from, Verdict verdict, const Packet& packet,
                   std::optional<bool> l4_ok_before) {
    const auto bytes = packet.bytes();
    if (verdict == Verdict::drop) return;
    if (verdict == Verdict::to_b4) {
        check_to_b4(lane, bytes);
    } else {
        check_to_uplink(bytes);
        require(from == Side::uplink || from_pool(lane, bytes), "translated packet's source is not a pool address");
    }
    if (l4_ok_before == true) {
        require(l4_checksum_ok(bytes) != false, "TCP/UDP/ICMP checksum right before translation, wrong after");
    }
}

// Under port blocks every binding's port lies in a block of its own
// subscriber, and no two blocks overlap; under deterministic mapping in the
// formula's range of its subscriber.
void check_ports(const Lane& lane) {
    const Engine& engine = *lane.engine;
    const std::uint8_t length = lane.config.subscriber_prefix_length;
    if (lane.config.port_block_size) {
        static std::vector<PortBlockInfo> blocks;
        blocks.clear();
        std::uint64_t in_blocks = 0;
        engine.for_each_port_block([&](const PortBlockInfo& b) {
            in_blocks += b.bindings;
            require(b.last - b.first + 1 == lane.config.port_block_size &&
                        (b.first - lane.config.port_min) % lane.config.port_block_size == 0,
                    "a port block is not an aligned block of the configured size");
            for (const PortBlockInfo& other : blocks)
                require(other.public_address != b.public_address || other.first != b.first,
                        "two port blocks hold the same ports");
            blocks.push_back(b);
        });
        engine.for_each_binding([&](const BindingInfo& s) {
            const auto holding = std::count_if(blocks.begin(), blocks.end(), [&](const PortBlockInfo& b) {
                return b.public_address == s.public_address && s.public_port >= b.first && s.public_port <= b.last &&
                       b.subscriber.address == mask_ipv6(s.b4, length);
            });
            require(holding == 1, "a binding's port is in no block of its subscriber");
        });
        require(in_blocks == engine.binding_count(), "the blocks' binding counts do not add up to the bindings");
    }
    if (const DeterministicMap* map = engine.deterministic()) {
        engine.for_each_binding([&](const BindingInfo& s) {
            const auto number = map->number_of(mask_ipv6(s.b4, length));
            require(number.has_value(), "a deterministic binding of a B4 outside every --b4-prefix");
            const auto range = map->range_of(*number);
            require(range.address == s.public_address && s.public_port >= range.first && s.public_port <= range.last,
                    "a deterministic binding outside its subscriber's range");
        });
    }
}

void check_after_input(const Lane& lane) {
    const Engine& engine = *lane.engine;
    const Counters& counters = engine.counters();
    std::uint64_t in = counters[Counter::in_b4_packets] + counters[Counter::in_uplink_packets];
    std::uint64_t out = 0;
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        if (is_disposition(c)) out += counters[c];
    }
    require(in == out, "counters: in_b4 + in_uplink != sum(out_*) + sum(drop_*) + sum(held_*)");
    require(engine.binding_count() <= lane.config.max_bindings, "more bindings than max_bindings");
    require(engine.subscriber_count() <= lane.config.max_subscribers, "more subscribers than max_subscribers");
    check_ports(lane);
    if (lane.reference) {
        require(counters.values() == lane.reference->counters().values(),
                "burst and one-at-a-time engines count differently");
        require(engine.binding_count() == lane.reference->binding_count(),
                "burst and one-at-a-time engines hold different binding counts");
    }
}

// Every event names a B4 that sent and, when it has one, a pool address; a
// removal says why and nothing else does; the burst engine reports what the
// one-at-a-time engine does, in the same order.
void check_events(Lane& lane) {
    static std::vector<Event> events(1024), reference(1024);
    EventRing* ring = lane.engine->events();
    EventRing* other = lane.reference ? lane.reference->events() : nullptr;
    for (;;) {
        const std::size_t n = ring->pop(events);
        if (other) {
            const std::size_t m = other->pop(std::span(reference).first(n));
            require(m == n && std::memcmp(events.data(), reference.data(), n * sizeof(Event)) == 0 &&
                        (n != 0 || other->size() == 0),
                    "burst and one-at-a-time engines report different events");
        }
        if (n == 0) return;
        for (const Event& e : std::span(events).first(n)) {
            require(lane.b4s.contains(e.b4), "an event names a B4 that never sent");
            require(e.public_address.value == 0 ||
                        std::any_of(lane.config.pools.begin(), lane.config.pools.end(),
                                    [&](const Ipv4Prefix& pool) { return pool.contains(e.public_address); }),
                    "an event's public address is not a pool address");
            require((e.kind == EventKind::binding_removed) == (e.reason != RemovalReason::none),
                    "a removal without a reason, or a reason without a removal");
            const bool block = e.kind == EventKind::port_block_allocated || e.kind == EventKind::port_block_released;
            require(!block || (lane.config.port_block_size &&
                               e.public_port_last - e.public_port + 1 == lane.config.port_block_size),
                    "a port block event without port blocks, or of the wrong size");
            require(!lane.config.port_block_size ||
                        (e.kind != EventKind::binding_created && e.kind != EventKind::binding_removed),
                    "a binding event under port blocks");
            require(e.subscriber_length == lane.config.subscriber_prefix_length &&
                        e.subscriber == mask_ipv6(e.subscriber, e.subscriber_length),
                    "an event's subscriber is not a prefix of the configured length");
        }
    }
}

// --- records and the edits that make them reach the bindings --------------

struct Record {
    std::uint8_t ctl;
    std::span<const std::uint8_t> bytes;
    Side side(Target target) const {
        const Side own = target == Target::uplink ? Side::uplink : Side::b4;
        const Side other = own == Side::b4 ? Side::uplink : Side::b4;
        return ctl & kCtlOtherSide ? other : own;
    }
    Time step() const { return kTimeSteps[ctl >> kCtlTimeShift]; }
};

void split_records(std::span<const std::uint8_t> body, std::vector<Record>& records) {
    records.clear();
    while (!body.empty()) {
        const std::uint8_t ctl = body[0];
        const std::size_t length = body.size() >= 3 ? w::load16(&body[1]) : 0;
        body = body.subspan(std::min<std::size_t>(3, body.size()));
        const std::size_t take = std::min(length, body.size());
        records.push_back({ctl, body.first(take)});
        body = body.subspan(take);
    }
}

// Copies the record into `buffer` and applies the edits its ctl asks for.
Packet prepare(Lane& lane, const Record& record, Side side, PacketBuffer& buffer) {
    Packet packet = buffer.holding(record.bytes);
    std::span<std::uint8_t> p = packet.bytes();
    if ((record.ctl & kCtlAim) && !lane.bindings.empty()) {
        // Which binding: the last byte, so the fuzzer can choose.
        const std::uint8_t pick = p.empty() ? 0 : p.back();
        const BindingInfo& binding = lane.bindings[pick % lane.bindings.size()];
        side == Side::b4 ? aim_from_b4(p, binding, lane.config.aftr_address) : aim_from_uplink(p, binding);
    }
    if (record.ctl & kCtlFix) side == Side::b4 ? fix_ipv6(p) : fix_ipv4(p);
    if (side == Side::b4 && p.size() >= w::ipv6::source + 16) {
        Ipv6Address source;
        std::memcpy(source.data(), &p[w::ipv6::source], 16);
        lane.b4s.insert(source);
    }
    return packet;
}

void refresh_bindings(Lane& lane) {
    lane.bindings.clear();
    lane.engine->for_each_binding([&](const BindingInfo& s) { lane.bindings.push_back(s); });
}

Verdict call(Engine& engine, Side side, Packet& packet, Time now, Emitter& emitter) {
    return side == Side::b4 ? engine.from_b4(packet, now, emitter) : engine.from_uplink(packet, now, emitter);
}

// A server's answer to what went to the uplink, from the uplink.
void answer(Lane& lane, std::span<const std::uint8_t> sent) {
    State& s = state();
    Packet reply = s.reply->holding(sent);
    if (!make_reply(reply.bytes())) return;
    CheckingEmitter emitter(lane);
    const auto l4_ok = l4_checksum_ok(reply.bytes());
    const Verdict verdict = lane.engine->from_uplink(reply, lane.now, emitter);
    check_verdict(lane, Side::uplink, verdict, reply, l4_ok);
}

void run_single(Lane& lane, const std::vector<Record>& records) {
    State& s = state();
    for (const Record& record : records) {
        lane.now += record.step();
        const Side side = record.side(s.target);
        if (record.ctl & kCtlAim) refresh_bindings(lane);
        Packet packet = prepare(lane, record, side, *s.buffers[0]);
        const auto l4_ok = l4_checksum_ok(packet.bytes());
        CheckingEmitter emitter(lane);
        const Verdict verdict = call(*lane.engine, side, packet, lane.now, emitter);
        check_verdict(lane, side, verdict, packet, l4_ok);
        if ((record.ctl & kCtlReflect) && verdict == Verdict::to_uplink) answer(lane, packet.bytes());
    }
}

// Packets of one burst, kept with their capacity from burst to burst (a heap
// allocation per packet was a tenth of a run).
class Batch {
public:
    void clear() {
        size_ = 0;
        wanted_.clear();
    }
    void push(std::span<const std::uint8_t> bytes, bool answer_wanted = false) {
        if (size_ == bytes_.size()) bytes_.emplace_back();
        bytes_[size_++].assign(bytes.begin(), bytes.end());
        wanted_.push_back(answer_wanted);
    }
    std::size_t size() const { return size_; }
    std::span<std::uint8_t> operator[](std::size_t i) { return bytes_[i]; }
    std::span<const std::uint8_t> operator[](std::size_t i) const { return bytes_[i]; }
    bool answer_wanted(std::size_t i) const { return wanted_[i]; }

private:
    std::vector<Bytes> bytes_;
    std::size_t size_ = 0;
    std::vector<bool> wanted_;
};

// Feeds `packets` as one burst to the engine and one at a time to the
// reference, and compares verdicts, packets and what both emitted. Puts the
// packets translated to the uplink whose record asked for an answer in
// `to_answer`.
void run_burst(Lane& lane, Side side, const Batch& packets, Batch& to_answer) {
    State& s = state();
    const std::size_t n = packets.size();
    std::array<Packet, 64> burst, single;
    std::array<std::optional<bool>, 64> l4_ok;
    std::array<Verdict, 64> verdicts;
    for (std::size_t i = 0; i < n; ++i) {
        burst[i] = s.buffers[i]->holding(packets[i]);
        single[i] = s.buffers[64 + i]->holding(packets[i]);
        l4_ok[i] = l4_checksum_ok(packets[i]);
        verdicts[i] = Verdict::drop;
    }
    CheckingEmitter burst_emitter(lane), single_emitter(lane);
    if (side == Side::b4) {
        lane.engine->from_b4(std::span(burst).first(n), std::span(verdicts).first(n), lane.now, burst_emitter);
    } else {
        lane.engine->from_uplink(std::span(burst).first(n), std::span(verdicts).first(n), lane.now, burst_emitter);
    }
    to_answer.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const Verdict verdict = call(*lane.reference, side, single[i], lane.now, single_emitter);
        require(verdict == verdicts[i], "burst and one-at-a-time verdicts differ");
        check_verdict(lane, side, verdicts[i], burst[i], l4_ok[i]);
        if (verdict == Verdict::drop) continue;
        require(std::ranges::equal(burst[i].bytes(), single[i].bytes()), "burst and one-at-a-time packets differ");
        if (verdict == Verdict::to_uplink && packets.answer_wanted(i)) to_answer.push(burst[i].bytes());
    }
    require(burst_emitter.packets == single_emitter.packets, "burst and one-at-a-time engines emit differently");
}

void run_bursts(Lane& lane, const std::vector<Record>& records, std::size_t burst_size) {
    State& s = state();
    static Batch packets, sent, answers;
    std::size_t i = 0;
    while (i < records.size()) {
        const Side side = records[i].side(s.target);
        lane.now += records[i].step();
        packets.clear();
        bool bindings_fresh = false;
        while (i < records.size() && packets.size() < burst_size && records[i].side(s.target) == side) {
            const Record& record = records[i++];
            if ((record.ctl & kCtlAim) && !bindings_fresh) {
                refresh_bindings(lane);
                bindings_fresh = true;
            }
            const Packet packet = prepare(lane, record, side, *s.buffers[0]);
            packets.push(packet.bytes(), record.ctl & kCtlReflect);
        }
        run_burst(lane, side, packets, sent);

        // Answers go in as the next burst, from the uplink, at the same time.
        answers.clear();
        for (std::size_t k = 0; k < sent.size(); ++k) {
            if (make_reply(sent[k])) answers.push(sent[k]);
        }
        if (answers.size() != 0) run_burst(lane, Side::uplink, answers, sent);
    }
}

void run_one(std::span<const std::uint8_t> input) {
    State& s = state();
    if (input.empty()) return;
    const std::uint8_t selector = input[0];
    const unsigned mode = (selector >> kSelectorModeShift) & 3;
    Lane& lane = s.lanes[mode == 1 ? 2 : mode == 2 ? 3 : selector & kSelectorAdf];
    s.current = &lane;
    if (!lane.engine || s.fresh || lane.history_inputs >= kInputsPerEngine) reset(lane);
    const std::uint32_t n = static_cast<std::uint32_t>(input.size());
    for (const int shift : {24, 16, 8, 0}) lane.history.push_back(static_cast<std::uint8_t>(n >> shift));
    lane.history.insert(lane.history.end(), input.begin(), input.end());
    ++lane.history_inputs;
    static std::vector<Record> records;
    split_records(input.subspan(1), records);
    if (s.target == Target::burst) {
        run_bursts(lane, records, kBurstSizes[(selector >> kSelectorBurstShift) & 7]);
    } else {
        run_single(lane, records);
    }
    check_after_input(lane);
    check_events(lane);
}

}  // namespace

void run_engine_input(Target target, std::span<const std::uint8_t> input) {
    initialise(target);
    State& s = state();
    if (input.empty() || !(input[0] & kSelectorHistory)) {
        run_one(input);
        return;
    }
    // A saved history: the inputs one after the other on one engine.
    const bool fresh = s.fresh;
    s.replaying_history = true;
    std::span<const std::uint8_t> rest = input.subspan(1);
    bool first = true;
    while (rest.size() >= 4) {
        const std::size_t length = std::min<std::size_t>(w::load32(rest.data()), rest.size() - 4);
        std::span<const std::uint8_t> chunk = rest.subspan(4, length);
        rest = rest.subspan(4 + length);
        if (!chunk.empty() && (chunk[0] & kSelectorHistory)) continue;  // no nesting
        s.fresh = fresh && first;
        first = false;
        run_one(chunk);
    }
    s.fresh = fresh;
    s.replaying_history = false;
}

}  // namespace dslite::fuzz
