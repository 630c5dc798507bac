// SPDX-License-Identifier: BSD-2-Clause
// A configuration reloaded at run time (SIGHUP, issue 12): Engine::reconfigure
// keeps every binding the new configuration allows, with its public port,
// removes the others (reason reconfigured), installs new static mappings at
// once and keeps the options that cannot change at run time.
#include <set>

#include "dslite/engine_options.hpp"
#include "dslite/shares.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

const Ipv4Address kCamera = v4("192.168.1.20");
const Ipv4Prefix kBusiness = *parse_ipv4_prefix("192.0.2.0/28");
const Ipv4Address kOffice = v4("192.0.2.5");

StaticMapping mapping(Protocol proto, std::uint16_t inside_port, std::uint16_t public_port,
                      const Ipv6Address& b4 = net::b4_a) {
    return {proto, b4, kCamera, inside_port, net::pool, public_port};
}

Time at(std::int64_t second) { return std::chrono::seconds(1'700'000'000 + second); }

// One pool address, ports 40000-40003, like the static mapping tests.
EngineConfig small_config() {
    EngineConfig c = base_config();
    c.pools = {Ipv4Prefix{net::pool, 32}};
    c.port_min = 40000;
    c.port_max = 40003;
    return c;
}

class ReconfigureTest : public EngineTest {
protected:
    void SetUp() override { make(small_config()); }
    std::vector<Event> drain() {
        std::vector<Event> out(engine->events()->capacity());
        out.resize(engine->events()->pop(out));
        return out;
    }
    // The removal records with reason reconfigured.
    std::vector<Event> reconfigured_removals() {
        std::vector<Event> out;
        for (const Event& e : drain())
            if (e.kind == EventKind::binding_removed && e.reason == RemovalReason::reconfigured) out.push_back(e);
        return out;
    }
    Reconfigured reload(const EngineConfig& next, std::int64_t second) {
        EXPECT_FALSE(validate(next).has_value()) << *validate(next);
        return engine->reconfigure(next, at(second));
    }
};

TEST_F(ReconfigureTest, ABindingTheNewConfigurationAllowsKeepsItsPublicPort) {
    const Bound before = bind_udp(net::b4_a, 0);
    EngineConfig next = small_config();
    next.quota.udp = 1;  // at its quota now: nothing evicted
    next.timeouts.udp = 600;
    next.static_mappings = {mapping(Protocol::tcp, 80, 40002)};
    const Reconfigured r = reload(next, 1);
    EXPECT_EQ(r.bindings_removed, 0u);
    EXPECT_TRUE(r.kept.empty());
    EXPECT_EQ(engine->binding_count(), 2u);
    const Bound after = bind_udp(net::b4_a, 2);
    EXPECT_EQ(after.pub, before.pub);
    EXPECT_EQ(after.port, before.port);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, before.pub, before.port), 3).verdict, Verdict::to_b4);
    // The lowered quota refuses the next one, and the timeout is the new one.
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5001, net::server1, 53), 3).verdict, Verdict::to_b4) << "3/1";
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 1u);
    engine->advance(at(3 + 400));
    EXPECT_EQ(engine->binding_count(), 2u) << "600 s now, not 300";
    EXPECT_TRUE(reconfigured_removals().empty());
}

TEST_F(ReconfigureTest, AShorterTimeoutExpiresBindingsSooner) {
    EngineConfig start = small_config();
    start.timeouts.udp = 3000;
    make(start);
    bind_udp(net::b4_a, 0);
    reload(small_config(), 10);  // 300 s
    engine->advance(at(10 + 400));
    EXPECT_EQ(engine->binding_count(), 0u) << "idle past the new 300 s, not waiting for the old 3000";
    EXPECT_EQ(count(Counter::bindings_expired), 1u);
}

TEST_F(ReconfigureTest, AStaticMappingAddedWorksInboundAtOnceAndIsLogged) {
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40001), 0).verdict, Verdict::drop);
    drain();
    EngineConfig next = small_config();
    next.static_mappings = {mapping(Protocol::udp, 8080, 40001)};
    const Reconfigured r = reload(next, 1);
    EXPECT_EQ(r.static_added, 1u);
    EXPECT_EQ(r.static_failed, 0u);
    const Out in = from_uplink(udp(net::server1, 5555, net::pool, 40001), 1);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(in.decoded.ip4()->destination, kCamera);
    EXPECT_EQ(in.decoded.ip4()->l4.destination_port, 8080);
    const auto events = drain();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, EventKind::subscriber_created);
    EXPECT_EQ(events[1].kind, EventKind::binding_created);
    EXPECT_EQ(events[1].public_port, 40001);
}

