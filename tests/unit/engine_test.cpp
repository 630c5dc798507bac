// SPDX-License-Identifier: BSD-2-Clause
// NAPT behaviour of the engine, packet by packet.
#include <map>
#include <set>

#include "engine_fixture.hpp"

namespace dslite {
namespace {

using namespace test;

TEST_F(EngineTest, TwoB4sWithTheSamePrivateTupleGetSeparateBindings) {
    auto a = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53));
    auto b = from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53));
    ASSERT_EQ(a.verdict, Verdict::to_uplink);
    ASSERT_EQ(b.verdict, Verdict::to_uplink);
    const auto& pa = *a.decoded.ip4();
    const auto& pb = *b.decoded.ip4();
    EXPECT_TRUE(parse_ipv4_prefix("198.51.100.0/28")->contains(pa.source));
    EXPECT_NE(std::make_pair(pa.source, pa.l4.source_port), std::make_pair(pb.source, pb.l4.source_port));
    EXPECT_EQ(pa.ttl, 63);  // RFC 2473 3.1: decremented once

    // Each reply goes back to its own B4 with the private tuple restored.
    for (auto [p, b4] : {std::pair{pa, net::b4_a}, std::pair{pb, net::b4_b}}) {
        auto reply = from_uplink(udp(net::server1, 53, p.source, p.l4.source_port), 1);
        ASSERT_EQ(reply.verdict, Verdict::to_b4);
        const auto& v6h = *reply.decoded.ipv6;
        EXPECT_EQ(v6h.destination, b4);
        EXPECT_EQ(v6h.source, net::aftr);
        EXPECT_EQ(v6h.hop_limit, 64);
        EXPECT_EQ(v6h.flow_label, 0u);
        EXPECT_EQ(v6h.inner->destination, net::host);
        EXPECT_EQ(v6h.inner->l4.destination_port, 5000);
    }
    EXPECT_EQ(engine->binding_count(), 2u);
    expect_balanced();
}

TEST_F(EngineTest, MappingIsEndpointIndependentAndPaired) {
    auto first = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53));
    auto second = from_b4(net::b4_a, udp(net::host, 5000, kServer2, 9999));
    auto tcp_flow = from_b4(net::b4_a, tcp(v4("192.168.1.11"), 40000, net::server1, 80, wire::tcp::syn));
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    auto ping = from_b4(net::b4_a, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 77, 1, text_bytes("x")}));
    ASSERT_EQ(first.verdict, Verdict::to_uplink);
    ASSERT_EQ(ping.verdict, Verdict::to_uplink);
    EXPECT_EQ(first.decoded.ip4()->source, second.decoded.ip4()->source);
    EXPECT_EQ(first.decoded.ip4()->l4.source_port, second.decoded.ip4()->l4.source_port);
    // RFC 6888 REQ-2: every protocol of one subscriber on one address.
    EXPECT_EQ(first.decoded.ip4()->source, tcp_flow.decoded.ip4()->source);
    EXPECT_EQ(first.decoded.ip4()->source, ping.decoded.ip4()->source);
    // EIF: a third party may answer the mapping.
    auto other =
        from_uplink(udp(v4("192.0.2.99"), 1234, first.decoded.ip4()->source, first.decoded.ip4()->l4.source_port), 2);
    EXPECT_EQ(other.verdict, Verdict::to_b4);
}

TEST_F(EngineTest, AddressDependentFilteringDropsStrangersWithoutRefreshing) {
    make_with([](EngineConfig& c) { c.filtering = Filtering::address_dependent; });
    const auto [out, pub, port] = bind_udp();
    EXPECT_EQ(from_uplink(udp(kServer2, 53, pub, port), 1).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_filtered), 1u);
    EXPECT_EQ(from_uplink(udp(net::server1, 4444, pub, port), 2).verdict, Verdict::to_b4);  // address, not port
    // Junk from a stranger every 100 s does not keep the binding (RFC 7857 7).
    for (int t = 100; t <= 400; t += 100) from_uplink(udp(kServer2, 53, pub, port), t);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, port), 303).verdict, Verdict::drop);
    expect_balanced();
}

// RFC 4787 REQ-8 / 5382 REQ-3 [row 53]: address-dependent filtering holds
// for TCP and ICMP echo too.
TEST_F(EngineTest, AddressDependentFilteringCoversTcpAndIcmp) {
    make_with([](EngineConfig& c) { c.filtering = Filtering::address_dependent; });
    auto syn = from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::syn));
    const auto pub = syn.decoded.ip4()->source;
    const auto port = syn.decoded.ip4()->l4.source_port;
    EXPECT_EQ(from_uplink(tcp(kServer2, 80, pub, port, wire::tcp::syn | wire::tcp::ack)).verdict, Verdict::drop);
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn | wire::tcp::ack)).verdict, Verdict::to_b4);
    Ipv4Header h{net::host, net::server1};
    auto ping = from_b4(net::b4_a, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 77, 1, {}}));
    const auto id = ping.decoded.ip4()->l4.icmp_identifier;
    EXPECT_EQ(from_uplink(ipv4_icmp({kServer2, pub}, IcmpMessage{wire::icmp::echo_reply, 0, id, 1, {}})).verdict,
              Verdict::drop);
    EXPECT_EQ(from_uplink(ipv4_icmp({net::server1, pub}, IcmpMessage{wire::icmp::echo_reply, 0, id, 1, {}})).verdict,
              Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_uplink_filtered), 2u);
    expect_balanced();
}

TEST_F(EngineTest, UdpBindingLivesItsTimeoutAndNotLonger) {
    const auto [out, pub, port] = bind_udp();
    EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, port), 299).verdict,
              Verdict::to_b4);  // inbound refreshes under EIF
    EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, port), 598).verdict, Verdict::to_b4);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, port), 900).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_no_binding), 1u);
    EXPECT_EQ(count(Counter::bindings_expired), 1u);
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(engine->subscriber_count(), 0u);
}

