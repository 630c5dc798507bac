// SPDX-License-Identifier: BSD-2-Clause
// NAT-PMP (RFC 6886) at 192.0.0.1:5351 from inside the softwires (issue
// 12): the public address, mappings asked for by port with a lifetime,
// renewal, deletion, every result code, and a request that is no request.
#include "dslite/checksum.hpp"
#include "dslite/engine_options.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

namespace w = wire;

class NatPmpTest : public EngineTest {
protected:
    void SetUp() override {
        make_with([](EngineConfig& c) {
            c.pools = {Ipv4Prefix{net::pool, 32}};
            c.port_min = 40000;
            c.port_max = 40015;
        });
    }
    // A NAT-PMP request from net::host:5350 behind `b4`, answered: the reply's payload.
    Bytes ask(const Bytes& request, std::int64_t second = 0, const Ipv6Address& b4 = net::b4_a) {
        Ipv4Header h;
        h.source = net::host;
        h.destination = net::aftr_v4;
        const Out out = from_b4(b4, ipv4_udp(h, UdpDatagram{5350, 5351, request, false}), second);
        last = out;
        if (out.verdict != Verdict::to_b4 || !out.decoded.ip4()) return {};
        const Ipv4Info& ip = *out.decoded.ip4();
        EXPECT_EQ(ip.source, net::aftr_v4);
        EXPECT_EQ(ip.destination, net::host);
        EXPECT_EQ(ip.l4.source_port, 5351);
        EXPECT_EQ(ip.l4.destination_port, 5350);
        return Bytes(out.bytes.end() - static_cast<std::ptrdiff_t>(ip.total_length - 28), out.bytes.end());
    }
    static Bytes map_request(std::uint8_t opcode, std::uint16_t internal, std::uint16_t wanted, std::uint32_t life) {
        return nat_pmp_map_request(opcode, internal, wanted, life);
    }
    static std::uint16_t result(const Bytes& r) { return r.size() >= 4 ? w::load16(r.data() + 2) : 0xffff; }
    static std::uint16_t mapped(const Bytes& r) { return w::load16(r.data() + 10); }
    static std::uint32_t lifetime(const Bytes& r) { return w::load32(r.data() + 12); }
    Out last;
};

TEST_F(NatPmpTest, ThePublicAddressIsTheSubscribersOrTheOneItWouldGet) {
    const Bytes r = ask({0, 0});
    ASSERT_EQ(r.size(), 12u);
    EXPECT_EQ(r[0], 0);
    EXPECT_EQ(r[1], 128);
    EXPECT_EQ(result(r), 0);
    EXPECT_EQ(w::load32(r.data() + 8), net::pool.value);
    EXPECT_EQ(engine->binding_count(), 0u) << "asking makes nothing";
    EXPECT_EQ(count(Counter::out_port_control_answers), 1u);
    // The epoch counts seconds since the AFTR started (its first packet).
    EXPECT_EQ(w::load32(ask({0, 0}, 42).data() + 4), 42u);
}

TEST_F(NatPmpTest, AMappingIsMadeOnTheWantedPortAndReachedFromAnyone) {
    const Bytes r = ask(map_request(2, 8080, 40007, 600));
    ASSERT_EQ(r.size(), 16u);
    EXPECT_EQ(r[1], 130);
    EXPECT_EQ(result(r), 0);
    EXPECT_EQ(w::load16(r.data() + 8), 8080);
    EXPECT_EQ(mapped(r), 40007);
    EXPECT_EQ(lifetime(r), 600u);
    const Out syn = from_uplink(tcp(net::server1, 6000, net::pool, 40007, w::tcp::syn), 1);
    ASSERT_EQ(syn.verdict, Verdict::to_b4);
    EXPECT_EQ(syn.decoded.ip4()->destination, net::host);
    EXPECT_EQ(syn.decoded.ip4()->l4.destination_port, 8080);
    // The same again: the same port, the lifetime renewed.
    const Bytes again = ask(map_request(2, 8080, 0, 7200), 100);
    EXPECT_EQ(mapped(again), 40007);
    EXPECT_EQ(lifetime(again), 7200u);
    EXPECT_EQ(engine->binding_count(), 1u);
    // A taken wanted port gives another.
    const Bytes other = ask(map_request(1, 9000, 40007, 600), 100);
    EXPECT_EQ(result(other), 0);
    EXPECT_EQ(mapped(other), 40007) << "UDP ports are apart from TCP's";
    const Bytes third = ask(map_request(1, 9001, 40007, 600), 100);
    EXPECT_NE(mapped(third), 40007);
}

