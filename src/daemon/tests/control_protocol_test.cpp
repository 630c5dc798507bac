// SPDX-License-Identifier: BSD-2-Clause
#include "control_protocol.hpp"

#include <gtest/gtest.h>

#include <set>

#include "dslite/wire.hpp"
#include "lab_packets.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::daemon {
namespace {

using namespace lab;

struct NoEmit final : Emitter {
    void emit(Side, std::span<const std::uint8_t>) override { ADD_FAILURE() << "unexpected emitted packet"; }
};

struct PublicEnd {
    Ipv4Address address;
    std::uint16_t port = 0;
    std::string text() const { return to_string(address) + ":" + std::to_string(port); }
};

// Host 5000 behind `b4` sends once: the public end its binding got.
PublicEnd bind_one(Engine& engine, const Ipv6Address& b4) {
    NoEmit none;
    PacketBuffer buffer;
    Packet packet = buffer.holding(softwire_udp(b4, 5000, "hi"));
    EXPECT_EQ(engine.from_b4(packet, Time{1'000'000}, none), Verdict::to_uplink);
    return {Ipv4Address{wire::load32(packet.data() + 12)}, wire::load16(packet.data() + 20)};
}

Request parsed(std::string_view line) {
    auto r = parse_request(line);
    if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << line << ": " << *e;
    return std::get<Request>(r);
}

std::string refused(std::string_view line) {
    auto r = parse_request(line);
    if (!std::holds_alternative<std::string>(r)) return "(accepted)";
    return std::get<std::string>(r);
}

TEST(ControlRequest, ParsesCommandsAndFilters) {
    EXPECT_EQ(parsed("stats").command, Command::stats);
    EXPECT_EQ(parsed("  subscribers\r").command, Command::subscribers);
    EXPECT_EQ(parsed("b4s").command, Command::subscribers);  // the old names
    EXPECT_EQ(parsed("sessions --protocol tcp").command, Command::bindings);
    EXPECT_EQ(parsed("sessions --protocol tcp").filter.protocol, Protocol::tcp);
    const Request r = parsed("bindings --b4 2001:db8:a::/48 --protocol udp --public 198.51.100.3");
    EXPECT_EQ(r.command, Command::bindings);
    EXPECT_EQ(r.filter.b4, parse_ipv6_prefix("2001:db8:a::/48"));
    EXPECT_EQ(r.filter.protocol, Protocol::udp);
    EXPECT_EQ(r.filter.public_address, parse_ipv4("198.51.100.3"));
    EXPECT_EQ(parsed("bindings --b4 2001:db8:a::2").filter.b4->length, 128);
    EXPECT_EQ(parsed("bindings --protocol udp --limit 20").limit, 20u);
    EXPECT_EQ(parsed("subscribers --limit 5").limit, 5u);
    EXPECT_FALSE(parsed("bindings").limit);
}

TEST(ControlRequest, RefusesWithALineSayingWhy) {
    EXPECT_EQ(refused(""), "empty request: try stats, bindings, subscribers or whois");
    EXPECT_EQ(refused("reboot"), "'reboot' is not a command: try stats, bindings, subscribers or whois");
    EXPECT_EQ(refused("stats now"), "stats takes no arguments");
    EXPECT_EQ(refused("bindings --protocol sctp"), "bindings: --protocol: 'sctp' is not tcp, udp or icmp");
    EXPECT_EQ(refused("bindings --b4 10.0.0.1"), "bindings: --b4: '10.0.0.1' is not an IPv6 address or prefix");
    EXPECT_EQ(refused("bindings --public"), "bindings: --public needs a value");
    EXPECT_EQ(refused("bindings --port 80"),
              "bindings: '--port' is not a bindings filter (--b4, --protocol, --public, --limit)");
    EXPECT_EQ(refused("bindings --limit 0"), "bindings: --limit: '0' is not a number from 1");
    EXPECT_EQ(refused("subscribers --limit x"), "subscribers: --limit: 'x' is not a number from 1");
    EXPECT_EQ(refused("subscribers --b4 2001:db8::1"), "subscribers takes only --limit N");
}

BindingInfo binding(const Ipv6Address& b4, Protocol p, std::uint16_t inner_port, const char* public_address,
                    std::uint16_t public_port) {
    return BindingInfo{b4, net::host, inner_port, p, *parse_ipv4(public_address), public_port, "udp", 3, 297};
}

TEST(ControlResponse, BindingsListEveryFieldAndACount) {
    const BindingInfo s[] = {binding(net::b4_a, Protocol::udp, 5000, "198.51.100.3", 40001)};
    EXPECT_EQ(bindings_json(s),
              R"({"bindings":[{"b4":"2001:db8:a::2","protocol":"udp","inside":"10.0.0.1:5000",)"
              R"("public":"198.51.100.3:40001","state":"udp","idle_seconds":3,"expires_seconds":297}],"count":1})");
    EXPECT_EQ(bindings_json({}), R"({"bindings":[],"count":0})");
}

TEST(ControlResponse, FilterMatchesEachFieldIndependently) {
    const BindingInfo a = binding(net::b4_a, Protocol::udp, 5000, "198.51.100.3", 40001);
    BindingFilter f;
    EXPECT_TRUE(f.matches(a));
    f.b4 = parse_ipv6_prefix("2001:db8:b::/48");
    EXPECT_FALSE(f.matches(a));
    f.b4 = parse_ipv6_prefix("2001:db8:a::/48");
    EXPECT_TRUE(f.matches(a));
    f.protocol = Protocol::tcp;
    EXPECT_FALSE(f.matches(a));
    f.protocol = Protocol::udp;
    f.public_address = parse_ipv4("198.51.100.4");
    EXPECT_FALSE(f.matches(a));
    f.public_address = parse_ipv4("198.51.100.3");
    EXPECT_TRUE(f.matches(a));
}

TEST(ControlResponse, SubscribersListTheirSoftwiresAndCounts) {
    const SubscriberInfo subs[] = {
        {*parse_ipv6_prefix("2001:db8:a::/56"),
         *parse_ipv4("198.51.100.3"),
         1,
         2,
         0,
         0,
         0,
         {net::b4_a, v6("2001:db8:a:1::9")}},
        {*parse_ipv6_prefix("2001:db8:b::/56"), *parse_ipv4("198.51.100.7"), 0, 0, 1, 0, 0, {net::b4_b}},
    };
    EXPECT_EQ(subscribers_json(subs),
              R"({"subscribers":[{"prefix":"2001:db8:a::/56","softwires":["2001:db8:a::2","2001:db8:a:1::9"],)"
              R"("public_address":"198.51.100.3","bindings":3,"tcp_ports":1,"udp_ports":2,"icmp_ids":0},)"
              R"({"prefix":"2001:db8:b::/56","softwires":["2001:db8:b::2"],"public_address":"198.51.100.7",)"
              R"("bindings":1,"tcp_ports":0,"udp_ports":0,"icmp_ids":1}],"count":2})");
}

TEST(ControlResponse, StatsNameEveryCounterWithItsValue) {
    Counters counters;
    counters.add(Counter::in_uplink_packets, 7);
    Gauges gauges;
    gauges.bindings = 4;
    gauges.uplink_write_refused = 2;
    gauges.capture_packets = 9;
    gauges.capture_dropped = 1;
    const std::string json = stats_json(counters, gauges);
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto name = std::string(counter_name(static_cast<Counter>(i)));
        EXPECT_NE(json.find('"' + name + "\":"), std::string::npos) << name;
    }
    EXPECT_NE(json.find(R"("in_uplink_packets":7,)"), std::string::npos);
    EXPECT_NE(json.find(R"("bindings":4,)"), std::string::npos);
    EXPECT_NE(json.find(R"("devices":[])"), std::string::npos) << json;
    EXPECT_NE(json.find(R"("uplink_write_refused":2,)"), std::string::npos);
    EXPECT_NE(json.find(R"("capture_packets":9,"capture_dropped":1,)"), std::string::npos) << json;
    EXPECT_EQ(json.find('\n'), std::string::npos);  // one line: the protocol's framing
}