TEST_F(EngineTest, IcmpEchoUsesTheIdentifierAndTimesOutAfter60s) {
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    auto a = from_b4(net::b4_a, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 77, 1, text_bytes("a")}));
    auto b = from_b4(net::b4_b, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 77, 1, text_bytes("b")}));
    const auto ida = a.decoded.ip4()->l4.icmp_identifier;
    const auto idb = b.decoded.ip4()->l4.icmp_identifier;
    EXPECT_NE(std::make_pair(a.decoded.ip4()->source, ida), std::make_pair(b.decoded.ip4()->source, idb));
    Ipv4Header r;
    r.source = net::server1;
    r.destination = a.decoded.ip4()->source;
    auto reply = from_uplink(ipv4_icmp(r, IcmpMessage{wire::icmp::echo_reply, 0, ida, 1, text_bytes("a")}), 59);
    ASSERT_EQ(reply.verdict, Verdict::to_b4);
    EXPECT_EQ(reply.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(reply.decoded.ipv6->inner->l4.icmp_identifier, 77);
    auto late = from_uplink(ipv4_icmp(r, IcmpMessage{wire::icmp::echo_reply, 0, ida, 2, text_bytes("a")}), 59 + 62);
    EXPECT_EQ(late.verdict, Verdict::drop);
}

TEST_F(EngineTest, TcpNeedsASynAndKeepsEstablishedBindingsLong) {
    EXPECT_EQ(from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::ack)).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_tcp_not_syn), 1u);
    auto syn = from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::syn), 0);
    const auto pub = syn.decoded.ip4()->source;
    const auto port = syn.decoded.ip4()->l4.source_port;
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn | wire::tcp::ack), 1).verdict,
              Verdict::to_b4);
    // Established: idle 2 h 3 min still passes (RFC 5382 REQ-5).
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::ack), 1 + 7380).verdict, Verdict::to_b4);
    // FIN both ways: transitory, gone after 240 s.
    from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::fin | wire::tcp::ack), 7400);
    from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::fin | wire::tcp::ack), 7400);
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::ack), 7400 + 239).verdict, Verdict::to_b4);
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::ack), 7639 + 242).verdict, Verdict::drop);
    expect_balanced();
}

TEST_F(EngineTest, SimultaneousOpenAndResetKeepTheBindingForTheTransitoryTime) {
    auto syn = from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::syn), 0);
    const auto pub = syn.decoded.ip4()->source;
    const auto port = syn.decoded.ip4()->l4.source_port;
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn), 1).verdict,
              Verdict::to_b4);  // crossing SYN
    std::string state;
    engine->for_each_binding([&](const BindingInfo& s) { state = s.state; });
    EXPECT_EQ(state, "established");
    from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::rst), 10);
    engine->for_each_binding([&](const BindingInfo& s) { state = s.state; });
    EXPECT_EQ(state, "reset");
    EXPECT_EQ(from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::ack), 200).verdict,
              Verdict::to_uplink);
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::ack), 200 + 242).verdict, Verdict::drop);
}

// The census behind dslite_sessions{protocol,state}: kept as bindings are
// made, change state and go, and equal to what a walk of the table finds.
TEST_F(EngineTest, CountsBindingsByStateAsTheyChange) {
    const auto census = [&] {
        std::map<std::string, std::uint32_t> by_state;
        const Occupancy o = engine->occupancy();
        for (std::size_t i = 0; i < kBindingStates; ++i)
            if (o.bindings[i] != 0) by_state[binding_state_name(static_cast<BindingState>(i))] = o.bindings[i];
        std::map<std::string, std::uint32_t> walked;
        engine->for_each_binding([&](const BindingInfo& b) { ++walked[b.state]; });
        EXPECT_EQ(by_state, walked);
        return by_state;
    };
    using States = std::map<std::string, std::uint32_t>;
    from_b4(net::b4_a, udp(net::host, 6000, net::server1, 53), 0);
    Ipv4Header echo;
    echo.source = net::host;
    echo.destination = net::server1;
    from_b4(net::b4_a, ipv4_icmp(echo, IcmpMessage{wire::icmp::echo_request, 0, 9, 1, {}}), 0);
    auto syn = from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::syn), 0);
    const auto pub = syn.decoded.ip4()->source;
    const auto port = syn.decoded.ip4()->l4.source_port;
    EXPECT_EQ(census(), (States{{"icmp", 1}, {"syn", 1}, {"udp", 1}}));
    from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn | wire::tcp::ack), 1);
    EXPECT_EQ(census(), (States{{"established", 1}, {"icmp", 1}, {"udp", 1}}));
    from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::fin | wire::tcp::ack), 2);
    EXPECT_EQ(census(), (States{{"established", 1}, {"icmp", 1}, {"udp", 1}})) << "half closed";
    from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::fin | wire::tcp::ack), 2);
    EXPECT_EQ(census(), (States{{"closing", 1}, {"icmp", 1}, {"udp", 1}}));
    from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::rst), 3);
    EXPECT_EQ(census(), (States{{"icmp", 1}, {"reset", 1}, {"udp", 1}}));
    engine->advance(std::chrono::seconds(1'700'000'000 + 1000));
    EXPECT_EQ(census(), States{});
    EXPECT_EQ(engine->occupancy().bindings_capacity, engine->config().max_bindings);
}

TEST_F(EngineTest, QuotaRefusesNewFlowsWithHostUnreachableAndKeepsOldOnes) {
    make_with([](EngineConfig& c) { c.quota.udp = 3; });
    std::vector<Out> ok;
    for (std::uint16_t i = 0; i < 3; ++i) ok.push_back(from_b4(net::b4_a, udp(net::host, 6000 + i, net::server1, 53)));
    auto refused = from_b4(net::b4_a, udp(net::host, 7000, net::server1, 53));
    ASSERT_EQ(refused.verdict, Verdict::to_b4);
    const auto& error = *refused.decoded.ipv6->inner;
    EXPECT_EQ(refused.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(error.source, v4("192.0.0.1"));
    EXPECT_EQ(error.destination, net::host);
    EXPECT_EQ(error.l4.icmp_type, 3);
    EXPECT_EQ(error.l4.icmp_code, 1);
    ASSERT_EQ(error.quoted.size(), 1u);
    EXPECT_EQ(error.quoted[0].l4.source_port, 7000);
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 1u);
    // Another subscriber is not affected, and old flows still pass both ways.
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 7000, net::server1, 53)).verdict, Verdict::to_uplink);
    for (std::uint16_t i = 0; i < 3; ++i) {
        EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 6000 + i, net::server1, 53)).verdict, Verdict::to_uplink);
        const auto* p = ok[i].decoded.ip4();
        EXPECT_EQ(from_uplink(udp(net::server1, 53, p->source, p->l4.source_port)).verdict, Verdict::to_b4);
    }
    expect_balanced();
}

