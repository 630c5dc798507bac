// SPDX-License-Identifier: BSD-2-Clause
// Public prefixes without NAT (--no-nat, issue 12, RFC 6333 11, RFC 6888
// REQ-6): routed untranslated between the Internet and that one B4, with
// no binding, TTL decremented, MTUs kept; refused at start where they would
// clash with the pool or each other.
#include "dslite/engine_options.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

const Ipv4Prefix kBusiness = *parse_ipv4_prefix("192.0.2.0/28");
const Ipv4Address kOffice = v4("192.0.2.5");

class NoNatTest : public EngineTest {
protected:
    void SetUp() override {
        make_with([](EngineConfig& c) { c.no_nat = {NoNat{net::b4_b, kBusiness}}; });
    }
};

TEST_F(NoNatTest, FromItsB4ItLeavesUntranslated) {
    const Out out = from_b4(net::b4_b, udp(kOffice, 5000, net::server1, 53, 64), 0);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    EXPECT_EQ(out.decoded.ip4()->source, kOffice);
    EXPECT_EQ(out.decoded.ip4()->l4.source_port, 5000);
    EXPECT_EQ(out.decoded.ip4()->ttl, 63);
    EXPECT_EQ(count(Counter::out_uplink_no_nat_packets), 1u);
    EXPECT_EQ(engine->binding_count(), 0u) << "no state";
    // Any protocol a router would carry: ICMP errors too, as they are.
    Ipv4Header h{.source = kOffice, .destination = net::server1};
    const Out echo = from_b4(net::b4_b, ipv4_icmp(h, IcmpMessage{8, 0, 7, 1, {}}), 0);
    EXPECT_EQ(echo.verdict, Verdict::to_uplink);
}

TEST_F(NoNatTest, FromAnotherB4ItIsASpoofedSource) {
    EXPECT_EQ(from_b4(net::b4_a, udp(kOffice, 5000, net::server1, 53), 0).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_inner_bad_source), 1u);
    EXPECT_EQ(count(Counter::out_uplink_no_nat_packets), 0u);
}

TEST_F(NoNatTest, ToThePrefixItGoesToItsB4Untranslated) {
    const Out in = from_uplink(udp(net::server1, 53, kOffice, 5000, 64), 0);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_b);
    EXPECT_EQ(in.decoded.ip4()->destination, kOffice);
    EXPECT_EQ(in.decoded.ip4()->l4.destination_port, 5000);
    EXPECT_EQ(in.decoded.ip4()->ttl, 63);
    EXPECT_EQ(count(Counter::out_b4_no_nat_packets), 1u);
    // Not the prefix, not the pool: dropped as before.
    EXPECT_EQ(from_uplink(udp(net::server1, 53, v4("192.0.2.17"), 5000), 0).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_not_pool), 1u);
}

TEST_F(NoNatTest, TooBigWithDfAndTtlExpiryAreAnsweredFromTheAftrsPublicAddress) {
    Ipv4Header h{.source = net::server1, .destination = kOffice, .dont_fragment = true};
    const Out big = from_uplink(ipv4_udp(h, UdpDatagram{53, 5000, Bytes(1480, 0x55), false}), 0);
    ASSERT_EQ(big.verdict, Verdict::to_uplink);
    EXPECT_EQ(big.decoded.ip4()->source, v4("198.51.100.0")) << "the first pool address";
    EXPECT_EQ(big.decoded.ip4()->l4.icmp_type, 3);
    EXPECT_EQ(big.decoded.ip4()->l4.icmp_code, 4);
    EXPECT_EQ(count(Counter::sent_icmp_too_big), 1u);
    const Out expired = from_uplink(udp(net::server1, 53, kOffice, 5000, 1), 0);
    ASSERT_EQ(expired.verdict, Verdict::to_uplink);
    EXPECT_EQ(expired.decoded.ip4()->l4.icmp_type, 11);
    const Out from_office = from_b4(net::b4_b, udp(kOffice, 5000, net::server1, 53, 1), 0);
    ASSERT_EQ(from_office.verdict, Verdict::to_b4);
    EXPECT_EQ(from_office.decoded.ip4()->l4.icmp_type, 11) << "from 192.0.0.1 down the softwire";
    // Without DF the datagram is fragmented to the tunnel MTU instead.
    h.dont_fragment = false;
    const Out fragmented = from_uplink(ipv4_udp(h, UdpDatagram{53, 5000, Bytes(1480, 0x55), false}), 0);
    EXPECT_EQ(fragmented.verdict, Verdict::to_b4);
    EXPECT_EQ(extra.packets.size(), 1u) << "one more fragment";
}

TEST_F(NoNatTest, FragmentsPassAsTheyAre) {
    Ipv4Header h{.source = net::server1, .destination = kOffice, .identification = 77, .more_fragments = true};
    const Out first = from_uplink(ipv4_udp(h, UdpDatagram{53, 5000, Bytes(64, 1), false}), 0);
    EXPECT_EQ(first.verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::held_fragments), 0u) << "no reassembly: nothing to translate";
}

TEST(NoNatOption, ReadsB4AndPrefixAndRefusesClashes) {
    const EngineOption* row = nullptr;
    for (const EngineOption& o : engine_option_rows())
        if (o.name == "no-nat") row = &o;
    ASSERT_NE(row, nullptr);
    EngineConfig c = base_config();
    EXPECT_FALSE(row->read(*row, c, "2001:db8:b::2  192.0.2.0/28"));
    ASSERT_EQ(c.no_nat.size(), 1u);
    EXPECT_EQ(c.no_nat[0], (NoNat{net::b4_b, kBusiness}));
    EXPECT_EQ(row->read(*row, c, "2001:db8:b::2").value_or(""), "'2001:db8:b::2' is not B4ADDR PREFIX");
    EXPECT_EQ(row->read(*row, c, "2001:db8:b::2 192.0.2.1/28").value_or(""),
              "'192.0.2.1/28' has bits set past its prefix length");
    EXPECT_FALSE(validate(c).has_value());

    const auto problem = [](std::vector<NoNat> routes, auto edit) {
        EngineConfig c = base_config();
        c.no_nat = std::move(routes);
        edit(c);
        return validate(c).value_or("");
    };
    const auto none = [](EngineConfig&) {};
    EXPECT_EQ(problem({{net::b4_b, *parse_ipv4_prefix("198.51.100.8/29")}}, none),
              "no-nat: 198.51.100.8/29 overlaps --pool 198.51.100.0/28");
    EXPECT_EQ(problem({{net::b4_b, kBusiness}, {net::b4_a, *parse_ipv4_prefix("192.0.2.0/24")}}, none),
              "no-nat: 192.0.2.0/24 overlaps 192.0.2.0/28");
    EXPECT_EQ(problem({{net::b4_b, *parse_ipv4_prefix("10.1.0.0/16")}}, none),
              "no-nat: 10.1.0.0/16 is not a public unicast prefix");
    EXPECT_EQ(problem({{net::b4_b, kBusiness}},
                      [](EngineConfig& c) { c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48")}; }),
              "no-nat: 192.0.2.0/28: B4 2001:db8:b::2 is outside every --b4-prefix");
}

}  // namespace
}  // namespace dslite::test
