// SPDX-License-Identifier: BSD-2-Clause
// PCP (RFC 6887) at 192.0.0.1:5351 from inside the softwires (issue 12):
// MAP with its nonce, suggestions, PREFER_FAILURE, FILTER and THIRD_PARTY;
// PEER; ANNOUNCE solicited and after start; every error where it applies,
// as a table of (request, result), and an error changes nothing.
#include <cstring>

#include "dslite/checksum.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

namespace w = wire;

const Ipv4Address kB4Host = v4("192.0.0.2");  // the B4 itself, RFC 6333 5.7

class PcpTest : public EngineTest {
protected:
    void SetUp() override {
        make_with([](EngineConfig& c) {
            c.pools = {Ipv4Prefix{net::pool, 32}};
            c.port_min = 40000;
            c.port_max = 40015;
            c.pcp_third_party = {Ipv4Prefix{kB4Host, 32}};
        });
    }
    // A PCP request from `from`:5350 behind `b4`, answered: the reply's payload.
    Bytes ask(PcpMessage m, std::int64_t second = 0, Ipv4Address from = net::host, const Ipv6Address& b4 = net::b4_a) {
        if (m.client.value == 0) m.client = from;
        return ask_raw(pcp_request(m), second, from, b4);
    }
    Bytes ask_raw(const Bytes& request, std::int64_t second = 0, Ipv4Address from = net::host,
                  const Ipv6Address& b4 = net::b4_a) {
        Ipv4Header h;
        h.source = from;
        h.destination = net::aftr_v4;
        const Out out = from_b4(b4, ipv4_udp(h, UdpDatagram{5350, 5351, request, false}), second);
        if (out.verdict != Verdict::to_b4 || !out.decoded.ip4()) return {};
        const Ipv4Info& ip = *out.decoded.ip4();
        EXPECT_EQ(ip.source, net::aftr_v4);
        EXPECT_EQ(ip.destination, from);
        EXPECT_EQ(ip.l4.source_port, 5351);
        EXPECT_EQ(ip.l4.destination_port, 5350);
        return Bytes(out.bytes.end() - static_cast<std::ptrdiff_t>(ip.total_length - 28), out.bytes.end());
    }
    static PcpMessage map(std::uint8_t protocol, std::uint16_t internal, std::uint32_t lifetime = 600) {
        return {.lifetime = lifetime, .protocol = protocol, .internal_port = internal};
    }
    static PcpMessage peer(std::uint16_t internal, Ipv4Address remote, std::uint16_t remote_port) {
        return {.opcode = 2, .protocol = 17, .internal_port = internal, .remote_port = remote_port, .remote = remote};
    }
    static int result(const Bytes& r) { return r.size() >= 24 ? r[3] : -1; }
    static std::uint32_t lifetime(const Bytes& r) { return w::load32(r.data() + 4); }
    static std::uint32_t epoch(const Bytes& r) { return w::load32(r.data() + 8); }
    static std::uint16_t assigned_port(const Bytes& r) { return w::load16(r.data() + 24 + 18); }
    static std::uint32_t assigned_address(const Bytes& r) { return w::load32(r.data() + 24 + 32); }
    Out syn_from(Ipv4Address remote, std::uint16_t port, std::int64_t second = 1) {
        return from_uplink(tcp(remote, 6000, net::pool, port, w::tcp::syn), second);
    }
};