TEST_F(ReconfigureTest, AStaticMappingRemovedIsGoneAndItsPortFreeAfterTheHold) {
    EngineConfig with = small_config();
    with.static_mappings = {mapping(Protocol::udp, 8080, 40001)};
    make(with);
    ASSERT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40001), 0).verdict, Verdict::to_b4);
    drain();
    const Reconfigured r = reload(small_config(), 10);
    EXPECT_EQ(r.static_removed, 1u);
    EXPECT_EQ(r.bindings_removed, 0u);
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40001), 10).verdict, Verdict::drop);
    const auto removed = reconfigured_removals();
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].public_port, 40001);
    // Held for --port-hold (120 s): the other three ports first, then none.
    std::set<std::uint16_t> ports;
    for (std::uint16_t p = 1; p <= 3; ++p)
        ports.insert(from_b4(net::b4_b, udp(net::host, p, net::server1, 53), 11).decoded.ip4()->l4.source_port);
    EXPECT_EQ(ports, (std::set<std::uint16_t>{40000, 40002, 40003}));
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 4, net::server1, 53), 11).verdict, Verdict::to_b4) << "3/1";
    // After the hold 40001 is handed out again.
    const Out later = from_b4(net::b4_b, udp(net::host, 4, net::server1, 53), 10 + 121);
    ASSERT_EQ(later.verdict, Verdict::to_uplink);
    EXPECT_EQ(later.decoded.ip4()->l4.source_port, 40001);
}

TEST_F(ReconfigureTest, AStaticMappingItsSoftwireMovedKeepsGoingIfTheFileStillHasIt) {
    EngineConfig with = small_config();
    with.static_mappings = {mapping(Protocol::udp, 8080, 40001)};
    make(with);
    // The subscriber's B4 comes back with a new address of its /56: the mapping moves along.
    ASSERT_EQ(from_b4(net::b4_a2, udp(kCamera, 8080, net::server1, 53), 0).verdict, Verdict::to_uplink);
    ASSERT_EQ(count(Counter::softwires_moved), 1u);
    drain();
    const Reconfigured r = reload(with, 5);
    EXPECT_EQ(r.static_removed + r.static_added + r.bindings_removed, 0u);
    EXPECT_TRUE(reconfigured_removals().empty());
    const Out in = from_uplink(udp(net::server1, 5555, net::pool, 40001), 5);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a2);
}

TEST_F(ReconfigureTest, AB4PrefixRemovedDropsThatB4sBindings) {
    EngineConfig start = small_config();
    start.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48"), *parse_ipv6_prefix("2001:db8:b::/48")};
    make(start);
    const Bound a = bind_udp(net::b4_a, 0);
    const Bound b = bind_udp(net::b4_b, 0);
    drain();
    EngineConfig next = start;
    next.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48")};
    const Reconfigured r = reload(next, 5);
    EXPECT_EQ(r.bindings_removed, 1u);
    const auto removed = reconfigured_removals();
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].b4, net::b4_b);
    EXPECT_EQ(reason_name(removed[0].reason), "reconfigured");
    EXPECT_EQ(from_uplink(udp(net::server1, 53, b.pub, b.port), 5).verdict, Verdict::drop);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, a.pub, a.port), 5).verdict, Verdict::to_b4);
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53), 5).verdict, Verdict::drop);
}

TEST_F(ReconfigureTest, AnInnerPrefixRemovedDropsItsBindings) {
    EngineConfig start = small_config();
    start.extra_inner_prefixes = {*parse_ipv4_prefix("100.64.0.0/10")};
    make(start);
    ASSERT_EQ(from_b4(net::b4_a, udp(v4("100.64.0.7"), 5000, net::server1, 53), 0).verdict, Verdict::to_uplink);
    bind_udp(net::b4_a, 0);
    const Reconfigured r = reload(small_config(), 1);
    EXPECT_EQ(r.bindings_removed, 1u);
    EXPECT_EQ(engine->binding_count(), 1u) << "10.0.0.1's stays";
}

