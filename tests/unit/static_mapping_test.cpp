// SPDX-License-Identifier: BSD-2-Clause
// Static mappings (--static-mapping, issue 12): a port forward reserved at
// start, never expiring, open both ways, never handed out dynamically, and
// refused at start with one line when it cannot be kept.
#include <set>

#include "dslite/engine_options.hpp"
#include "dslite/shares.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

const Ipv4Address kCamera = v4("192.168.1.20");

StaticMapping mapping(Protocol proto, std::uint16_t inside_port, std::uint16_t public_port,
                      const Ipv6Address& b4 = net::b4_a, Ipv4Address public_address = net::pool) {
    return {proto, b4, kCamera, inside_port, public_address, public_port};
}

class StaticMappingTest : public EngineTest {
protected:
    void SetUp() override {
        make_with([](EngineConfig& c) {
            c.pools = {Ipv4Prefix{net::pool, 32}};
            c.port_min = 40000;
            c.port_max = 40003;
            c.static_mappings = {mapping(Protocol::udp, 8080, 40001), mapping(Protocol::tcp, 80, 40002)};
        });
    }
    std::vector<Event> drain() {
        std::vector<Event> out(engine->events()->capacity());
        out.resize(engine->events()->pop(out));
        return out;
    }
};

TEST_F(StaticMappingTest, InboundReachesTheInsideEndBeforeItEverSent) {
    const Out in = from_uplink(udp(net::server1, 5555, net::pool, 40001), 0);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a);
    EXPECT_EQ(in.decoded.ip4()->destination, kCamera);
    EXPECT_EQ(in.decoded.ip4()->l4.destination_port, 8080);
    // A TCP SYN from the Internet opens the TCP one.
    const Out syn = from_uplink(tcp(net::server1, 6000, net::pool, 40002, wire::tcp::syn), 0);
    ASSERT_EQ(syn.verdict, Verdict::to_b4);
    EXPECT_EQ(syn.decoded.ip4()->l4.destination_port, 80);
    // Nothing on the other ports.
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40002), 0).verdict, Verdict::drop);
}

TEST_F(StaticMappingTest, OutboundFromTheInsideEndLeavesFromThePublicPort) {
    const Out out = from_b4(net::b4_a, udp(kCamera, 8080, net::server1, 53), 0);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    EXPECT_EQ(out.decoded.ip4()->source, net::pool);
    EXPECT_EQ(out.decoded.ip4()->l4.source_port, 40001);
    EXPECT_EQ(count(Counter::bindings_created), 2u) << "the two static ones only";
}

TEST_F(StaticMappingTest, ItNeverExpiresAndItsPortIsNeverHandedOut) {
    engine->advance(std::chrono::seconds(1'700'000'000 + 1'000'000));
    EXPECT_EQ(engine->binding_count(), 2u);
    // Ports 40000-40003: 40001 (UDP) and 40002 (TCP) are the mappings'.
    std::set<std::uint16_t> udp_ports;
    for (std::uint16_t p = 1; p <= 3; ++p) {
        const Out out = from_b4(net::b4_b, udp(net::host, p, net::server1, 53), 1'000'000);
        ASSERT_EQ(out.verdict, Verdict::to_uplink) << p;
        udp_ports.insert(out.decoded.ip4()->l4.source_port);
    }
    EXPECT_EQ(udp_ports, (std::set<std::uint16_t>{40000, 40002, 40003}));
    EXPECT_EQ(from_b4(net::b4_b, udp(net::host, 4, net::server1, 53), 1'000'000).verdict, Verdict::to_b4)
        << "the pool is out of UDP ports: 3/1";
    EXPECT_EQ(count(Counter::drop_pool_exhausted), 1u);
    // And it still carries, a million seconds on.
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40001), 1'000'001).verdict, Verdict::to_b4);
}

TEST_F(StaticMappingTest, AddressDependentFilteringLetsEveryRemoteIn) {
    make_with([](EngineConfig& c) {
        c.filtering = Filtering::address_dependent;
        c.static_mappings = {mapping(Protocol::udp, 8080, 40001)};
    });
    EXPECT_EQ(from_uplink(udp(net::server1, 5555, net::pool, 40001), 0).verdict, Verdict::to_b4);
    EXPECT_EQ(from_uplink(udp(kServer2, 5555, net::pool, 40001), 0).verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_uplink_filtered), 0u);
}