TEST(ControlResponse, StatsCarryEachDevicesCounts) {
    Gauges gauges;
    const DeviceStats tun{
        .rx_packets = 90, .tx_packets = 40, .tx_dropped = 3, .rx_super_packets = 2, .tx_super_packets = 1};
    gauges.devices = {{"b4", "tun:aftr6", {}}, {"uplink", "tun:aftr4", tun}};
    const std::string json = stats_json(Counters{}, gauges);
    EXPECT_NE(json.find(R"({"side":"uplink","name":"tun:aftr4","rx_packets":90,"rx_bytes":0,"rx_errors":0,)"
                        R"("rx_malformed":0,"rx_super_packets":2,"tx_packets":40,"tx_bytes":0,"tx_errors":0,)"
                        R"("tx_dropped":3,"tx_super_packets":1})"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find(R"({"side":"b4","name":"tun:aftr6","rx_packets":0,)"), std::string::npos) << json;
}

TEST(ControlResponse, ServesTheEngineState) {
    Engine engine(lab_config());
    NoEmit none;
    for (const auto& b4 : {net::b4_a, net::b4_b}) {
        PacketBuffer buffer;
        const Bytes bytes = softwire_udp(b4, 5000, "hi");
        Packet packet = buffer.holding(bytes);
        ASSERT_EQ(engine.from_b4(packet, Time{1'000'000}, none), Verdict::to_uplink);
    }
    const Gauges gauges;
    const std::string all = respond("bindings", engine, gauges);
    EXPECT_NE(all.find(R"("b4":"2001:db8:a::2")"), std::string::npos) << all;
    EXPECT_NE(all.find(R"("b4":"2001:db8:b::2")"), std::string::npos) << all;
    EXPECT_NE(all.find(R"("count":2)"), std::string::npos) << all;

    const std::string only_b = respond("bindings --b4 2001:db8:b::2 --protocol udp", engine, gauges);
    EXPECT_EQ(only_b.find("2001:db8:a::2"), std::string::npos) << only_b;
    EXPECT_NE(only_b.find(R"("count":1)"), std::string::npos) << only_b;
    EXPECT_NE(respond("bindings --protocol tcp", engine, gauges).find(R"("count":0)"), std::string::npos);

    const std::string b4s = respond("subscribers", engine, gauges);
    EXPECT_NE(b4s.find(R"("softwires":["2001:db8:a::2"])"), std::string::npos) << b4s;
    EXPECT_NE(b4s.find(R"("count":2)"), std::string::npos) << b4s;
    EXPECT_NE(respond("stats", engine, gauges).find(R"("in_b4_packets":2,)"), std::string::npos);
    EXPECT_EQ(respond("bogus", engine, gauges),
              R"({"error":"'bogus' is not a command: try stats, bindings, subscribers or whois"})");
}

// Several engines (--threads): one answer, counters and gauges summed, the
// tables merged and sorted as one, each row saying whose it is.
// whois: the formula's answer both ways under deterministic mapping, and the
// live bindings that match; under dynamic mapping the live bindings only.
TEST(ControlResponse, WhoisAnswersFromTheFormulaAndTheTable) {
    EngineConfig config = lab_config();
    config.port_mapping = PortMapping::deterministic;
    config.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/56"), *parse_ipv6_prefix("2001:db8:b::/56")};
    Engine engine(config);
    const std::string public_end = bind_one(engine, net::b4_b).text();
    const Gauges gauges;

    // Subscriber 1 (2001:db8:b::/56): the pool's second address, the first range.
    const std::string by_end = respond("whois " + public_end, engine, gauges);
    EXPECT_NE(
        by_end.find(R"({"mapping":"deterministic","subscriber":"2001:db8:b::/56","public_address":"198.51.100.1",)"
                    R"("ports":"1024-3071","bindings":[{"b4":"2001:db8:b::2")"),
        std::string::npos)
        << by_end;
    EXPECT_EQ(public_end.rfind("198.51.100.1:", 0), 0u);
    const std::string by_prefix = respond("whois 2001:db8:a::2", engine, gauges);
    EXPECT_NE(by_prefix.find(R"("subscriber":"2001:db8:a::/56","public_address":"198.51.100.0","ports":"1024-3071")"),
              std::string::npos)
        << by_prefix;
    EXPECT_NE(by_prefix.find(R"("count":0)"), std::string::npos) << "no live binding there: " << by_prefix;
    EXPECT_EQ(respond("whois 198.51.100.1:60000", engine, gauges),
              R"({"mapping":"deterministic","bindings":[],"count":0})")
        << "a range nobody has";

    Engine dynamic(lab_config());
    const std::string end = bind_one(dynamic, net::b4_a).text();
    const std::string live = respond("whois " + end, dynamic, gauges);
    EXPECT_NE(live.find(R"({"mapping":"dynamic","bindings":[{"b4":"2001:db8:a::2")"), std::string::npos) << live;
    EXPECT_NE(live.find(R"("count":1)"), std::string::npos) << live;

    EXPECT_EQ(respond("whois", engine, gauges), R"({"error":"whois takes one ADDR:PORT or IPv6 address or prefix"})");
    EXPECT_EQ(respond("whois 198.51.100.1:70000", engine, gauges),
              R"({"error":"whois: '198.51.100.1:70000' is not IPv4ADDR:PORT"})");
    EXPECT_EQ(respond("whois example", engine, gauges),
              R"({"error":"whois: 'example' is neither IPv4ADDR:PORT nor an IPv6 address or prefix"})");
}

// whois under port blocks: the block that holds the end, even when no
// binding is live on that port; a subscriber's blocks by its prefix.
TEST(ControlResponse, WhoisUnderPortBlocksNamesTheBlock) {
    EngineConfig config = lab_config();
    config.port_block_size = 512;
    Engine engine(config);
    const PublicEnd end = bind_one(engine, net::b4_a);
    const std::uint16_t port = end.port;
    const std::string address = to_string(end.address);
    const auto first = static_cast<std::uint16_t>(config.port_min + (port - config.port_min) / 512 * 512);
    const std::string block = R"({"subscriber":"2001:db8:a::/56","b4":"2001:db8:a::2","public_address":")" + address +
                              R"(","ports":")" + std::to_string(first) + "-" + std::to_string(first + 511) +
                              R"(","bindings":1,"release_seconds":0})";
    const Gauges gauges;
    // Another port of the same block: no live binding, but the block says whose it is.
    const auto other = static_cast<std::uint16_t>(port == first ? first + 1 : first);
    const std::string by_end = respond("whois " + address + ":" + std::to_string(other), engine, gauges);
    EXPECT_EQ(by_end, R"({"mapping":"port-blocks","blocks":[)" + block + R"(],"bindings":[],"count":0})");
    const std::string by_prefix = respond("whois 2001:db8:a::/48", engine, gauges);
    EXPECT_NE(by_prefix.find(block), std::string::npos) << by_prefix;
    EXPECT_NE(by_prefix.find(R"("count":1)"), std::string::npos) << by_prefix;
    EXPECT_EQ(respond("whois 2001:db8:b::2", engine, gauges),
              R"({"mapping":"port-blocks","blocks":[],"bindings":[],"count":0})");
    const int outside = first > config.port_min ? first - 1 : first + 512;
    EXPECT_EQ(respond("whois " + address + ":" + std::to_string(outside), engine, gauges),
              R"({"mapping":"port-blocks","blocks":[],"bindings":[],"count":0})");
}