TEST_F(ReconfigureTest, ADynamicBindingOnANewStaticMappingsPortMakesWayForIt) {
    EngineConfig one = small_config();
    one.port_max = 40000;  // one port: B4 B's binding has it
    make(one);
    const Bound b = bind_udp(net::b4_b, 0);
    ASSERT_EQ(b.port, 40000);
    drain();
    EngineConfig next = one;
    next.static_mappings = {mapping(Protocol::udp, 8080, 40000)};
    const Reconfigured r = reload(next, 1);
    EXPECT_EQ(r.bindings_removed, 1u);
    EXPECT_EQ(r.static_added, 1u) << "the port is the mapping's at once, hold or not";
    const auto events = drain();
    ASSERT_GE(events.size(), 1u);
    EXPECT_EQ(events[0].kind, EventKind::binding_removed);
    EXPECT_EQ(events[0].reason, RemovalReason::reconfigured);
    EXPECT_EQ(events[0].b4, net::b4_b);
    const Out in = from_uplink(udp(net::server1, 53, net::pool, 40000), 1);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(in.decoded.ip4()->destination, kCamera);
    // Long after the removed binding's hold, the port is still the mapping's.
    engine->advance(at(1000));
    EXPECT_EQ(from_uplink(udp(net::server1, 53, net::pool, 40000), 1000).verdict, Verdict::to_b4);
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53), 1000).verdict, Verdict::to_b4)
        << "no port left for B4 B: 3/1";
}

TEST_F(ReconfigureTest, OptionsThatCannotChangeKeepTheirValuesAndAreNamed) {
    const Bound before = bind_udp(net::b4_a, 0);
    EngineConfig next = small_config();
    next.pools = {*parse_ipv4_prefix("198.51.100.64/28")};
    next.port_min = 2000;
    next.port_max = 3000;
    next.max_bindings = 99;
    next.filtering = Filtering::address_dependent;
    next.mss_clamp = 1400;  // this one reloads
    const Reconfigured r = reload(next, 1);
    EXPECT_EQ(r.kept, (std::vector<std::string>{"--pool", "--port-range", "--filtering", "--max-bindings"}));
    EXPECT_EQ(engine->config().pools, small_config().pools);
    EXPECT_EQ(engine->config().port_min, 40000);
    EXPECT_EQ(engine->config().max_bindings, small_config().max_bindings);
    EXPECT_EQ(engine->config().filtering, Filtering::endpoint_independent);
    EXPECT_EQ(engine->config().mss_clamp, 1400);
    EXPECT_EQ(bind_udp(net::b4_a, 2).port, before.port);
}

TEST_F(ReconfigureTest, NoNatPrefixesAddedAndRemovedRouteAccordingly) {
    EXPECT_EQ(from_uplink(udp(net::server1, 53, kOffice, 5000), 0).verdict, Verdict::drop);
    EngineConfig next = small_config();
    next.no_nat = {NoNat{net::b4_b, kBusiness}};
    reload(next, 1);
    const Out in = from_uplink(udp(net::server1, 53, kOffice, 5000), 1);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_b);
    EXPECT_EQ(from_b4(net::b4_b, udp(kOffice, 5000, net::server1, 53), 1).verdict, Verdict::to_uplink);
    EXPECT_EQ(count(Counter::out_uplink_no_nat_packets), 1u);
    reload(small_config(), 2);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, kOffice, 5000), 2).verdict, Verdict::drop);
    EXPECT_EQ(from_b4(net::b4_b, udp(kOffice, 5000, net::server1, 53), 2).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_inner_bad_source), 1u);
}

TEST_F(ReconfigureTest, FewerSoftwiresPerSubscriberDropsTheBindingsOfTheOthers) {
    EngineConfig two = small_config();
    two.softwires_per_subscriber = 2;
    make(two);
    const Bound first = bind_udp(net::b4_a, 0);
    bind_udp(net::b4_a2, 1);
    const Reconfigured r = reload(small_config(), 2);
    EXPECT_EQ(r.bindings_removed, 1u);
    EXPECT_EQ(bind_udp(net::b4_a, 3).port, first.port);
}

TEST_F(ReconfigureTest, NatPmpOffAtStartCanBeTurnedOn) {
    EngineConfig off = small_config();
    off.pcp_max_mappings = 0;
    make(off);
    reload(small_config(), 1);
    EXPECT_EQ(engine->config().pcp_max_mappings, small_config().pcp_max_mappings);
    EXPECT_GT(engine->memory_bytes(), Engine(off).memory_bytes()) << "its tables were sized";
}

// Under port blocks a reload's mapping takes its block for its subscriber,
// reported as the block (port_block_allocated), not as a binding.
TEST_F(ReconfigureTest, UnderPortBlocksAnAddedMappingTakesItsBlock) {
    EngineConfig blocks = small_config();
    blocks.port_max = 40127;
    blocks.port_block_size = 64;
    blocks.quota = Quota{.tcp = 64, .udp = 64, .icmp = 8};
    make(blocks);
    from_uplink(udp(net::server1, 5555, net::pool, 40070), 0);
    drain();
    EngineConfig next = blocks;
    next.static_mappings = {mapping(Protocol::udp, 8080, 40070)};
    const Reconfigured r = reload(next, 1);
    EXPECT_EQ(r.static_added, 1u);
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40070), 1).verdict, Verdict::to_b4);
    const auto events = drain();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().kind, EventKind::port_block_allocated);
    EXPECT_EQ(events.back().public_port, 40064);
    // Another subscriber's ports come from the other block.
    const Out b = from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 2);
    ASSERT_EQ(b.verdict, Verdict::to_uplink);
    EXPECT_LT(b.decoded.ip4()->l4.source_port, 40064);
}