TEST_F(PcpTest, MapGivesTheSuggestedPortAndTheInternetReachesIt) {
    PcpMessage m = map(6, 8080);
    m.suggested_port = 40007;
    const Bytes r = ask(m);
    ASSERT_EQ(r.size(), 60u);
    EXPECT_EQ(r[0], 2);
    EXPECT_EQ(r[1], 0x81);
    EXPECT_EQ(result(r), 0);
    EXPECT_EQ(lifetime(r), 600u);
    EXPECT_EQ(epoch(r), 0u);
    EXPECT_TRUE(std::all_of(r.begin() + 12, r.begin() + 24, [](std::uint8_t b) { return b == 0; }));
    EXPECT_TRUE(std::equal(m.nonce.begin(), m.nonce.end(), r.begin() + 24)) << "the nonce copied";
    EXPECT_EQ(r[24 + 12], 6);
    EXPECT_EQ(w::load16(r.data() + 24 + 16), 8080);
    EXPECT_EQ(assigned_port(r), 40007);
    EXPECT_EQ(r[24 + 30], 0xff) << "an IPv4-mapped address";
    EXPECT_EQ(assigned_address(r), net::pool.value);
    const Out in = syn_from(net::server1, 40007);
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ip4()->destination, net::host);
    EXPECT_EQ(in.decoded.ip4()->l4.destination_port, 8080);
    EXPECT_EQ(epoch(ask(map(6, 8080), 42)), 42u) << "seconds since start";
}

TEST_F(PcpTest, ARenewalKeepsThePortAndAnotherNonceIsNotAuthorized) {
    const std::uint16_t port = assigned_port(ask(map(17, 9000, 600)));
    const Bytes renewed = ask(map(17, 9000, 7200), 100);
    EXPECT_EQ(result(renewed), 0);
    EXPECT_EQ(assigned_port(renewed), port);
    EXPECT_EQ(lifetime(renewed), 7200u);
    PcpMessage thief = map(17, 9000, 0);
    thief.nonce[0] ^= 0xff;
    const Bytes refused = ask(thief, 200);
    EXPECT_EQ(result(refused), 2) << "NOT_AUTHORIZED";
    EXPECT_EQ(lifetime(refused), 7100u) << "how long the mapping still lives";
    EXPECT_EQ(engine->binding_count(), 1u);
}

TEST_F(PcpTest, DeletingLeavesTheBindingToItsTrafficTimeout) {
    ask(map(17, 9000, 3600));
    const Bytes deleted = ask(map(17, 9000, 0), 10);
    EXPECT_EQ(result(deleted), 0);
    EXPECT_EQ(lifetime(deleted), 290u) << "RFC 6887 15: not sooner than the UDP idle timeout";
    engine->advance(std::chrono::seconds(1'700'000'000 + 302));
    EXPECT_EQ(engine->binding_count(), 0u) << "gone at its idle end, not at the hour asked for";
    EXPECT_EQ(result(ask(map(17, 9000, 0), 400)), 0) << "nothing to delete";
}

TEST_F(PcpTest, PreferFailureGetsTheSuggestionOrNothing) {
    // Another host holds UDP 40004.
    from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53));
    const std::uint16_t taken = engine->binding_count() == 1 ? [&] {
        std::uint16_t p = 0;
        engine->for_each_binding([&](const BindingInfo& b) { p = b.public_port; });
        return p;
    }()
                                                             : 0;
    ASSERT_NE(taken, 0);
    PcpMessage m = map(17, 9000);
    m.suggested_port = taken;
    m.options = pcp_option(2, {});
    const Bytes refused = ask(m);
    EXPECT_EQ(result(refused), 11) << "CANNOT_PROVIDE_EXTERNAL";
    EXPECT_EQ(engine->binding_count(), 1u) << "nothing made";
    m.suggested_port = taken == 40000 ? 40002 : 40000;
    const Bytes granted = ask(m);
    EXPECT_EQ(result(granted), 0);
    EXPECT_EQ(assigned_port(granted), m.suggested_port);
    EXPECT_EQ(granted.size(), 64u) << "the option processed is in the answer";
    // Without the option a taken suggestion gives another port.
    PcpMessage plain = map(17, 9001);
    plain.suggested_port = taken;
    const Bytes other = ask(plain);
    EXPECT_EQ(result(other), 0);
    EXPECT_NE(assigned_port(other), taken);
}

