// SPDX-License-Identifier: BSD-2-Clause
// --state-file (issue 13): Engine::save_state and restore_state keep a
// binding's public address and port, its TCP state and its subscriber's
// learned tunnel MTU across a restart, shorten every lifetime by the time
// the AFTR was down, and refuse bytes that are not a state of this
// configuration without restoring anything.
#include "dslite/shares.hpp"
#include "dslite/state.hpp"
#include "dslite/wire.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

Time at(std::int64_t second) { return std::chrono::seconds(1'700'000'000 + second); }

std::uint32_t load32(const std::vector<std::uint8_t>& b, std::size_t at) {
    return std::uint32_t{b[at]} << 24 | std::uint32_t{b[at + 1]} << 16 | std::uint32_t{b[at + 2]} << 8 | b[at + 3];
}

// Writes a new trailer, so a test can change a field and still pass the checksum.
void reseal(std::vector<std::uint8_t>& state) {
    const std::uint32_t crc = crc32(std::span(state).first(state.size() - 4));
    for (int n = 0; n < 4; ++n) state[state.size() - 4 + n] = static_cast<std::uint8_t>(crc >> (24 - 8 * n));
}

class StateTest : public EngineTest {
protected:
    // The engine now is a fresh one of `c` (the daemon started again).
    void restart(const EngineConfig& c) {
        old = std::move(engine);
        make(c);
    }
    std::vector<Event> drain(Engine& e) {
        std::vector<Event> out(e.events()->capacity());
        out.resize(e.events()->pop(out));
        return out;
    }
    std::vector<BindingInfo> bindings() const {
        std::vector<BindingInfo> out;
        engine->for_each_binding([&](const BindingInfo& b) { out.push_back(b); });
        return out;
    }
    // An established TCP connection from net::host:6000 behind `b4`, and its public port.
    std::uint16_t connect_tcp(const Ipv6Address& b4, std::int64_t second) {
        const Out syn = from_b4(b4, tcp(net::host, 6000, net::server1, 80, wire::tcp::syn), second);
        EXPECT_EQ(syn.verdict, Verdict::to_uplink);
        const std::uint16_t port = syn.decoded.ip4()->l4.source_port;
        const Ipv4Address pub = syn.decoded.ip4()->source;
        EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn | wire::tcp::ack), second).verdict,
                  Verdict::to_b4);
        return port;
    }

    std::unique_ptr<Engine> old;
};

TEST_F(StateTest, ABindingKeepsItsPublicPortAndTcpStateWithLifetimesLessTheDowntime) {
    const Bound udp_binding = bind_udp(net::b4_a, 0);
    const std::uint16_t tcp_port = connect_tcp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(100));
    restart(base_config());
    // 50 s down, and the steady clock of the new run is another one.
    const RestoreResult r = engine->restore_state(state, std::chrono::seconds(5000), 50);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.bindings, 2u);
    EXPECT_EQ(r.subscribers, 1u);
    EXPECT_EQ(r.expired + r.forbidden + r.conflicting + r.table_full, 0u);
    ASSERT_EQ(engine->binding_count(), 2u);
    for (const BindingInfo& b : bindings()) {
        EXPECT_EQ(b.b4, net::b4_a);
        EXPECT_EQ(b.public_address, udp_binding.pub);
        EXPECT_EQ(b.idle_seconds, 150u);
        if (b.protocol == Protocol::udp) {
            EXPECT_EQ(b.public_port, udp_binding.port);
            EXPECT_EQ(b.expires_seconds, 300u - 150u);
        } else {
            EXPECT_EQ(b.public_port, tcp_port);
            EXPECT_STREQ(b.state, "established");
            EXPECT_EQ(b.expires_seconds, 7440u - 150u);
        }
    }
    // Both ends use it as before: the server's reply, the host's next packet.
    const auto now = [](std::int64_t s) { return 5000 - 1'700'000'000 + s; };
    EXPECT_EQ(from_uplink(udp(net::server1, 53, udp_binding.pub, udp_binding.port), now(1)).verdict, Verdict::to_b4);
    const Out again = from_b4(net::b4_a, tcp(net::host, 6000, net::server1, 80, wire::tcp::ack), now(1));
    ASSERT_EQ(again.verdict, Verdict::to_uplink);
    EXPECT_EQ(again.decoded.ip4()->l4.source_port, tcp_port);
}