SubscriberInfo subscriber(const char* prefix, std::uint32_t udp, std::uint32_t from_b4, std::uint32_t to_b4) {
    return {*parse_ipv6_prefix(prefix), *parse_ipv4("198.51.100.3"), 0, udp, 0, from_b4, to_b4};
}

TEST(ControlRequest, TopTakesHowManySubscribers) {
    EXPECT_EQ(parsed("top").command, Command::top);
    EXPECT_EQ(parsed("top").top, kDefaultTop);
    EXPECT_EQ(parsed("top 25").top, 25u);
    EXPECT_EQ(refused("top 0"), "top: '0' is not a number of subscribers from 1 to 1000");
    EXPECT_EQ(refused("top 1001"), "top: '1001' is not a number of subscribers from 1 to 1000");
    EXPECT_EQ(refused("top many"), "top: 'many' is not a number of subscribers from 1 to 1000");
    EXPECT_EQ(refused("top 1 2"), "top takes at most one number of subscribers");
}

// The engines' rankings are merged into one, best first, ties by prefix.
TEST(ControlResponse, TopMergesTheEnginesRankings) {
    Busiest one, two;
    one.by_packets = {subscriber("2001:db8:a::/56", 1, 900, 100), subscriber("2001:db8:c::/56", 9, 5, 5)};
    one.by_bindings = {subscriber("2001:db8:c::/56", 9, 5, 5), subscriber("2001:db8:a::/56", 1, 900, 100)};
    one.bindings = {2, 10, 3};
    two.by_packets = {subscriber("2001:db8:b::/56", 2, 10, 2000), subscriber("2001:db8:d::/56", 1, 6, 4)};
    two.by_bindings = {subscriber("2001:db8:b::/56", 2, 10, 2000), subscriber("2001:db8:d::/56", 1, 6, 4)};
    two.bindings = {0, 3, 1};
    const Busiest both[] = {one, two};
    const std::string json = top_json(both, 3);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    const auto at = [&](std::string_view ranking, std::string_view prefix) {
        const auto from = json.find(ranking);
        return json.find(std::string("\"prefix\":\"") + std::string(prefix), from);
    };
    const auto bindings = json.find("\"by_bindings\"");
    ASSERT_NE(bindings, std::string::npos) << json;
    // By packets: b (2010), a (1000), then c and d tie at 10: c, the lower prefix.
    EXPECT_LT(at("by_packets", "2001:db8:b::"), at("by_packets", "2001:db8:a::"));
    EXPECT_LT(at("by_packets", "2001:db8:a::"), at("by_packets", "2001:db8:c::"));
    EXPECT_GT(at("by_packets", "2001:db8:d::"), bindings) << "only three: " << json;
    // By bindings: c (9), b (2), then a and d tie at 1: a.
    EXPECT_LT(at("by_bindings", "2001:db8:c::"), at("by_bindings", "2001:db8:b::"));
    EXPECT_LT(at("by_bindings", "2001:db8:b::"), at("by_bindings", "2001:db8:a::"));
    EXPECT_EQ(at("by_bindings", "2001:db8:d::"), std::string::npos) << json;
    EXPECT_NE(json.find(R"({"prefix":"2001:db8:b::/56","public_address":"198.51.100.3","pps_from_b4":10,)"
                        R"("pps_to_b4":2000,"bindings":2,"tcp":0,"udp":2,"icmp":0})"),
              std::string::npos)
        << json;
    EXPECT_NE(json.find(R"("bindings_by_protocol":{"tcp":2,"udp":13,"icmp":4})"), std::string::npos) << json;
}