TEST_F(EngineTest, SubscriberIsThePrefixNotTheAddress) {
    auto c = base_config();
    c.quota.udp = 2;
    c.softwires_per_subscriber = 3;  // three B4 addresses at once, one quota
    make(c);
    EXPECT_EQ(from_b4(v6("2001:db8:a::2"), udp(net::host, 1, net::server1, 53)).verdict, Verdict::to_uplink);
    EXPECT_EQ(from_b4(v6("2001:db8:a:ff::3"), udp(net::host, 2, net::server1, 53)).verdict, Verdict::to_uplink);
    // Same /56: the third binding is over the subscriber's quota.
    EXPECT_EQ(from_b4(v6("2001:db8:a:1::9"), udp(net::host, 3, net::server1, 53)).verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 1u);
    EXPECT_EQ(engine->subscriber_count(), 1u);
}

// dslite-ctl top: each subscriber's packets of the last whole second, each
// way, of its bindings only; a second without packets reads as none.
TEST_F(EngineTest, SubscriberPacketsPerSecondAreTheLastWholeSecond) {
    const auto pps = [&](const Ipv6Address& b4) {
        std::pair<std::uint32_t, std::uint32_t> found{~0u, ~0u};
        engine->for_each_subscriber([&](const SubscriberInfo& s) {
            if (s.prefix.contains(b4)) found = {s.pps_from_b4, s.pps_to_b4};
        });
        return found;
    };
    const auto at = [](std::int64_t second) { return Time(std::chrono::seconds(1'700'000'000 + second)); };
    const Bound a = bind_udp(net::b4_a, 0);
    for (int i = 0; i < 2; ++i) from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0);
    for (int i = 0; i < 2; ++i) from_uplink(udp(net::server1, 53, a.pub, a.port), 0);
    bind_udp(net::b4_b, 0);
    using P = std::pair<std::uint32_t, std::uint32_t>;
    EXPECT_EQ(pps(net::b4_a), P(0, 0)) << "second 0 is not over yet";
    engine->advance(at(1));
    EXPECT_EQ(pps(net::b4_a), P(3, 2));
    EXPECT_EQ(pps(net::b4_b), P(1, 0));
    // Second 1: one reply for A; at second 2 that is what A did.
    from_uplink(udp(net::server1, 53, a.pub, a.port), 1);
    EXPECT_EQ(pps(net::b4_a), P(3, 2)) << "second 1 is not over yet";
    engine->advance(at(2));
    EXPECT_EQ(pps(net::b4_a), P(0, 1));
    EXPECT_EQ(pps(net::b4_b), P(0, 0));
    // A packet after a silent second: the silent one is the last whole second.
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 4);
    EXPECT_EQ(pps(net::b4_a), P(0, 0));
    engine->advance(at(5));
    EXPECT_EQ(pps(net::b4_a), P(1, 0));
    engine->advance(at(7));
    EXPECT_EQ(pps(net::b4_a), P(0, 0));
    // Dropped packets are not the subscriber's traffic.
    from_uplink(udp(net::server1, 53, a.pub, static_cast<std::uint16_t>(a.port + 1)), 7);
    engine->advance(at(8));
    EXPECT_EQ(pps(net::b4_a), P(0, 0));
    expect_balanced();
}

// RFC 7785 4 [rows 25, 27]: one softwire per subscriber by default. A new B4
// address in the prefix takes it over with its bindings (same public address
// and port, replies to the new address); the old one is refused until the
// move hold has passed.
TEST_F(EngineTest, SoftwireMovesToTheNewB4AddressWithItsBindings) {
    make_with([](EngineConfig& c) { c.softwire_move_hold = 10; });
    const Ipv6Address renumbered = v6("2001:db8:a:1::7");  // net::b4_a's /56
    const Bound before = bind_udp(net::b4_a, 0);
    const Out moved = from_b4(renumbered, udp(net::host, 5000, net::server1, 53), 1);
    ASSERT_EQ(moved.verdict, Verdict::to_uplink);
    EXPECT_EQ(moved.decoded.ip4()->source, before.pub);
    EXPECT_EQ(moved.decoded.ip4()->l4.source_port, before.port);
    EXPECT_EQ(count(Counter::softwires_moved), 1u);
    EXPECT_EQ(engine->binding_count(), 1u);
    const Out reply = from_uplink(udp(net::server1, 53, before.pub, before.port), 2);
    ASSERT_EQ(reply.verdict, Verdict::to_b4);
    EXPECT_EQ(reply.decoded.ipv6->destination, renumbered);

    // The old address within the hold: refused, nothing moved or made.
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 5).verdict, Verdict::drop);
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 6000, net::server1, 53), 5).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_b4_softwire_limit), 2u);
    EXPECT_EQ(engine->binding_count(), 1u);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, before.pub, before.port), 6).decoded.ipv6->destination, renumbered);
    // Past the hold it may move back.
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 11).decoded.ip4()->l4.source_port,
              before.port);
    EXPECT_EQ(count(Counter::softwires_moved), 2u);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, before.pub, before.port), 12).decoded.ipv6->destination, net::b4_a);
    // Another subscriber's B4 is no one's move.
    bind_udp(net::b4_b, 13);
    EXPECT_EQ(count(Counter::softwires_moved), 2u);
    expect_balanced();
}