TEST_F(StateTest, TheWheelRemovesARestoredBindingWhenItsShortenedLifetimeEnds) {
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(100));
    restart(base_config());
    ASSERT_FALSE(engine->restore_state(state, at(1000), 50).refused);
    engine->advance(at(1000 + 150));
    EXPECT_EQ(engine->binding_count(), 1u);
    engine->advance(at(1000 + 151));
    EXPECT_EQ(engine->binding_count(), 0u);
}

TEST_F(StateTest, RestoredBindingsAreNotReportedCreatedAgainAndExpiredOnesAreReportedRemoved) {
    const Bound gone = bind_udp(net::b4_b, -200);  // idle 200 s of its 300 at the save
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(0));
    restart(base_config());
    const RestoreResult r = engine->restore_state(state, at(1000), 150);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.bindings, 1u);
    EXPECT_EQ(r.expired, 1u);
    EXPECT_EQ(r.holds, 1u) << "its port is held for the rest of the hold after it expired";
    EXPECT_EQ(engine->binding_count(), 1u);
    EXPECT_EQ(engine->subscriber_count(), 1u);
    const std::vector<Event> events = drain(*engine);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, EventKind::binding_removed);
    EXPECT_EQ(events[0].reason, RemovalReason::timeout);
    EXPECT_EQ(events[0].b4, net::b4_b);
    EXPECT_EQ(events[0].public_port, gone.port);
    // It went 101 s after the save, 49 s before this start.
    EXPECT_EQ(events[0].time_us, std::chrono::microseconds(at(1000 - 49)).count());
    EXPECT_EQ(events[1].kind, EventKind::subscriber_removed);
    EXPECT_EQ(events[1].b4, net::b4_b);
    EXPECT_EQ(events[1].time_us, events[0].time_us);
}

TEST_F(StateTest, PortHoldsAreRestoredLessTheDowntime) {
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.port_min = 40000;
        c.port_max = 40001;
        c.port_hold_seconds = 120;
    });
    const Bound first = bind_udp(net::b4_a, 0);
    engine->advance(at(301 + 1));  // expired: its port is held until 421
    ASSERT_EQ(engine->binding_count(), 0u);
    const std::vector<std::uint8_t> state = engine->save_state(at(302));
    restart(engine->config());
    const RestoreResult r = engine->restore_state(state, at(2000), 60);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.holds, 1u);
    // Another subscriber gets the other port, not the held one.
    const Bound other = bind_udp(net::b4_b, 2000);
    EXPECT_NE(other.port, first.port);
}

TEST_F(StateTest, TheLearnedTunnelMtuIsKept) {
    const Bound b = bind_udp(net::b4_a, 0);
    Ipv4Header big;
    big.source = net::server1;
    big.destination = b.pub;
    big.dont_fragment = true;
    const Out sent = from_uplink(ipv4_udp(big, UdpDatagram{53, b.port, Bytes(1400, 0x55), false}), 1);
    ASSERT_EQ(sent.verdict, Verdict::to_b4);
    Ipv6Header h;
    h.source = v6("2001:db8:ff:1::1");
    h.destination = net::aftr;
    const IcmpMessage ptb{2, 0, 0, 1400, Bytes(sent.bytes.begin(), sent.bytes.begin() + 1232)};
    ASSERT_EQ(run(Side::b4, ipv6_icmp(h, ptb), 2).verdict, Verdict::to_uplink);
    ASSERT_EQ(count(Counter::tunnel_mtu_lowered), 1u);
    const std::vector<std::uint8_t> state = engine->save_state(at(3));
    restart(base_config());
    ASSERT_FALSE(engine->restore_state(state, at(10), 7).refused);
    // A larger PTB cannot raise it: what is relayed is the 1400 learned before.
    const IcmpMessage bigger{2, 0, 0, 1450, Bytes(sent.bytes.begin(), sent.bytes.begin() + 1232)};
    const Out relayed = run(Side::b4, ipv6_icmp(h, bigger), 11);
    ASSERT_EQ(relayed.verdict, Verdict::to_uplink);
    EXPECT_EQ(wire::load16(relayed.bytes.data() + 20 + 6), 1400 - 40);
    EXPECT_EQ(count(Counter::tunnel_mtu_lowered), 0u);
}