TEST_F(PcpTest, AFilterLetsInOnlyItsRemote) {
    PcpMessage m = map(6, 8080);
    m.options = pcp_filter(32, 0, net::server1);
    const std::uint16_t port = assigned_port(ask(m));
    EXPECT_EQ(syn_from(net::server1, port).verdict, Verdict::to_b4);
    EXPECT_EQ(syn_from(kServer2, port).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_uplink_pcp_filtered), 1u);
    // A second filter is one too many; prefix length 0 clears, then adds.
    m.options = pcp_filter(24, 0, kServer2);
    EXPECT_EQ(result(ask(m, 2)), 13) << "EXCESSIVE_REMOTE_PEERS";
    m.options = pcp_filter(0, 0, {});
    EXPECT_EQ(result(ask(m, 3)), 0);
    EXPECT_EQ(syn_from(kServer2, port, 4).verdict, Verdict::to_b4);
}

TEST_F(PcpTest, ThirdPartyOnlyFromTheConfiguredSourcesForTheirOwnSoftwire) {
    PcpMessage m = map(6, 8080);
    m.options = pcp_third_party(net::host);
    const Bytes r = ask(m, 0, kB4Host);
    ASSERT_EQ(result(r), 0);
    EXPECT_EQ(r.size(), 80u) << "THIRD_PARTY is copied into the answer";
    const Out in = syn_from(net::server1, assigned_port(r));
    ASSERT_EQ(in.verdict, Verdict::to_b4);
    EXPECT_EQ(in.decoded.ip4()->destination, net::host);
    EXPECT_EQ(in.decoded.ipv6->destination, net::b4_a);
    // From a host not named by --pcp-third-party.
    m.options = pcp_third_party(net::host2);
    EXPECT_EQ(result(ask(m)), 5) << "UNSUPP_OPTION";
    // Naming itself.
    m.options = pcp_third_party(kB4Host);
    EXPECT_EQ(result(ask(m, 0, kB4Host)), 3) << "MALFORMED_REQUEST";
}

TEST_F(PcpTest, PeerMakesTheBindingTrafficWouldAndAnswersItsLifetime) {
    const Bytes r = ask(peer(5000, net::server1, 53));
    ASSERT_EQ(result(r), 0);
    ASSERT_EQ(r.size(), 80u);
    EXPECT_EQ(lifetime(r), 300u) << "the UDP timeout";
    EXPECT_EQ(w::load16(r.data() + 24 + 36), 53) << "remote port copied";
    const Out out = from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 100);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    EXPECT_EQ(out.decoded.ip4()->l4.source_port, assigned_port(r)) << "traffic uses the PEER binding";
    const Bytes again = ask(peer(5000, net::server1, 53), 150);
    EXPECT_EQ(assigned_port(again), assigned_port(r));
    EXPECT_EQ(lifetime(again), 300u) << "refreshed";
    // A suggestion that cannot be honoured fails PEER.
    PcpMessage p = peer(5001, net::server1, 53);
    p.suggested_port = assigned_port(r);
    EXPECT_EQ(result(ask(p)), 11);
}

TEST_F(PcpTest, PeerOpensAddressDependentFilteringToItsRemote) {
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.filtering = Filtering::address_dependent;
    });
    const std::uint16_t port = assigned_port(ask(peer(5000, net::server1, 53)));
    EXPECT_EQ(from_uplink(udp(net::server1, 53, net::pool, port), 1).verdict, Verdict::to_b4);
    EXPECT_EQ(from_uplink(udp(kServer2, 53, net::pool, port), 1).verdict, Verdict::drop);
}

TEST_F(PcpTest, AStaticMappingIsAnsweredWithItselfForEver) {
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.static_mappings = {{Protocol::tcp, net::b4_a, net::host, 8080, net::pool, 8080}};
    });
    const Bytes r = ask(map(6, 8080));
    EXPECT_EQ(result(r), 0);
    EXPECT_EQ(assigned_port(r), 8080);
    EXPECT_EQ(lifetime(r), 0xffffffffu);
}