// PCP turned on by a reload answers MAP at once.
TEST_F(ReconfigureTest, PcpOffAtStartMapsAfterTheReload) {
    EngineConfig off = small_config();
    off.pcp_max_mappings = 0;
    make(off);
    reload(small_config(), 1);
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::aftr_v4;
    const Bytes request = pcp_request({.lifetime = 600, .client = net::host, .protocol = 17, .internal_port = 9000});
    const Out out = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5350, 5351, request, false}), 2);
    ASSERT_EQ(out.verdict, Verdict::to_b4);
    const Bytes& answer = out.decoded.ip4()->l4.payload;
    ASSERT_GE(answer.size(), 24u);
    EXPECT_EQ(answer[3], 0) << "SUCCESS";
    EXPECT_EQ(engine->binding_count(), 1u);
}

TEST_F(ReconfigureTest, EachEngineOfSeveralInstallsTheMappingsOfItsShare) {
    EngineConfig all = base_config();
    all.port_min = 40000;
    all.port_max = 40009;
    const Shares before(all, 2);
    Engine e0(before.config_of(0)), e1(before.config_of(1));
    // B4 A's subscriber has a binding in the first engine (say its hash put it there).
    auto buffer = std::make_unique<PacketBuffer>();
    Ipv6Header h;
    h.source = net::b4_a;
    h.destination = net::aftr;
    Packet p = buffer->holding(softwire(h, udp(net::host, 5000, net::server1, 53)));
    ASSERT_EQ(e0.from_b4(p, at(0), extra), Verdict::to_uplink);
    EngineConfig next = all;
    next.static_mappings = {mapping(Protocol::udp, 8080, 40007)};
    const Shares after(next, 2);
    ASSERT_FALSE(after.conflict());
    const Reconfigured r0 = e0.reconfigure(after.config_of(0), at(1));
    const Reconfigured r1 = e1.reconfigure(after.config_of(1), at(1));
    EXPECT_EQ(r0.static_added + r1.static_added, 1u);
    EXPECT_EQ(r1.static_added, 1u) << "40007 is in the second share";
    EXPECT_EQ(r0.bindings_removed, 1u) << "the subscriber is the second engine's now: its binding here is unreachable";
    EXPECT_EQ(e0.binding_count(), 0u);
    EXPECT_EQ(e1.binding_count(), 1u);
    // Room for the mapping (and its subscriber) is part of each share's
    // table sizes, which stay: the daemon names what differs in the whole
    // configuration, not in the shares.
    EXPECT_EQ(r1.kept, (std::vector<std::string>{"--max-bindings", "--max-subscribers"}));
}

TEST(ReloadTable, HasEveryOption) {
    for (const EngineOption& o : engine_option_rows())
        EXPECT_TRUE(option_reloads(o.name, EngineConfig{}).has_value()) << o.name << " is missing from reconfigure.cpp";
    EXPECT_TRUE(*option_reloads("static-mapping", EngineConfig{}));
    EXPECT_FALSE(*option_reloads("pool", EngineConfig{}));
    EngineConfig deterministic;
    deterministic.port_mapping = PortMapping::deterministic;
    EXPECT_TRUE(*option_reloads("quota-udp", EngineConfig{}));
    EXPECT_FALSE(*option_reloads("quota-udp", deterministic)) << "its formula is of the quotas";
    EXPECT_FALSE(*option_reloads("b4-prefix", deterministic));
}

TEST(ReloadTable, MergeCopiesWhatReloadsOnly) {
    EngineConfig running, next;
    next.quota.tcp = 7;
    next.pcp_max_lifetime = 600;
    next.seed = 5;
    next.reassembly.slots = 2;
    const ConfigMerge m = merge_reloadable(running, next);
    EXPECT_EQ(m.config.quota.tcp, 7u);
    EXPECT_EQ(m.config.pcp_max_lifetime, 600u);
    EXPECT_EQ(m.config.seed, running.seed);
    EXPECT_EQ(m.config.reassembly.slots, running.reassembly.slots);
    EXPECT_EQ(m.kept, (std::vector<std::string>{"--reassembly-slots", "--seed"}));
}

}  // namespace
}  // namespace dslite::test