TEST_F(StateTest, EveryTruncationIsRefusedAndNothingIsRestored) {
    bind_udp(net::b4_a, 0);
    connect_tcp(net::b4_b, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    restart(base_config());
    for (std::size_t n = 0; n < state.size(); ++n) {
        const auto cut = std::span(state).first(n);
        const auto why = engine->check_state(cut);
        ASSERT_TRUE(why) << n;
        EXPECT_NE(why->find("truncated"), std::string::npos) << n << ": " << *why;
        EXPECT_EQ(engine->restore_state(cut, at(2), 1).refused, why);
        ASSERT_EQ(engine->binding_count(), 0u);
    }
    EXPECT_FALSE(engine->check_state(state));
}

TEST_F(StateTest, EveryFlippedByteIsRefused) {
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    restart(base_config());
    for (std::size_t n = 0; n < state.size(); ++n) {
        std::vector<std::uint8_t> flipped = state;
        flipped[n] ^= 0x20;
        const auto why = engine->check_state(flipped);
        ASSERT_TRUE(why) << n;
        if (n >= 16) {
            EXPECT_NE(why->find("checksum"), std::string::npos) << n << ": " << *why;
        }
        EXPECT_TRUE(engine->restore_state(flipped, at(2), 1).refused);
        ASSERT_EQ(engine->binding_count(), 0u);
    }
}

TEST_F(StateTest, AnotherVersionIsRefused) {
    bind_udp(net::b4_a, 0);
    std::vector<std::uint8_t> state = engine->save_state(at(1));
    state[9] = 2;  // version 2
    reseal(state);
    restart(base_config());
    const auto why = engine->check_state(state);
    ASSERT_TRUE(why);
    EXPECT_EQ(*why, "version 2 (this dslite reads version 1)");
}

TEST_F(StateTest, AnotherPoolPortRangeOrShareIsRefused) {
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    EngineConfig other_pool = base_config();
    other_pool.pools = {*parse_ipv4_prefix("198.51.100.16/28")};
    EngineConfig other_range = base_config();
    other_range.port_min = 2000;
    EngineConfig blocks = base_config();
    blocks.port_block_size = 64;
    for (const EngineConfig& c : {other_pool, other_range, blocks}) {
        restart(c);
        const RestoreResult r = engine->restore_state(state, at(2), 1);
        ASSERT_TRUE(r.refused);
        EXPECT_NE(r.refused->find("another configuration"), std::string::npos) << *r.refused;
        EXPECT_EQ(engine->binding_count(), 0u);
    }
    // With two threads each engine's share is its own configuration.
    const Shares shares(base_config(), 2);
    restart(shares.config_of(0));
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> first = engine->save_state(at(1));
    restart(shares.config_of(1));
    EXPECT_TRUE(engine->check_state(first));
    restart(shares.config_of(0));
    EXPECT_FALSE(engine->check_state(first));
}

TEST_F(StateTest, RecordsOutsideTheConfigurationAreCorruptEvenWithAGoodChecksum) {
    bind_udp(net::b4_a, 0);
    std::vector<std::uint8_t> state = engine->save_state(at(1));
    restart(base_config());
    // The first record is the subscriber: its address right after the prefix.
    const std::size_t address = 44 + 16;
    ASSERT_EQ(load32(state, address), net::pool_prefix.address.value + (load32(state, address) & 15));
    state[address] = 1;  // 1.x.x.x: outside the pool
    reseal(state);
    const auto why = engine->check_state(state);
    ASSERT_TRUE(why);
    EXPECT_NE(why->find("outside the pool"), std::string::npos) << *why;
    // Counts that promise more records than there are bytes.
    std::vector<std::uint8_t> counts = engine->save_state(at(1));
    bind_udp(net::b4_a, 0);
    counts = engine->save_state(at(1));
    counts[36] = 0xff;  // bindings
    reseal(counts);
    restart(base_config());
    const auto past = engine->check_state(counts);
    ASSERT_TRUE(past);
    EXPECT_NE(past->find("past the end"), std::string::npos) << *past;
}

TEST_F(StateTest, BindingsTheNewConfigurationForbidsAreDropped) {
    bind_udp(net::b4_a, 0);
    const Bound b = bind_udp(net::b4_b, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    // b4_a is outside the B4 prefixes now; b4_b's public port is a static mapping's.
    EngineConfig next = base_config();
    next.b4_prefixes = {*parse_ipv6_prefix("2001:db8:b::/48")};
    next.static_mappings = {{Protocol::udp, net::b4_b, net::host2, 7000, b.pub, b.port}};
    restart(next);
    drain(*engine);
    const RestoreResult r = engine->restore_state(state, at(2), 1);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.bindings, 0u);
    EXPECT_EQ(r.forbidden, 1u);
    EXPECT_EQ(r.conflicting, 1u);
    EXPECT_EQ(engine->binding_count(), 1u) << "the static mapping";
    std::size_t removed = 0;
    for (const Event& e : drain(*engine))
        if (e.kind == EventKind::binding_removed) {
            EXPECT_EQ(e.reason, RemovalReason::reconfigured);
            ++removed;
        }
    EXPECT_EQ(removed, 2u);
}

TEST_F(StateTest, PortBlocksComeBackWithTheirBindings) {
    make_with([](EngineConfig& c) { c.port_block_size = 64; });
    const Bound b = bind_udp(net::b4_a, 0);
    std::vector<PortBlockInfo> before;
    engine->for_each_port_block([&](const PortBlockInfo& i) { before.push_back(i); });
    ASSERT_EQ(before.size(), 1u);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    restart(engine->config());
    const RestoreResult r = engine->restore_state(state, at(2), 1);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.blocks, 1u);
    EXPECT_EQ(r.bindings, 1u);
    std::vector<PortBlockInfo> after;
    engine->for_each_port_block([&](const PortBlockInfo& i) { after.push_back(i); });
    ASSERT_EQ(after.size(), 1u);
    EXPECT_EQ(after[0].first, before[0].first);
    EXPECT_EQ(after[0].public_address, before[0].public_address);
    EXPECT_EQ(after[0].bindings, 1u);
    // The subscriber's next binding comes from the same block.
    const Out next = from_b4(net::b4_a, udp(net::host, 5001, net::server1, 53), 3);
    ASSERT_EQ(next.verdict, Verdict::to_uplink);
    EXPECT_GE(next.decoded.ip4()->l4.source_port, before[0].first);
    EXPECT_LE(next.decoded.ip4()->l4.source_port, before[0].last);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, b.pub, b.port), 3).verdict, Verdict::to_b4);
}

