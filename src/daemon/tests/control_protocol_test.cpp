// SPDX-License-Identifier: BSD-2-Clause
#include "control_protocol.hpp"

#include <gtest/gtest.h>

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
}

TEST(ControlRequest, RefusesWithALineSayingWhy) {
    EXPECT_EQ(refused(""), "empty request: try stats, bindings, subscribers or whois");
    EXPECT_EQ(refused("reboot"), "'reboot' is not a command: try stats, bindings, subscribers or whois");
    EXPECT_EQ(refused("stats now"), "stats takes no arguments");
    EXPECT_EQ(refused("bindings --protocol sctp"), "bindings: --protocol: 'sctp' is not tcp, udp or icmp");
    EXPECT_EQ(refused("bindings --b4 10.0.0.1"), "bindings: --b4: '10.0.0.1' is not an IPv6 address or prefix");
    EXPECT_EQ(refused("bindings --public"), "bindings: --public needs a value");
    EXPECT_EQ(refused("bindings --port 80"),
              "bindings: '--port' is not a bindings filter (--b4, --protocol, --public)");
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

TEST(ControlResponse, B4sGroupBindingsAndSoftwiresUnderTheirSubscriber) {
    const SubscriberInfo subs[] = {
        {*parse_ipv6_prefix("2001:db8:a::/56"), *parse_ipv4("198.51.100.3"), 1, 2, 0},
        {*parse_ipv6_prefix("2001:db8:b::/56"), *parse_ipv4("198.51.100.7"), 0, 0, 1},
    };
    const BindingInfo bindings[] = {
        binding(net::b4_a, Protocol::udp, 5000, "198.51.100.3", 40001),
        binding(v6("2001:db8:a:1::9"), Protocol::udp, 5001, "198.51.100.3", 40002),
        binding(net::b4_a, Protocol::tcp, 5002, "198.51.100.3", 40003),
        binding(net::b4_b, Protocol::icmp, 77, "198.51.100.7", 77),
    };
    EXPECT_EQ(subscribers_json(subs, bindings),
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
    EXPECT_LT(all.find("2001:db8:a::2"), all.find("2001:db8:b::2"));  // sorted by B4

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
        const Request request = std::get<Request>(parse_request(line));
        std::vector<EngineView> out;
        for (unsigned e = 0; e < 2; ++e) {
            Gauges g;
            g.bindings = engines[e]->binding_count();
            g.handoffs = 10 + e;
            g.devices.push_back({"both", "tun:aftr#" + std::to_string(e), {}});
            out.push_back(view_of(request, *engines[e], g));
        }
        return answer(request, out);
    };
    const std::string bindings = views("bindings");
    EXPECT_NE(bindings.find(R"("count":2)"), std::string::npos) << bindings;
    EXPECT_LT(bindings.find("2001:db8:a::2"), bindings.find("2001:db8:b::2")) << "not sorted as one table";
    EXPECT_NE(bindings.find(R"("b4":"2001:db8:a::2")"), std::string::npos);
    EXPECT_LT(bindings.find(R"("engine":1)"), bindings.find(R"("engine":0)")) << bindings;
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

}  // namespace
}  // namespace dslite::daemon