// One pass over a running engine: the busiest of its subscribers, none idle
// in the last second among those by packets.
TEST(ControlResponse, TopRanksAnEnginesSubscribers) {
    Engine engine(lab_config());
    NoEmit none;
    const auto send = [&](const Ipv6Address& b4, std::uint16_t port, int times, std::int64_t second) {
        for (int i = 0; i < times; ++i) {
            PacketBuffer buffer;
            Packet packet = buffer.holding(softwire_udp(b4, port, "hi"));
            ASSERT_EQ(engine.from_b4(packet, Time{second * 1'000'000}, none), Verdict::to_uplink);
        }
    };
    send(v6("2001:db8:c::2"), 5000, 1, 0);  // then idle in second 1
    send(net::b4_a, 5000, 5, 1);
    send(net::b4_b, 5000, 2, 1);
    send(net::b4_b, 5001, 1, 1);
    engine.advance(Time{2'000'000});
    const Busiest b = busiest_of(engine, 2);
    ASSERT_EQ(b.by_packets.size(), 2u);
    EXPECT_EQ(b.by_packets[0].prefix, *parse_ipv6_prefix("2001:db8:a::/56"));
    EXPECT_EQ(b.by_packets[0].pps_from_b4, 5u);
    EXPECT_EQ(b.by_packets[1].prefix, *parse_ipv6_prefix("2001:db8:b::/56"));
    EXPECT_EQ(b.by_packets[1].pps_from_b4, 3u);
    ASSERT_EQ(b.by_bindings.size(), 2u);
    EXPECT_EQ(b.by_bindings[0].prefix, *parse_ipv6_prefix("2001:db8:b::/56"));
    EXPECT_EQ(b.by_bindings[0].udp, 2u);
    EXPECT_EQ(b.by_bindings[1].prefix, *parse_ipv6_prefix("2001:db8:a::/56")) << "a before c: the lower prefix";
    EXPECT_EQ(b.bindings[index_of(Protocol::udp)], 4u);
    EXPECT_EQ(busiest_of(engine, 10).by_packets.size(), 2u) << "c sent nothing in the last second";
    const std::string answered = respond("top 1", engine, Gauges{});
    EXPECT_NE(answered.find(R"("by_packets":[{"prefix":"2001:db8:a::/56")"), std::string::npos) << answered;
    EXPECT_NE(answered.find(R"("by_bindings":[{"prefix":"2001:db8:b::/56")"), std::string::npos) << answered;
}