TEST_F(StateTest, ARequestedLifetimeIsKept) {
    make_with([](EngineConfig& c) { c.pcp_max_mappings = 4; });
    const std::vector<std::uint8_t> empty = engine->save_state(at(0));
    restart(engine->config());
    EXPECT_FALSE(engine->restore_state(empty, at(1), 0).refused) << "an empty state is a state";
    // A NAT-PMP UDP mapping of 3600 s.
    const Bytes request = nat_pmp_map_request(1, 5000, 0, 3600);
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::aftr_v4;
    const Out answer = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5350, 5351, request, false}), 10);
    ASSERT_EQ(answer.verdict, Verdict::to_b4);
    ASSERT_EQ(engine->binding_count(), 1u);
    const std::vector<std::uint8_t> state = engine->save_state(at(1010));
    restart(engine->config());
    ASSERT_FALSE(engine->restore_state(state, at(3000), 600).refused);
    const std::vector<BindingInfo> b = bindings();
    ASSERT_EQ(b.size(), 1u);
    EXPECT_TRUE(b[0].requested);
    EXPECT_EQ(b[0].expires_seconds, 3600u - 1000u - 600u);
    // RFC 6887 8.5 (and NAT-PMP's epoch): the mappings went on, so does the
    // epoch: 1009 s at the save (the clock started at second 1), 600 down.
    const Out epoch =
        from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5350, 5351, Bytes{0, 0}, false}), 3000 - 1'700'000'000);
    ASSERT_EQ(epoch.verdict, Verdict::to_b4);
    ASSERT_GE(epoch.bytes.size(), 40u + 20u + 8u + 8u);
    EXPECT_EQ(wire::load32(epoch.bytes.data() + 40 + 20 + 8 + 4), 1609u);
    // Idle 1600 s of its 300 by now, on a clock that started 100 s ago (a
    // reboot): the lifetime alone keeps it, and it goes when that ends.
    restart(engine->config());
    ASSERT_FALSE(engine->restore_state(state, std::chrono::seconds(100), 600).refused);
    ASSERT_EQ(bindings().size(), 1u);
    EXPECT_EQ(bindings()[0].expires_seconds, 2000u);
    engine->advance(std::chrono::seconds(100 + 2000));
    EXPECT_EQ(engine->binding_count(), 1u);
    engine->advance(std::chrono::seconds(100 + 2001));
    EXPECT_EQ(engine->binding_count(), 0u);
}

}  // namespace
}  // namespace dslite::test