TEST_F(StaticMappingTest, ItsRecordsComeWhenTheClockStartsAndAtShutdown) {
    from_uplink(udp(net::server1, 5555, net::pool, 40001), 0);
    auto events = drain();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].kind, EventKind::subscriber_created);
    EXPECT_EQ(events[0].b4, net::b4_a);
    EXPECT_EQ(events[1].kind, EventKind::binding_created);
    EXPECT_EQ(events[2].kind, EventKind::binding_created);
    EXPECT_EQ(engine->shutdown(std::chrono::seconds(1'700'000'001), 100), 0u);
    events = drain();
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[0].reason, RemovalReason::shutdown);
    EXPECT_EQ(events[2].kind, EventKind::subscriber_removed);
}

TEST_F(StaticMappingTest, WhatCannotBeKeptIsRefusedAtStart) {
    const auto problem = [](std::vector<StaticMapping> mappings, auto edit) {
        EngineConfig c = base_config();
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.static_mappings = std::move(mappings);
        edit(c);
        return validate(c).value_or("");
    };
    const auto none = [](EngineConfig&) {};
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 40001, net::b4_a, v4("198.51.100.9"))}, none),
              "static-mapping: udp 198.51.100.9:40001: 198.51.100.9 is not in --pool");
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 1000)}, none),
              "static-mapping: udp 198.51.100.1:1000: port 1000 is outside --port-range");
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 40001), mapping(Protocol::udp, 81, 40001, net::b4_b)}, none),
              "static-mapping: udp 198.51.100.1:40001 is mapped twice");
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 40001), mapping(Protocol::tcp, 80, 40001)}, none), "")
        << "TCP and UDP ports are apart";
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 40001), mapping(Protocol::udp, 80, 40002)}, none),
              "static-mapping: udp 198.51.100.1:40002: its inside end 192.168.1.20:80 behind 2001:db8:a::2 has "
              "another mapping");
    EXPECT_EQ(problem({mapping(Protocol::udp, 80, 40001)},
                      [](EngineConfig& c) { c.pools = {*parse_ipv4_prefix("198.51.100.0/30")}; }),
              "");
    EXPECT_EQ(
        problem({mapping(Protocol::udp, 80, 40001), mapping(Protocol::udp, 81, 40001, net::b4_a2, v4("198.51.100.2"))},
                [](EngineConfig& c) { c.pools = {*parse_ipv4_prefix("198.51.100.0/30")}; }),
        "static-mapping: udp 198.51.100.2:40001: subscriber 2001:db8:a::/56 already has public address "
        "198.51.100.1 (one address per subscriber)");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001), mapping(Protocol::tcp, 81, 40002)},
                      [](EngineConfig& c) { c.quota.tcp = 1; }),
              "static-mapping: tcp 198.51.100.1:40002: more static mappings than the subscriber's tcp quota");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001, net::b4_a)},
                      [](EngineConfig& c) { c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:b::/48")}; }),
              "static-mapping: tcp 198.51.100.1:40001: B4 2001:db8:a::2 is outside every --b4-prefix");
    StaticMapping public_inside = mapping(Protocol::tcp, 80, 40001);
    public_inside.inside_address = v4("203.0.113.5");
    EXPECT_EQ(problem({public_inside}, none),
              "static-mapping: tcp 198.51.100.1:40001: inside 203.0.113.5 is not private, 192.0.0.0/29 or an "
              "--inner-prefix");
    // Port blocks: a mapping's block is its subscriber's, past the last whole block there is none.
    const auto blocks = [](EngineConfig& c) {
        c.port_min = 40000;
        c.port_max = 40199;
        c.port_block_size = 64;
    };
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001), mapping(Protocol::tcp, 81, 40063)}, blocks), "");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001), mapping(Protocol::tcp, 81, 40063, net::b4_b)}, blocks),
              "static-mapping: tcp 198.51.100.1:40063: its port block 198.51.100.1:40000-40063 has another "
              "subscriber's static mapping");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001), mapping(Protocol::tcp, 81, 40064, net::b4_b)}, blocks), "");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40195)}, blocks),
              "static-mapping: tcp 198.51.100.1:40195: port 40195 is past the last whole --port-block-size block "
              "of --port-range");
    EXPECT_EQ(problem({mapping(Protocol::tcp, 80, 40001), mapping(Protocol::tcp, 81, 40100)},
                      [&](EngineConfig& c) {
                          blocks(c);
                          c.quota = Quota{.tcp = 64, .udp = 64, .icmp = 8};
                      }),
              "static-mapping: tcp 198.51.100.1:40100: subscriber 2001:db8:a::/56's static mappings are in more "
              "port blocks than the 1 it may hold");
}