// --softwires-per-subscriber 2: two B4s of one prefix each keep their own
// bindings (the same inner address and port get two public ports); a third
// takes over the one used least recently.
TEST_F(EngineTest, SoftwiresPerSubscriberIsALimit) {
    make_with([](EngineConfig& c) { c.softwires_per_subscriber = 2; });
    const Ipv6Address second = v6("2001:db8:a:1::2"), third = v6("2001:db8:a:2::2");
    const Bound a = bind_udp(net::b4_a, 0);
    const Bound b = bind_udp(second, 1);
    EXPECT_NE(a.port, b.port);
    EXPECT_EQ(a.pub, b.pub);
    EXPECT_EQ(count(Counter::softwires_moved), 0u);
    bind_udp(second, 2);  // net::b4_a is now the least recently used
    const Out took = from_b4(third, udp(net::host, 5000, net::server1, 53), 3);
    ASSERT_EQ(took.verdict, Verdict::to_uplink);
    EXPECT_EQ(took.decoded.ip4()->l4.source_port, a.port) << "the third address has net::b4_a's bindings";
    EXPECT_EQ(count(Counter::softwires_moved), 1u);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, a.pub, a.port), 4).decoded.ipv6->destination, third);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, b.pub, b.port), 4).decoded.ipv6->destination, second);
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 5).verdict, Verdict::drop);  // 1800 s hold
    EXPECT_EQ(count(Counter::drop_b4_softwire_limit), 1u);
    expect_balanced();
}

TEST_F(EngineTest, HairpinArrivesWithTheSendersPublicEndpoint) {
    auto b = from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53));
    auto a = from_b4(net::b4_a, udp(v4("192.168.1.20"), 6000, net::server1, 53));
    const auto bpub = b.decoded.ip4()->source;
    const auto bport = b.decoded.ip4()->l4.source_port;
    auto hp = from_b4(net::b4_a, udp(v4("192.168.1.20"), 6000, bpub, bport), 1);
    ASSERT_EQ(hp.verdict, Verdict::to_b4);
    EXPECT_EQ(hp.decoded.ipv6->destination, net::b4_b);
    const auto& inner = *hp.decoded.ipv6->inner;
    EXPECT_EQ(inner.destination, net::host);
    EXPECT_EQ(inner.l4.destination_port, 5000);
    EXPECT_EQ(inner.source, a.decoded.ip4()->source);  // RFC 4787 REQ-9: external source
    EXPECT_EQ(inner.l4.source_port, a.decoded.ip4()->l4.source_port);
    EXPECT_EQ(count(Counter::out_hairpin_packets), 1u);

    // To a pool port nobody holds: a hairpin miss, counted as one, not as an uplink packet's.
    EXPECT_EQ(from_b4(net::b4_a, udp(v4("192.168.1.20"), 6000, bpub, static_cast<std::uint16_t>(bport ^ 1)), 2).verdict,
              Verdict::drop);
    EXPECT_EQ(count(Counter::drop_hairpin_no_binding), 1u);
    EXPECT_EQ(count(Counter::drop_uplink_no_binding), 0u);
    expect_balanced();
}

// RFC 4787 REQ-4 [row 40]: an even UDP source port gets an even public port, an odd one an odd.
TEST_F(EngineTest, UdpKeepsPortParity) {
    for (std::uint16_t port = 5000; port < 5040; ++port) {
        auto out = from_b4(net::b4_a, udp(net::host, port, net::server1, 53));
        ASSERT_EQ(out.verdict, Verdict::to_uplink);
        EXPECT_EQ(out.decoded.ip4()->l4.source_port & 1, port & 1) << port;
    }
}

// RFC 4787 / 5382 [row 76]: mappings and filters are per protocol: UDP to
// a public port that only a TCP binding holds reaches nobody.
TEST_F(EngineTest, UdpToAPortOnlyTcpHoldsIsDropped) {
    auto syn = from_b4(net::b4_a, tcp(net::host, 40000, net::server1, 80, wire::tcp::syn));
    ASSERT_EQ(syn.verdict, Verdict::to_uplink);
    const auto pub = syn.decoded.ip4()->source;
    const auto port = syn.decoded.ip4()->l4.source_port;
    EXPECT_EQ(from_uplink(udp(net::server1, 80, pub, port)).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_no_binding), 1u);
    EXPECT_EQ(from_uplink(tcp(net::server1, 80, pub, port, wire::tcp::syn | wire::tcp::ack)).verdict, Verdict::to_b4);
    expect_balanced();
}

TEST_F(EngineTest, TtlExpiryAnswersFrom192_0_0_1DownTheSameSoftwire) {
    auto out = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 33434, 1));
    ASSERT_EQ(out.verdict, Verdict::to_b4);
    EXPECT_EQ(out.decoded.ipv6->destination, net::b4_a);
    const auto& e = *out.decoded.ipv6->inner;
    EXPECT_EQ(e.source, v4("192.0.0.1"));
    EXPECT_EQ(e.destination, net::host);
    EXPECT_EQ(e.l4.icmp_type, 11);
    EXPECT_EQ(e.l4.icmp_code, 0);
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(count(Counter::drop_inner_ttl_expired), 1u);
    EXPECT_EQ(count(Counter::sent_icmp_time_exceeded), 1u);
}

TEST_F(EngineTest, TrafficClassAndTosAreCopiedBothWays) {
    auto up = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0, 0x28);
    EXPECT_EQ(up.decoded.ip4()->tos, 0x28);
    Ipv4Header h;
    h.source = net::server1;
    h.destination = up.decoded.ip4()->source;
    h.tos = 0xb8;  // DSCP 46
    auto down = from_uplink(ipv4_udp(h, UdpDatagram{53, up.decoded.ip4()->l4.source_port, {}, false}));
    EXPECT_EQ(down.decoded.ipv6->traffic_class, 0xb8);
}

TEST_F(EngineTest, EncapsulationLimitOptionIsAccepted) {
    Ipv6Header h;
    h.source = net::b4_a;
    h.destination = net::aftr;
    h.encapsulation_limit = 4;
    EXPECT_EQ(run(Side::b4, softwire(h, udp(net::host, 1, net::server1, 2)), 0).verdict, Verdict::to_uplink);
}