TEST_F(PcpTest, AnnounceAnswersTheEpoch) {
    const Bytes r = ask({.opcode = 0, .lifetime = 0}, 7);
    ASSERT_EQ(r.size(), 24u);
    EXPECT_EQ(r[1], 0x80);
    EXPECT_EQ(result(r), 0);
    EXPECT_EQ(lifetime(r), 0u);
    EXPECT_EQ(engine->binding_count(), 0u);
}

TEST_F(PcpTest, NewSoftwiresGetAnAnnounceForAWhileAfterStart) {
    make_with([](EngineConfig& c) { c.pcp_announce = 600; });
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0);
    from_b4(net::b4_a, udp(net::host, 5001, net::server1, 53), 1);
    from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53), 700);
    ASSERT_EQ(extra.packets.size(), 1u) << "the first softwire's first packet only";
    EXPECT_EQ(count(Counter::sent_pcp_announces), 1u);
    const auto& [side, bytes] = extra.packets[0];
    EXPECT_EQ(side, Side::b4);
    const Decoded d = decode(bytes);
    ASSERT_TRUE(d.ipv6 && d.ip4()) << describe(d);
    EXPECT_TRUE(d.problems.empty()) << describe(d);
    EXPECT_EQ(d.ipv6->destination, net::b4_a);
    EXPECT_EQ(d.ip4()->source, net::aftr_v4);
    EXPECT_EQ(d.ip4()->destination, v4("224.0.0.1"));
    EXPECT_EQ(d.ip4()->ttl, 1);
    EXPECT_EQ(d.ip4()->l4.source_port, 5351);
    EXPECT_EQ(d.ip4()->l4.destination_port, 5350);
    const Bytes& m = d.ip4()->l4.payload;
    ASSERT_EQ(m.size(), 24u);
    EXPECT_EQ(m[0], 2);
    EXPECT_EQ(m[1], 0x80);
    EXPECT_EQ(m[3], 0);
    EXPECT_EQ(w::load32(m.data() + 8), 0u) << "the epoch starts again";
    // Off by default.
    make_with([](EngineConfig&) {});
    extra.packets.clear();
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0);
    EXPECT_TRUE(extra.packets.empty());
}

struct Refusal {
    const char* what;
    Bytes request;
    int result;  // -1: dropped and counted
};

Bytes with(PcpMessage m) {
    if (m.client.value == 0) m.client = net::host;
    return pcp_request(m);
}