TEST_F(NatPmpTest, ItLivesToItsLifetimeAndLifetimeZeroDeletesIt) {
    const std::uint16_t port = mapped(ask(map_request(1, 9000, 0, 1000)));
    engine->advance(std::chrono::seconds(1'700'000'000 + 900));  // idle past 300 s, within its lifetime
    EXPECT_EQ(engine->binding_count(), 1u);
    engine->advance(std::chrono::seconds(1'700'000'000 + 1002));
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(from_uplink(udp(net::server1, 53, net::pool, port), 1003).verdict, Verdict::drop);

    ask(map_request(1, 9000, 0, 1000), 2000);
    const Bytes deleted = ask(map_request(1, 9000, 0, 0), 2001);
    EXPECT_EQ(result(deleted), 0);
    EXPECT_EQ(mapped(deleted), 0);
    EXPECT_EQ(lifetime(deleted), 0u);
    EXPECT_EQ(engine->binding_count(), 0u);
    // A binding made by traffic is not the host's to delete this way.
    from_b4(net::b4_a, udp(net::host, 9100, net::server1, 53), 2002);
    ask(map_request(1, 9100, 0, 0), 2002);
    EXPECT_EQ(engine->binding_count(), 1u);
}

TEST_F(NatPmpTest, UnderAddressDependentFilteringAMappingIsOpenToEveryone) {
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.filtering = Filtering::address_dependent;
    });
    const std::uint16_t port = mapped(ask(map_request(1, 9000, 0, 600)));
    EXPECT_EQ(from_uplink(udp(net::server1, 53, net::pool, port), 1).verdict, Verdict::to_b4);
    EXPECT_EQ(from_uplink(udp(kServer2, 53, net::pool, port), 1).verdict, Verdict::to_b4);
    EXPECT_EQ(count(Counter::drop_uplink_filtered), 0u);
}

TEST_F(NatPmpTest, LifetimesAreKeptWithinBounds) {
    EXPECT_EQ(lifetime(ask(map_request(1, 9000, 0, 5))), 120u);
    EXPECT_EQ(lifetime(ask(map_request(1, 9001, 0, 0xffffffff))), 86400u);
}

TEST_F(NatPmpTest, EveryRefusalHasItsResultCode) {
    // Version 1 is neither NAT-PMP nor PCP's 2: PCP's UNSUPP_VERSION (pcp_test.cpp).
    Bytes v1(24, 0);
    v1[0] = 1;
    v1[1] = 1;
    const Bytes v = ask(v1);
    ASSERT_EQ(v.size(), 24u);
    EXPECT_EQ(v[0], 2) << "the version spoken here";
    EXPECT_EQ(v[1], 129);
    EXPECT_EQ(v[3], 1);
    // 5: no such opcode.
    EXPECT_EQ(result(ask({0, 9})), 5);
    // 2: deleting every mapping of the host is not offered.
    EXPECT_EQ(result(ask(map_request(1, 0, 0, 0))), 2);
    // 4: past --pcp-max-mappings.
    make_with([](EngineConfig& c) { c.pcp_max_mappings = 2; });
    EXPECT_EQ(result(ask(map_request(1, 1, 0, 600))), 0);
    EXPECT_EQ(result(ask(map_request(1, 2, 0, 600))), 0);
    EXPECT_EQ(result(ask(map_request(1, 3, 0, 600))), 4);
    // 2: the service is off.
    make_with([](EngineConfig& c) { c.pcp_max_mappings = 0; });
    EXPECT_EQ(result(ask(map_request(1, 1, 0, 600))), 2);
    EXPECT_EQ(engine->binding_count(), 0u);
}

TEST_F(NatPmpTest, WhatIsNoRequestIsDroppedAndCounted) {
    EXPECT_TRUE(ask({0}).empty()) << "one byte";
    EXPECT_TRUE(ask({0, 1, 0, 0}).empty()) << "a mapping request cut short";
    EXPECT_TRUE(ask({0, 128, 0, 0, 0, 0, 0, 0}).empty()) << "a response";
    EXPECT_EQ(count(Counter::drop_port_control_malformed), 3u);
    // A bad UDP checksum.
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::aftr_v4;
    Bytes ip = ipv4_udp(h, UdpDatagram{5350, 5351, {0, 0}, false});
    ip[20 + 6] ^= 0x55;
    EXPECT_EQ(from_b4(net::b4_a, ip).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_port_control_malformed), 4u);
}

}  // namespace
}  // namespace dslite::test