TEST_F(EngineTest, UdpZeroChecksumStaysZero) {
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    auto out = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{1000, 2000, text_bytes("z"), true}));
    EXPECT_EQ(out.decoded.ip4()->l4.checksum, 0);
}

TEST_F(EngineTest, AftrAnswersPingOnBothFamilies) {
    Ipv4Header h;
    h.source = net::host;
    h.destination = v4("192.0.0.1");
    auto v4reply = from_b4(net::b4_a, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 9, 3, text_bytes("p")}));
    ASSERT_EQ(v4reply.verdict, Verdict::to_b4);
    EXPECT_EQ(v4reply.decoded.ipv6->inner->source, v4("192.0.0.1"));
    EXPECT_EQ(v4reply.decoded.ipv6->inner->l4.icmp_type, 0);
    Ipv6Header v6h;
    v6h.source = net::b4_a;
    v6h.destination = net::aftr;
    auto v6reply = run(Side::b4, ipv6_icmp(v6h, IcmpMessage{128, 0, 5, 6, text_bytes("q")}), 0);
    ASSERT_EQ(v6reply.verdict, Verdict::to_b4);
    EXPECT_EQ(v6reply.decoded.ipv6->source, net::aftr);
    EXPECT_EQ(v6reply.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(v6reply.decoded.ipv6->icmpv6->icmp_type, 129);
    EXPECT_EQ(engine->binding_count(), 0u);
}

TEST_F(EngineTest, BadPacketsAreDroppedByReasonAndCreateNothing) {
    struct Case {
        const char* name;
        Bytes packet;
        Side side;
        Counter counter;
    };
    Bytes bad_sum = udp(net::host, 1, net::server1, 2);
    bad_sum[10] ^= 0xff;
    Bytes lying = udp(net::host, 1, net::server1, 2);
    wire::store16(lying.data() + 2, 200);
    refresh_ipv4_header_checksum(lying);
    Bytes public_source = udp(v4("203.0.113.5"), 1, net::server1, 2);
    Ipv6Header h;
    h.source = net::b4_a;
    h.destination = net::aftr;
    Ipv6Header wrong = h;
    wrong.destination = v6("2001:db8:ff::2");
    Bytes short_v6 = softwire(h, udp(net::host, 1, net::server1, 2));
    short_v6.resize(short_v6.size() - 3);
    Bytes cut_tcp = tcp(net::host, 1, net::server1, 2, wire::tcp::syn);
    cut_tcp.resize(30);
    wire::store16(cut_tcp.data() + 2, 30);
    refresh_ipv4_header_checksum(cut_tcp);
    Bytes to_pool_no_binding = udp(net::server1, 1, v4("198.51.100.3"), 4000);
    Bytes not_pool = udp(net::server1, 1, v4("192.0.2.1"), 4000);

    const Case cases[] = {
        {"inner checksum", softwire(h, bad_sum), Side::b4, Counter::drop_inner_bad_checksum},
        {"inner length lies", softwire(h, lying), Side::b4, Counter::drop_inner_truncated},
        {"public inner source", softwire(h, public_source), Side::b4, Counter::drop_inner_bad_source},
        {"not to the AFTR", softwire(wrong, udp(net::host, 1, net::server1, 2)), Side::b4,
         Counter::drop_b4_wrong_destination},
        {"IPv6 truncated", short_v6, Side::b4, Counter::drop_b4_truncated},
        {"TCP header cut", softwire(h, cut_tcp), Side::b4, Counter::drop_b4_l4_truncated},
        {"uplink without binding", to_pool_no_binding, Side::uplink, Counter::drop_uplink_no_binding},
        {"uplink not to the pool", not_pool, Side::uplink, Counter::drop_uplink_not_pool},
        {"IPv4 on the B4 side", udp(net::host, 1, net::server1, 2), Side::b4, Counter::drop_b4_not_ipv6},
        {"empty", Bytes{}, Side::uplink, Counter::drop_uplink_truncated},
    };
    for (const auto& c : cases) {
        const auto before = count(c.counter);
        EXPECT_EQ(run(c.side, c.packet, 0).verdict, Verdict::drop) << c.name;
        EXPECT_EQ(count(c.counter), before + 1) << c.name;
    }
    EXPECT_EQ(engine->binding_count(), 0u);
    expect_balanced();
}

TEST_F(EngineTest, SameSeedSameOutput) {
    auto first = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53)).bytes;
    make(base_config());
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53)).bytes, first);
    make_with([](EngineConfig& c) { c.seed = 99; });
    EXPECT_NE(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53)).bytes, first);
}

TEST_F(EngineTest, FreedPortIsNotReusedWithin120s) {
    auto c = base_config();
    c.pools = {*parse_ipv4_prefix("198.51.100.1/32")};
    c.port_min = c.port_max = 4000;  // a single port makes reuse observable
    make(c);
    ASSERT_EQ(from_b4(net::b4_a, udp(net::host, 1, net::server1, 53), 0).verdict, Verdict::to_uplink);
    // Expired after 300 s; the port is held until 301 + 120.
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 302).verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_pool_exhausted), 1u);
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 302 + 121).verdict, Verdict::to_uplink);
}