TEST(ControlResponse, AnswersOverSeveralEnginesAsOne) {
    std::vector<std::unique_ptr<Engine>> engines;
    NoEmit none;
    const std::array<Ipv6Address, 2> sites{net::b4_b, net::b4_a};  // engine 0 has B, engine 1 has A
    for (unsigned e = 0; e < 2; ++e) {
        engines.push_back(std::make_unique<Engine>(lab_config()));
        PacketBuffer buffer;
        const Bytes bytes = softwire_udp(sites[e], 5000, "hi");
        Packet packet = buffer.holding(bytes);
        ASSERT_EQ(engines[e]->from_b4(packet, Time{1'000'000}, none), Verdict::to_uplink);
    }
    auto views = [&](const char* line) {
        Pieces pieces = serve(line, 2, [&](std::size_t e, const auto& work) {
            Gauges g;
            g.bindings = engines[e]->binding_count();
            g.handoffs = 10 + e;
            g.devices.push_back({"both", "tun:aftr#" + std::to_string(e), {}});
            work(*engines[e], g);
        });
        return joined(std::move(pieces));
    };
    const std::string bindings = views("bindings");
    EXPECT_NE(bindings.find(R"("count":2)"), std::string::npos) << bindings;
    EXPECT_NE(bindings.find(R"("b4":"2001:db8:a::2")"), std::string::npos);
    EXPECT_LT(bindings.find(R"("engine":0)"), bindings.find(R"("engine":1)"))
        << "walked engine by engine: " << bindings;
    EXPECT_LT(bindings.find("2001:db8:b::2"), bindings.find("2001:db8:a::2")) << bindings;
    // The first by key over every engine, as one table.
    const std::string first = views("bindings --limit 1");
    EXPECT_NE(first.find(R"("b4":"2001:db8:a::2")"), std::string::npos) << first;
    EXPECT_NE(first.find(R"("engine":1})"), std::string::npos) << first;
    EXPECT_NE(first.find(R"("count":1})"), std::string::npos) << first;
    const std::string b4s = views("subscribers");
    EXPECT_NE(b4s.find(R"("icmp_ids":0,"engine":1})"), std::string::npos) << b4s;
    EXPECT_NE(b4s.find(R"("count":2)"), std::string::npos) << b4s;
    const std::string stats = views("stats");
    EXPECT_NE(stats.find(R"("bindings":2,)"), std::string::npos) << stats;
    EXPECT_NE(stats.find(R"("threads":2,"handoffs":21,)"), std::string::npos) << stats;
    EXPECT_NE(stats.find(R"("in_b4_packets":2,)"), std::string::npos) << stats;
    EXPECT_NE(stats.find("tun:aftr#1"), std::string::npos) << stats;
    // One engine: no engine numbers at all.
    EXPECT_EQ(respond("bindings", *engines[0], Gauges{}).find("engine"), std::string::npos);
}