// Deterministic mapping (RFC 7422): a mapping inside its subscriber's range
// is kept, one outside it refused; the range's other ports go on by formula.
TEST_F(StaticMappingTest, UnderDeterministicMappingAMappingLiesInItsSubscribersRange) {
    EngineConfig c = base_config();
    c.pools = {Ipv4Prefix{net::pool, 32}};
    c.port_min = 40000;
    c.port_max = 40255;
    c.quota = Quota{.tcp = 16, .udp = 16, .icmp = 4};
    c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/52")};  // 16 subscribers of 16 ports
    c.port_mapping = PortMapping::deterministic;
    const auto map = std::get<DeterministicMap>(DeterministicMap::make(c));
    const DeterministicMap::Range a = map.range_of(*map.number_of(mask_ipv6(net::b4_a, 56)));
    c.static_mappings = {mapping(Protocol::udp, 8080, static_cast<std::uint16_t>(a.first + 3))};
    make(c);
    const Out in = from_uplink(udp(net::server1, 5555, net::pool, a.first + 3), 0);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a);
    // The subscriber's dynamic ports are the rest of its range.
    for (std::uint16_t p = 1; p <= 15; ++p) {
        const Out out = from_b4(net::b4_a, udp(net::host, p, net::server1, 53), 1);
        ASSERT_EQ(out.verdict, Verdict::to_uplink) << p;
        const std::uint16_t port = out.decoded.ip4()->l4.source_port;
        EXPECT_TRUE(port >= a.first && port <= a.last && port != a.first + 3) << port;
    }
    c.static_mappings = {mapping(Protocol::udp, 8080, static_cast<std::uint16_t>(a.last + 1))};
    EXPECT_EQ(validate(c).value_or(""), "static-mapping: udp 198.51.100.1:" + std::to_string(a.last + 1) +
                                            ": subscriber 2001:db8:a::/56's deterministic range is 198.51.100.1:" +
                                            std::to_string(a.first) + "-" + std::to_string(a.last));
}

// Port blocks: the mapping's block is its subscriber's from the start, for
// as long as the mapping lasts; its other ports serve that subscriber only.
TEST_F(StaticMappingTest, UnderPortBlocksTheMappingsBlockIsItsSubscribers) {
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.port_min = 40000;
        c.port_max = 40127;
        c.port_block_size = 64;
        c.quota = Quota{.tcp = 64, .udp = 64, .icmp = 8};
        c.static_mappings = {mapping(Protocol::udp, 8080, 40070)};
    });
    from_uplink(udp(net::server1, 5555, net::pool, 40070), 0);
    const auto events = drain();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, EventKind::subscriber_created);
    EXPECT_EQ(events[1].kind, EventKind::port_block_allocated) << "the block is the record, as for any binding";
    EXPECT_EQ(events[1].public_port, 40064);
    EXPECT_EQ(events[1].public_port_last, 40127);
    // Another subscriber gets the other block; the mapping's subscriber uses its own.
    const Out b = from_b4(net::b4_b, udp(net::host, 1, net::server1, 53), 1);
    ASSERT_EQ(b.verdict, Verdict::to_uplink);
    EXPECT_LT(b.decoded.ip4()->l4.source_port, 40064);
    const Out a = from_b4(net::b4_a, udp(net::host, 1, net::server1, 53), 1);
    ASSERT_EQ(a.verdict, Verdict::to_uplink);
    EXPECT_GE(a.decoded.ip4()->l4.source_port, 40064);
    // The block stays while the mapping does, whatever else comes and goes.
    engine->advance(std::chrono::seconds(1'700'000'000 + 100'000));
    std::size_t held = 0;
    engine->for_each_port_block([&](const PortBlockInfo& i) {
        EXPECT_EQ(i.first, 40064);
        EXPECT_EQ(i.subscriber, (Ipv6Prefix{mask_ipv6(net::b4_a, 56), 56}));
        ++held;
    });
    EXPECT_EQ(held, 1u);
}