// The burst entry points only add lookahead: same verdicts, same bytes,
// same counters as one call per packet, including for odd packets.
TEST(EngineBurst, SameResultAsOnePacketAtATime) {
    std::vector<Bytes> b4_side, uplink_side;
    Ipv6Header h;
    h.destination = net::aftr;
    for (int i = 0; i < 40; ++i) {
        h.source = i % 2 ? net::b4_a : net::b4_b;
        Ipv4Header ip;
        ip.source = net::host;
        ip.destination = net::server1;
        if (i % 3 == 0)
            b4_side.push_back(
                softwire(h, ipv4_udp(ip, UdpDatagram{static_cast<std::uint16_t>(1000 + i % 7), 53, {}, false})));
        else if (i % 3 == 1)
            b4_side.push_back(softwire(h, ipv4_icmp(ip, IcmpMessage{8, 0, static_cast<std::uint16_t>(i % 5), 1, {}})));
        else
            b4_side.push_back(Bytes(i, 0x60));  // short junk
    }
    auto run = [&](bool burst, std::vector<Verdict>& verdicts, std::vector<Bytes>& out) {
        Engine engine(base_config());
        struct : Emitter {
            void emit(Side, std::span<const std::uint8_t>) override {}
        } none;
        std::vector<std::unique_ptr<PacketBuffer>> storage;
        std::vector<Packet> packets;
        for (const auto& b : b4_side) {
            storage.push_back(std::make_unique<PacketBuffer>());
            packets.push_back(storage.back()->holding(b));
        }
        verdicts.assign(packets.size(), Verdict::drop);
        const Time t = std::chrono::seconds(100);
        if (burst)
            engine.from_b4(std::span<Packet>(packets), std::span<Verdict>(verdicts), t, none);
        else
            for (std::size_t i = 0; i < packets.size(); ++i) verdicts[i] = engine.from_b4(packets[i], t, none);
        for (auto& p : packets) out.emplace_back(p.data(), p.data() + p.size());
        return engine.counters().values();
    };
    std::vector<Verdict> v1, v2;
    std::vector<Bytes> o1, o2;
    auto c1 = run(false, v1, o1);
    auto c2 = run(true, v2, o2);
    EXPECT_EQ(v1, v2);
    EXPECT_EQ(o1, o2);
    EXPECT_EQ(c1, c2);
    EXPECT_GT(std::count(v1.begin(), v1.end(), Verdict::to_uplink), 20);
}

class IcmpErrorTest : public EngineTest {
protected:
    // An error of `type`/`code` from `from` to `to` quoting `quoted` (first 28 bytes, as routers do).
    static Bytes error(Ipv4Address from, Ipv4Address to, std::uint8_t type, std::uint8_t code, const Bytes& quoted,
                       std::size_t quote = 28) {
        Ipv4Header h;
        h.source = from;
        h.destination = to;
        IcmpMessage m{type, code, 0, 0, Bytes(quoted.begin(), quoted.begin() + std::min(quote, quoted.size()))};
        return ipv4_icmp(h, m);
    }
};

// RFC 6333 7.1-7.2 [row 70]: a router's Fragmentation Needed about a
// flow's DF packet reaches the host behind the B4, with its MTU.
TEST_F(IcmpErrorTest, FragmentationNeededFromTheInternetReachesTheHost) {
    Ipv4Header h{net::host, net::server1};
    h.dont_fragment = true;
    auto out = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5000, 53, Bytes(1200, 1), false}), 0);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    auto back = from_uplink(ipv4_icmp({v4("192.0.2.1"), out.decoded.ip4()->source},
                                      IcmpMessage{3, 4, 0, 1000, Bytes(out.bytes.begin(), out.bytes.begin() + 28)}),
                            1);
    ASSERT_EQ(back.verdict, Verdict::to_b4);
    const auto& e = *back.decoded.ipv6->inner;
    EXPECT_EQ(e.destination, net::host);
    EXPECT_EQ(e.l4.icmp_type, 3);
    EXPECT_EQ(e.l4.icmp_code, 4);
    EXPECT_EQ(e.l4.icmp_sequence, 1000) << "the next-hop MTU";
    ASSERT_EQ(e.quoted.size(), 1u);
    EXPECT_EQ(e.quoted[0].l4.source_port, 5000);
}

TEST_F(IcmpErrorTest, ErrorFromTheInternetReachesTheHostWithTheQuoteRestored) {
    const auto [out, pub, port] = bind_udp();
    const Bytes sent = out.bytes;
    for (std::size_t quote : {std::size_t{28}, sent.size()}) {
        auto back = from_uplink(error(v4("192.0.2.1"), pub, 3, 3, sent, quote), 100);
        ASSERT_EQ(back.verdict, Verdict::to_b4) << quote;
        EXPECT_EQ(back.decoded.ipv6->destination, net::b4_a);
        const auto& e = *back.decoded.ipv6->inner;
        EXPECT_EQ(e.destination, net::host);
        EXPECT_EQ(e.source, v4("192.0.2.1"));  // the reporting router stays visible (traceroute)
        EXPECT_EQ(e.l4.icmp_type, 3);
        EXPECT_EQ(e.l4.icmp_code, 3);
        ASSERT_EQ(e.quoted.size(), 1u);
        EXPECT_EQ(e.quoted[0].source, net::host);
        EXPECT_EQ(e.quoted[0].l4.source_port, 5000);
        EXPECT_TRUE(e.quoted[0].header_checksum_ok);
    }
    // Errors do not refresh: the binding still expires 300 s after its last packet.
    EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, port), 302).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_no_binding), 1u);
    expect_balanced();
}

TEST_F(IcmpErrorTest, HostsPortUnreachableLeavesFromItsPublicEndpoint) {
    const auto [out, pub, port] = bind_udp();
    auto in = from_uplink(udp(net::server1, 53, pub, port), 1);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    const Bytes delivered = in.decoded.ipv6->inner->bytes;
    auto up = from_b4(net::b4_a, error(net::host, net::server1, 3, 3, delivered), 2);
    ASSERT_EQ(up.verdict, Verdict::to_uplink);
    const auto& e = *up.decoded.ipv4;
    EXPECT_EQ(e.source, pub);
    EXPECT_EQ(e.destination, net::server1);
    ASSERT_EQ(e.quoted.size(), 1u);
    EXPECT_EQ(e.quoted[0].destination, pub);
    EXPECT_EQ(e.quoted[0].l4.destination_port, port);
    EXPECT_EQ(e.quoted[0].source, net::server1);
}