// A million bindings must not stop forwarding while they are listed: the
// table is walked kPieceSlots slots at a time, each walk a piece of its own.
// Bindings made between the pieces do not make any binding appear twice, and
// every binding that lives through the listing is in it.
TEST(ControlResponse, ListsATableInPiecesOfAtMostOneWalkEach) {
    EngineConfig config = lab_config();
    config.max_bindings = 3 * kPieceSlots;
    config.max_subscribers = 4 * kPieceSlots;
    Engine engine(config);
    NoEmit none;
    const auto b4_of = [](unsigned n) {
        Ipv6Address b4 = net::b4_a;
        b4[4] = static_cast<std::uint8_t>(n >> 8);
        b4[5] = static_cast<std::uint8_t>(n);
        return b4;
    };
    const auto bind = [&](unsigned n) {
        PacketBuffer buffer;
        const Bytes bytes = softwire_udp(b4_of(n), 5000, "hi");
        Packet packet = buffer.holding(bytes);
        ASSERT_EQ(engine.from_b4(packet, Time{1'000'000}, none), Verdict::to_uplink) << n;
    };
    const unsigned before = 2 * kPieceSlots + 100;
    for (unsigned n = 0; n < before; ++n) bind(n);

    unsigned walks = 0, made = 0;
    std::vector<std::string> pieces_seen;
    Pieces pieces = serve("bindings --protocol udp", 1, [&](std::size_t, const auto& work) {
        ++walks;
        work(engine, Gauges{});
    });
    std::string all;
    while (auto piece = pieces()) {
        pieces_seen.push_back(*piece);
        all += *piece;
        if (made < 50) bind(before + made++);  // between two pieces, as traffic would
    }
    EXPECT_EQ(walks, config.max_bindings / kPieceSlots);
    for (const std::string& piece : pieces_seen) {
        std::size_t rows = 0;
        for (auto at = piece.find(R"({"b4")"); at != std::string::npos; at = piece.find(R"({"b4")", at + 1)) ++rows;
        EXPECT_LE(rows, kPieceSlots);
    }
    EXPECT_GE(pieces_seen.size(), 2u + walks);  // head, the walks, the tail
    std::set<std::string> b4s;
    std::size_t rows = 0;
    for (auto at = all.find(R"("b4":")"); at != std::string::npos; at = all.find(R"("b4":")", at + 1)) {
        const auto end = all.find('"', at + 6);
        b4s.insert(all.substr(at + 6, end - at - 6));
        ++rows;
    }
    EXPECT_EQ(b4s.size(), rows) << "a binding listed twice";
    EXPECT_GE(rows, before);
    for (unsigned n = 0; n < before; ++n) EXPECT_TRUE(b4s.count(to_string(b4_of(n)))) << n;
    EXPECT_NE(all.find(R"("count":)" + std::to_string(rows) + "}"), std::string::npos);
    EXPECT_EQ(all.rfind(R"({"bindings":[)", 0), 0u);

    // --limit: the first N by key, however the walk found them.
    const std::string first = respond("bindings --limit 3", engine, Gauges{});
    const auto a = first.find(to_string(b4_of(0))), b = first.find(to_string(b4_of(1))),
               c = first.find(to_string(b4_of(2)));
    EXPECT_TRUE(a < b && b < c && c != std::string::npos) << first;
    EXPECT_NE(first.find(R"("count":3})"), std::string::npos) << first;
    EXPECT_EQ(respond("subscribers --limit 2", engine, Gauges{}).find(to_string(b4_of(2))), std::string::npos);
    EXPECT_NE(respond("subscribers --limit 2", engine, Gauges{}).find(R"("count":2})"), std::string::npos);
}

}  // namespace
}  // namespace dslite::daemon