TEST(StaticMappingOption, ReadsProtoB4InsideAndPublic) {
    const EngineOption* row = nullptr;
    for (const EngineOption& o : engine_option_rows())
        if (o.name == "static-mapping") row = &o;
    ASSERT_NE(row, nullptr);
    EngineConfig c;
    EXPECT_FALSE(row->read(*row, c, "both 2001:db8:a::2 192.168.1.20:80  198.51.100.1:8080"));
    ASSERT_EQ(c.static_mappings.size(), 2u);
    EXPECT_EQ(c.static_mappings[0], (StaticMapping{Protocol::tcp, net::b4_a, kCamera, 80, net::pool, 8080}));
    EXPECT_EQ(c.static_mappings[1].protocol, Protocol::udp);
    EXPECT_EQ(row->read(*row, c, "sctp 2001:db8:a::2 192.168.1.20:80 198.51.100.1:8080").value_or(""),
              "'sctp' is not tcp, udp or both");
    EXPECT_EQ(row->read(*row, c, "tcp 2001:db8:a::2 192.168.1.20 198.51.100.1:8080").value_or(""),
              "'192.168.1.20' is not IPV4:PORT");
    EXPECT_EQ(row->read(*row, c, "tcp 2001:db8:a::2 192.168.1.20:80").value_or(""),
              "'tcp 2001:db8:a::2 192.168.1.20:80' is not PROTO B4ADDR INSIDE:PORT PUBLIC:PORT");
    EXPECT_EQ(row->read(*row, c, "tcp 10.0.0.1 192.168.1.20:80 198.51.100.1:0").value_or(""),
              "'10.0.0.1' is not an IPv6 address");
    EXPECT_EQ(c.static_mappings.size(), 2u) << "nothing added by a refused value";
}

// With engines side by side, a subscriber with static mappings is the
// engine whose slice holds their ports; mappings in two slices are refused.
TEST(StaticMappingShares, ASubscriberGoesWhereItsMappingsAre) {
    EngineConfig c = base_config();
    c.static_mappings = {mapping(Protocol::udp, 80, 65000)};  // the last of three slices
    ASSERT_FALSE(validate(c).has_value());
    const Shares shares(c, 3);
    EXPECT_FALSE(shares.conflict());
    EXPECT_EQ(shares.of_port(65000), Owner::of(2));
    Ipv6Header h;
    h.source = net::b4_a2;  // another B4 address of the same subscriber
    h.destination = net::aftr;
    Ipv4Header inner;
    inner.source = net::host;
    inner.destination = net::server1;
    EXPECT_EQ(shares.from_b4(softwire(h, ipv4_udp(inner, UdpDatagram{1, 2, text_bytes("x"), false}))), Owner::of(2));
    // Only engine 2 holds it, and has room for it beside its share of the tables.
    for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(Engine(shares.config_of(i)).binding_count(), i == 2 ? 1u : 0u) << i;
    EXPECT_EQ(shares.config_of(2).max_bindings, shares.config_of(1).max_bindings + 1);
    EXPECT_EQ(shares.config_of(2).max_subscribers, shares.config_of(1).max_subscribers + 1);

    c.static_mappings.push_back(mapping(Protocol::tcp, 81, 2000));
    ASSERT_FALSE(validate(c).has_value());
    const Shares split(c, 3);
    ASSERT_TRUE(split.conflict());
    EXPECT_EQ(split.conflict()->rfind("the static mappings of 2001:db8:a::/56 have ports in two threads' shares", 0),
              0u)
        << *split.conflict();
}

}  // namespace
}  // namespace dslite::test