TEST_F(IcmpErrorTest, TracerouteTimeExceededAndErrorsAboutErrors) {
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    auto probe = from_b4(net::b4_a, ipv4_icmp(h, IcmpMessage{wire::icmp::echo_request, 0, 4242, 1, {}}), 0);
    ASSERT_EQ(probe.verdict, Verdict::to_uplink);
    const auto pub = probe.decoded.ip4()->source;
    auto hop = from_uplink(error(v4("192.0.2.254"), pub, 11, 0, probe.bytes), 1);
    ASSERT_EQ(hop.verdict, Verdict::to_b4);
    EXPECT_EQ(hop.decoded.ipv6->inner->quoted[0].l4.icmp_identifier, 4242);
    // An error quoting an error is never translated.
    auto nested = error(v4("192.0.2.254"), pub, 3, 1, hop.decoded.ipv6->inner->bytes);
    EXPECT_EQ(from_uplink(nested, 2).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_icmp_quote), 1u);
    // An error about a packet no binding sent.
    EXPECT_EQ(from_uplink(error(v4("192.0.2.254"), pub, 3, 1, udp(pub, 1, net::server1, 2)), 3).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_icmp_no_binding), 1u);
    expect_balanced();
}

TEST_F(IcmpErrorTest, GeneratedErrorsAreRateLimited) {
    make_with([](EngineConfig& c) { c.icmp_errors_per_second = 2; });
    int answered = 0;
    for (int i = 0; i < 5; ++i)
        answered += from_b4(net::b4_a, udp(net::host, 5000, net::server1, 33434, 1), 7).verdict == Verdict::to_b4;
    EXPECT_EQ(answered, 2);
    EXPECT_EQ(count(Counter::icmp_errors_rate_limited), 3u);
    EXPECT_EQ(count(Counter::drop_inner_ttl_expired), 5u);
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 5000, net::server1, 33434, 1), 8).verdict,
              Verdict::to_b4);  // next second
    expect_balanced();
}

TEST_F(EngineTest, NewBindingsPerSecondAreLimitedPerSubscriber) {
    make_with([](EngineConfig& c) { c.new_bindings_per_second = 5; });
    int made = 0;
    for (std::uint16_t port = 1; port <= 8; ++port)
        made += from_b4(net::b4_a, udp(net::host, port, net::server1, 53), 10).verdict == Verdict::to_uplink;
    EXPECT_EQ(made, 5);
    EXPECT_EQ(count(Counter::drop_binding_rate_limited), 3u);
    // Existing bindings still pass, another subscriber is not limited, and the next second opens again.
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 1, net::server1, 53), 10).verdict, Verdict::to_uplink);
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 10).verdict, Verdict::to_uplink);
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 100, net::server1, 53), 11).verdict, Verdict::to_uplink);
    expect_balanced();
}

// RFC 6888 REQ-5 and REQ-11: a full table refuses new flows with 3/1 and
// never evicts; what exists keeps working for everyone.
TEST_F(EngineTest, FullTablesRefuseNewFlowsAndKeepOldOnes) {
    make_with([](EngineConfig& c) {
        c.max_bindings = 3;
        c.max_subscribers = 2;
    });
    ASSERT_EQ(from_b4(net::b4_a, udp(net::host, 1, net::server1, 53)).verdict, Verdict::to_uplink);
    ASSERT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53)).verdict, Verdict::to_uplink);
    // A third subscriber: no room for it.
    auto third = from_b4(v6("2001:db8:c::2"), udp(net::host, 1, net::server1, 53));
    ASSERT_EQ(third.verdict, Verdict::to_b4);
    EXPECT_EQ(third.decoded.ipv6->inner->l4.icmp_type, 3);
    EXPECT_EQ(count(Counter::drop_subscriber_table_full), 1u);
    ASSERT_EQ(from_b4(net::b4_a, udp(net::host, 2, net::server1, 53)).verdict, Verdict::to_uplink);
    // The binding table is full now.
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 2, net::server1, 53)).verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_binding_table_full), 1u);
    EXPECT_EQ(engine->binding_count(), 3u);
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53)).verdict, Verdict::to_uplink);
    EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 2, net::server1, 53)).verdict, Verdict::to_uplink);
    expect_balanced();
}

// Unsolicited inbound traffic never creates state.
TEST_F(EngineTest, UnsolicitedInboundCreatesNothing) {
    for (std::uint16_t port = 1024; port < 1100; ++port) {
        from_uplink(udp(net::server1, 53, v4("198.51.100.1"), port));
        from_uplink(tcp(net::server1, 80, v4("198.51.100.2"), port, wire::tcp::syn));
    }
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(engine->subscriber_count(), 0u);
    EXPECT_EQ(count(Counter::drop_uplink_no_binding), 152u);
    // RFC 5382 REQ-4 [row 54]: an unsolicited SYN is answered with silence,
    // never with an error sooner than 6 s.
    EXPECT_TRUE(extra.packets.empty());
    EXPECT_EQ(count(Counter::sent_icmp_unreachable), 0u);
}

// RFC 4787 REQ-3 / 5382 [rows 39, 57]: when the pool's ports are all bound,
// a new flow fails; no public address and port ever carries two bindings.
TEST_F(EngineTest, AnExhaustedPoolRefusesNewFlowsAndSharesNoPort) {
    make_with([](EngineConfig& c) {
        c.pools = {*parse_ipv4_prefix("198.51.100.1/32")};
        c.port_min = 2000;
        c.port_max = 2009;
    });
    std::set<std::pair<std::uint32_t, std::uint16_t>> ends;
    const Ipv6Address b4s[] = {net::b4_a, net::b4_b};
    for (int i = 0; i < 10; ++i) {
        auto out = from_b4(b4s[i % 2], udp(net::host, static_cast<std::uint16_t>(6000 + i), net::server1, 53));
        ASSERT_EQ(out.verdict, Verdict::to_uplink) << i;
        EXPECT_TRUE(ends.insert({out.decoded.ip4()->source.value, out.decoded.ip4()->l4.source_port}).second)
            << "a public end handed out twice";
    }
    for (const auto& b4 : b4s)
        EXPECT_EQ(from_b4(b4, udp(net::host, 7000, net::server1, 53)).verdict, Verdict::to_b4);  // 3/1
    EXPECT_EQ(count(Counter::drop_pool_exhausted), 2u);
    EXPECT_EQ(engine->binding_count(), 10u);
    expect_balanced();
}