TEST_F(PcpTest, EveryErrorHasItsResultAndChangesNothing) {
    PcpMessage base = {.lifetime = 600, .protocol = 6, .internal_port = 8080};
    const auto edit = [&](auto change) {
        PcpMessage m = base;
        change(m);
        return with(m);
    };
    Bytes too_long = with(base);
    too_long.resize(1200);
    Bytes odd = with(base);
    odd.resize(odd.size() + 2);
    Bytes header_cut = with(base);
    header_cut.resize(20);
    Bytes short_map = with(base);
    short_map.resize(24);
    Bytes past_end = with(base);
    const Bytes option = pcp_option(0x81, Bytes(8, 0));
    past_end.insert(past_end.end(), option.begin(), option.begin() + 8);  // says 8, carries 4
    const std::vector<Refusal> table = {
        {"version 1", edit([](auto& m) { m.version = 1; }), 1},
        {"shorter than a header", header_cut, -1},
        {"longer than 1100", too_long, 3},
        {"not a multiple of 4", odd, 3},
        {"too short for MAP", short_map, 3},
        {"another client address", edit([](auto& m) { m.client = net::host2; }), 12},
        {"no such opcode", edit([](auto& m) { m.opcode = 9; }), 4},
        {"a mandatory option unknown", edit([](auto& m) { m.options = pcp_option(0x7f, {}); }), 5},
        {"an option past the end", past_end, 6},
        {"PREFER_FAILURE twice", edit([](auto& m) {
             m.suggested_port = 40001;
             m.options = pcp_option(2, {});
             const Bytes again = pcp_option(2, {});
             m.options.insert(m.options.end(), again.begin(), again.end());
         }),
         6},
        {"PREFER_FAILURE without a suggested port", edit([](auto& m) { m.options = pcp_option(2, {}); }), 6},
        {"PREFER_FAILURE with PEER", edit([](auto& m) {
             m = peer(5000, net::server1, 53);
             m.client = net::host;
             m.options = pcp_option(2, {});
         }),
         3},
        {"FILTER with PEER", edit([](auto& m) {
             m = peer(5000, net::server1, 53);
             m.client = net::host;
             m.options = pcp_filter(32, 0, net::server1);
         }),
         6},
        {"FILTER on a deletion", edit([](auto& m) {
             m.lifetime = 0;
             m.options = pcp_filter(32, 0, net::server1);
         }),
         6},
        {"FILTER with a prefix length below 96", edit([](auto& m) {
             m.options = pcp_filter(32, 0, net::server1);
             m.options[5] = 90;
         }),
         6},
        {"two FILTERs", edit([](auto& m) {
             m.options = pcp_filter(32, 0, net::server1);
             const Bytes second = pcp_filter(32, 0, kServer2);
             m.options.insert(m.options.end(), second.begin(), second.end());
         }),
         13},
        {"protocol 0 with a port", edit([](auto& m) { m.protocol = 0; }), 3},
        {"every protocol", edit([](auto& m) {
             m.protocol = 0;
             m.internal_port = 0;
         }),
         9},
        {"ICMP", edit([](auto& m) { m.protocol = 1; }), 9},
        {"every port", edit([](auto& m) { m.internal_port = 0; }), 9},
        {"PEER to a loopback remote", edit([](auto& m) {
             m = peer(5000, v4("127.0.0.1"), 53);
             m.client = net::host;
         }),
         3},
        {"PEER without a remote port", edit([](auto& m) {
             m = peer(5000, net::server1, 0);
             m.client = net::host;
         }),
         3},
    };
    for (const Refusal& t : table) {
        SCOPED_TRACE(t.what);
        const std::uint64_t dropped = count(Counter::drop_port_control_malformed);
        const Bytes r = ask_raw(t.request);
        if (t.result < 0) {
            EXPECT_TRUE(r.empty());
            EXPECT_EQ(count(Counter::drop_port_control_malformed), dropped + 1);
            continue;
        }
        ASSERT_GE(r.size(), 24u);
        EXPECT_EQ(r[0], 2);
        EXPECT_EQ(r[1], 0x80 | t.request[1]);
        EXPECT_EQ(result(r), t.result);
        EXPECT_NE(lifetime(r), 0u);
        // The request itself comes back (8.2), to 1100 octets, padded to 4.
        const std::size_t copied = std::min<std::size_t>(t.request.size(), 1100);
        EXPECT_EQ(r.size(), std::min<std::size_t>(1100, (copied + 3) & ~std::size_t{3}));
        EXPECT_TRUE(std::equal(t.request.begin() + 24, t.request.begin() + static_cast<std::ptrdiff_t>(copied),
                               r.begin() + 24));
        EXPECT_EQ(engine->binding_count(), 0u) << "nothing made";
    }
    // Past the subscriber's --pcp-max-mappings, and with the service off.
    make_with([](EngineConfig& c) {
        c.pools = {Ipv4Prefix{net::pool, 32}};
        c.pcp_max_mappings = 1;
    });
    EXPECT_EQ(result(ask(map(6, 1))), 0);
    EXPECT_EQ(result(ask(map(6, 2))), 10) << "USER_EX_QUOTA";
    make_with([](EngineConfig& c) { c.pcp_max_mappings = 0; });
    EXPECT_EQ(result(ask(map(6, 1))), 2) << "NOT_AUTHORIZED";
    EXPECT_EQ(engine->binding_count(), 0u);
}

}  // namespace
}  // namespace dslite::test