namespace dslite::test {
namespace {

// RFC 7422: a restored binding keeps its port only while the formula still
// gives that port to its subscriber.
TEST_F(StateTest, UnderDeterministicMappingABindingOutsideItsRangeNowIsDropped) {
    const auto mapped = [](std::vector<Ipv6Prefix> b4_prefixes) {
        EngineConfig c = base_config();
        c.port_mapping = PortMapping::deterministic;
        c.b4_prefixes = std::move(b4_prefixes);
        return c;
    };
    const Ipv6Prefix a = *parse_ipv6_prefix("2001:db8:a::/48");
    make(mapped({a}));
    const Bound b = bind_udp(net::b4_a, 0);
    ASSERT_GE(b.port, 1024);
    ASSERT_LE(b.port, 3071);  // subscriber 0's range
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    restart(mapped({a}));
    RestoreResult r = engine->restore_state(state, at(2), 1);
    EXPECT_EQ(r.bindings, 1u);
    // Another prefix first: 2001:db8:a::/56 is subscriber 128 now, ports 17408-19455.
    restart(mapped({*parse_ipv6_prefix("2001:db8:9::/49"), a}));
    r = engine->restore_state(state, at(2), 1);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.bindings, 0u);
    EXPECT_EQ(r.forbidden, 1u);
    EXPECT_EQ(engine->subscriber_count(), 0u);
    const Out next = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 3);
    ASSERT_EQ(next.verdict, Verdict::to_uplink);
    EXPECT_GE(next.decoded.ip4()->l4.source_port, 17408);
    EXPECT_LE(next.decoded.ip4()->l4.source_port, 19455);
}

// A subscriber whose static mapping is in another thread's share is that
// thread's now (Shares): its binding here could not be reached.
TEST_F(StateTest, ABindingOfASubscriberNowServedByAnotherThreadIsDropped) {
    const Shares before(base_config(), 2);
    make(before.config_of(0));
    bind_udp(net::b4_a, 0);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    EngineConfig next = base_config();
    const std::uint16_t elsewhere = Shares(next, 2).config_of(1).port_min;
    next.static_mappings = {{Protocol::tcp, net::b4_a, net::host, 80, net::pool, elsewhere}};
    ASSERT_FALSE(validate(next).has_value()) << *validate(next);
    // Engine 0 of two, as the daemon makes it (its slice alone would not validate).
    old = std::move(engine);
    engine = std::make_unique<Engine>(Shares(next, 2).config_of(0));
    const RestoreResult r = engine->restore_state(state, at(2), 1);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.forbidden, 1u);
    EXPECT_EQ(engine->binding_count(), 0u);
}

}  // namespace
}  // namespace dslite::test

namespace dslite::test {
namespace {

// A static mapping of another subscriber now in a saved block: the mapping
// wins, the block's release is reported so its record is closed.
TEST_F(StateTest, ABlockAStaticMappingNowTakesIsDroppedWithItsReleaseRecord) {
    make_with([](EngineConfig& c) { c.port_block_size = 64; });
    const Bound b = bind_udp(net::b4_a, 0);
    std::vector<PortBlockInfo> blocks;
    engine->for_each_port_block([&](const PortBlockInfo& i) { blocks.push_back(i); });
    ASSERT_EQ(blocks.size(), 1u);
    const std::vector<std::uint8_t> state = engine->save_state(at(1));
    EngineConfig next = engine->config();
    next.static_mappings = {{Protocol::tcp, net::b4_b, net::host, 80, b.pub, blocks[0].first}};
    restart(next);
    drain(*engine);
    const RestoreResult r = engine->restore_state(state, at(2), 1);
    ASSERT_FALSE(r.refused) << *r.refused;
    EXPECT_EQ(r.blocks, 0u);
    EXPECT_EQ(r.blocks_dropped, 1u);
    EXPECT_EQ(r.conflicting, 1u) << "its binding: the block is not its subscriber's";
    std::vector<EventKind> kinds;
    for (const Event& e : drain(*engine)) {
        kinds.push_back(e.kind);
        if (e.kind == EventKind::port_block_released) {
            EXPECT_EQ(e.b4, net::b4_a);
            EXPECT_EQ(e.public_port, blocks[0].first);
        }
    }
    // The static mapping's records first, as the clock starts.
    EXPECT_EQ(kinds, (std::vector<EventKind>{EventKind::subscriber_created, EventKind::port_block_allocated,
                                             EventKind::port_block_released, EventKind::subscriber_removed}));
}

}  // namespace
}  // namespace dslite::test