// RFC 6888 REQ-3 [row 83]: several pools, not contiguous, all used.
TEST_F(EngineTest, SeveralPoolsThatAreNotContiguousAreAllUsed) {
    make_with([](EngineConfig& c) {
        c.pools = {*parse_ipv4_prefix("198.51.100.8/31"), *parse_ipv4_prefix("203.0.113.200/32")};
        c.max_subscribers = 64;
    });
    std::set<std::uint32_t> used;
    for (unsigned n = 0; n < 48; ++n) {
        Ipv6Address b4 = net::b4_a;
        b4[5] = static_cast<std::uint8_t>(n);  // one subscriber each
        auto out = from_b4(b4, udp(net::host, 5000, net::server1, 53));
        ASSERT_EQ(out.verdict, Verdict::to_uplink);
        const Ipv4Address pub = out.decoded.ip4()->source;
        EXPECT_TRUE(engine->config().pools[0].contains(pub) || engine->config().pools[1].contains(pub))
            << to_string(pub);
        used.insert(pub.value);
        EXPECT_EQ(from_uplink(udp(net::server1, 53, pub, out.decoded.ip4()->l4.source_port)).verdict, Verdict::to_b4);
    }
    EXPECT_EQ(used.size(), 3u) << "every pool address serves subscribers";
}

// Row 79: hosts behind two B4s may send the same IPv4 ID; on one public
// address the IDs must differ, or fragments downstream would mix.
TEST_F(EngineTest, FragmentableDatagramsGetDistinctIdsOnThePublicSide) {
    make_with([](EngineConfig& c) { c.pools = {*parse_ipv4_prefix("198.51.100.1/32")}; });
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    h.identification = 0x1234;
    auto a = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5000, 53, text_bytes("a"), false}));
    auto b = from_b4(net::b4_b, ipv4_udp(h, UdpDatagram{5000, 53, text_bytes("b"), false}));
    ASSERT_EQ(a.decoded.ipv4->source, b.decoded.ipv4->source);
    EXPECT_NE(a.decoded.ipv4->identification, b.decoded.ipv4->identification);
    EXPECT_TRUE(a.decoded.ipv4->header_checksum_ok);
    // DF=1 datagrams are never fragmented: their ID is left alone.
    h.dont_fragment = true;
    auto df = from_b4(net::b4_a, ipv4_udp(h, UdpDatagram{5000, 53, text_bytes("c"), false}));
    EXPECT_EQ(df.decoded.ipv4->identification, 0x1234);
}

// The port hold counts from when the binding expired, even if the engine
// only noticed after an idle gap (a replay, or a quiet daemon).
TEST_F(EngineTest, PortHoldRunsFromTheExpiryNotFromWhenItWasNoticed) {
    make_with([](EngineConfig& c) {
        c.pools = {*parse_ipv4_prefix("198.51.100.1/32")};
        c.port_min = c.port_max = 4000;
    });
    ASSERT_EQ(from_b4(net::b4_a, udp(net::host, 1, net::server1, 53), 0).verdict, Verdict::to_uplink);
    // Expired at 301, held until 421; nothing happens until 1000.
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 1000).verdict, Verdict::to_uplink);
}

// An error too big for the softwire is cut to fit, not sent too big.
TEST_F(EngineTest, OversizedInboundErrorsAreCutToTheTunnelMtu) {
    auto out = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0);
    Ipv4Header h;
    h.source = v4("192.0.2.1");
    h.destination = out.decoded.ipv4->source;
    Bytes quote = out.bytes;
    quote.resize(1472, 0);  // a non-conforming router quoting far more than 576 bytes
    auto back = from_uplink(ipv4_icmp(h, IcmpMessage{3, 1, 0, 0, quote}), 1);
    ASSERT_EQ(back.verdict, Verdict::to_b4);
    EXPECT_LE(back.bytes.size(), 1500u);
    EXPECT_EQ(back.decoded.ipv6->inner->quoted[0].source, net::host);
}

}  // namespace
}  // namespace dslite

namespace dslite {
namespace {

using namespace test;

TEST(SplitPortRange, DisjointSlicesCoverTheRange) {
    const auto slices = split_port_range(1024, 65535, 3);
    ASSERT_EQ(slices.size(), 3u);
    EXPECT_EQ(slices.front().first, 1024);
    EXPECT_EQ(slices.back().second, 65535);
    for (std::size_t i = 1; i < slices.size(); ++i) EXPECT_EQ(slices[i].first, slices[i - 1].second + 1);
    EXPECT_TRUE(split_port_range(10, 9, 2).empty());
}

// Engines side by side (one per core later): each hands out only its own
// slice of every pool address, so the uplink can be steered by port.
TEST_F(EngineTest, EnginesWithDisjointSlicesNeverShareAPort) {
    const auto slices = split_port_range(1024, 1087, 2);
    std::vector<std::unique_ptr<Engine>> engines;
    for (const auto& [lo, hi] : slices) {
        auto c = base_config();
        c.pools = {*parse_ipv4_prefix("198.51.100.1/32")};
        c.port_min = lo;
        c.port_max = hi;
        engines.push_back(std::make_unique<Engine>(c));
    }
    for (std::size_t e = 0; e < engines.size(); ++e) {
        engine = std::move(engines[e]);
        for (std::uint16_t port = 1; port <= 32; ++port) {
            auto out = from_b4(net::b4_a, udp(net::host, port, net::server1, 53));
            ASSERT_EQ(out.verdict, Verdict::to_uplink);
            EXPECT_GE(out.decoded.ipv4->l4.source_port, slices[e].first);
            EXPECT_LE(out.decoded.ipv4->l4.source_port, slices[e].second);
        }
        // The slice is exhausted: the 33rd flow is refused, not given a port of the other engine.
        EXPECT_EQ(from_b4(net::b4_a, udp(net::host, 99, net::server1, 53)).verdict, Verdict::to_b4);
    }
}

}  // namespace
}  // namespace dslite
