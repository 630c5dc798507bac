#include "scenario_kit.hpp"

namespace dslite::test {
namespace {

// ---- malformed ----

void check_malformed(const Result& r) {
    EXPECT_TRUE(r.b4.empty()) << r.dump();
    ASSERT_EQ(r.uplink.size(), 1u) << r.dump();
    const auto* good = r.one_uplink("good-after-junk");
    REQUIRE(good);
    expect_addresses(*good, pool, 40000, server1, 53);
}

Scenario malformed() {
    Script s;
    auto good = [] { return udp(host, 5000, server1, 53, "good"); };
    {
        Bytes p = good();
        p[w::ipv4::checksum] ^= 0x01;
        s.from_b4(0, b4_a, p);
    }
    {
        Bytes p = softwire({.source = b4_a, .destination = aftr}, good());
        p.resize(p.size() - 10);  // IPv6 payload length now says more than arrived
        s.add(1, p);
    }
    {
        Bytes p = good();
        w::store16(&p[w::ipv4::total_length], static_cast<std::uint16_t>(p.size() + 20));
        refresh_ipv4_header_checksum(p);
        s.from_b4(2, b4_a, p);
    }
    {
        Bytes full = tcp(host, 5000, server1, 80, SYN, "");
        Bytes cut =
            ipv4_packet({.source = host, .destination = server1}, w::proto_tcp, std::span(full).subspan(20, 10));
        s.from_b4(3, b4_a, cut);
        Bytes whole = good();
        Bytes udp_cut =
            ipv4_packet({.source = host, .destination = server1}, w::proto_udp, std::span(whole).subspan(20, 4));
        s.from_b4(4, b4_a, udp_cut);
    }
    {
        Bytes p = good();
        p[0] = 0x55;  // version 5
        refresh_ipv4_header_checksum(p);
        s.from_b4(5, b4_a, p);
    }
    {
        Bytes p = good();
        p[0] = 0x44;  // IHL 4 (16 bytes)
        w::store16(&p[w::ipv4::checksum], 0);
        w::store16(&p[w::ipv4::checksum], checksum(std::span(p).first(16)));
        s.from_b4(6, b4_a, p);
    }
    s.add(7, softwire({.source = b4_a, .destination = v6("2001:db8:0:1::99")}, good()));
    {
        Bytes p = echo(host, server1, 7, 1, "bad-icmp-checksum");
        p[20 + w::icmp::checksum] ^= 0x40;
        s.from_b4(8, b4_a, p);
    }
    {
        Bytes p = udp(server1, 53, pool, 40000, "uplink-short");
        w::store16(&p[w::ipv4::total_length], static_cast<std::uint16_t>(p.size() + 8));
        refresh_ipv4_header_checksum(p);
        s.uplink(9, p);
        Bytes q = udp(server1, 53, pool, 40000, "uplink-bad-checksum");
        q[w::ipv4::checksum] ^= 0x10;
        s.uplink(10, q);
        s.uplink(11, udp(server1, 53, v4("198.51.100.77"), 40000, "uplink-not-pool"));
        s.uplink(12, udp(server1, 53, pool, 40000, "uplink-no-binding"));
    }
    // A first fragment whose rest never comes: held for reassembly, nothing leaves.
    s.from_b4(13, b4_a,
              ipv4_udp({.source = host, .destination = server1, .more_fragments = true},
                       {.source_port = 5000, .destination_port = 53, .payload = text_bytes("fragment")}));
    {
        Bytes p = softwire({.source = b4_a, .destination = aftr}, good());
        p.resize(30);  // not even a whole IPv6 header
        s.add(14, p);
    }
    s.from_b4(15, b4_a, udp(host, 5000, server1, 53, "good-after-junk"));
    return {"malformed",
            "malformed packets are dropped and counted; a good packet afterwards passes",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 12},
             {C::in_uplink_packets, 4},
             {C::out_uplink_packets, 1},
             {C::drop_inner_bad_checksum, 1},
             {C::drop_b4_truncated, 2},
             {C::drop_inner_truncated, 1},
             {C::drop_b4_l4_truncated, 2},
             {C::drop_inner_bad_version, 1},
             {C::drop_inner_bad_header_length, 1},
             {C::drop_b4_wrong_destination, 1},
             {C::drop_b4_icmp_bad_checksum, 1},
             {C::held_fragments, 1},
             {C::drop_uplink_truncated, 1},
             {C::drop_uplink_bad_checksum, 1},
             {C::drop_uplink_not_pool, 1},
             {C::drop_uplink_no_binding, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_malformed};
}

// ---- tunnel_encapsulation_limit ----

void check_tel(const Result& r) {
    const auto* up = r.one_uplink("with-tel");
    REQUIRE(up);
    expect_addresses(*up, pool, 40000, server1, 53);
    EXPECT_EQ(up->ip4()->ttl, 63);
    r.none_uplink("unknown-option");
    const auto* down = r.one_b4("reply");
    REQUIRE(down);
    expect_softwire_to(*down, b4_a);
    expect_addresses(*down, server1, 53, host, 5000);
}

// IPv6 Destination Options with a Tunnel Encapsulation Limit before the
// IPv4 packet (RFC 2473 4.1.1), and an unknown option that must discard.
Scenario tunnel_encapsulation_limit() {
    Script s;
    s.add(0, softwire({.source = b4_a, .destination = aftr, .encapsulation_limit = 4},
                      udp(host, 5000, server1, 53, "with-tel")));
    Bytes p = softwire({.source = b4_a, .destination = aftr, .encapsulation_limit = 4},
                       udp(host, 5000, server1, 53, "unknown-option"));
    p[w::ipv6::header_size + 2] = 0x81;  // option type 10xxxxxx: discard the packet
    s.add(1, p);
    s.uplink(2, udp(server1, 53, pool, 40000, "reply"));
    return {"tunnel_encapsulation_limit",
            "Destination Options + Tunnel Encapsulation Limit decapsulated",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 2},
             {C::in_uplink_packets, 1},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 1},
             {C::drop_b4_ext_header, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_tel};
}

// ---- dscp ----

// DSCP carried both ways [row 3].
void check_dscp(const Result& r) {
    const auto* a = r.one_uplink("up-tc28-tos28");
    const auto* b = r.one_uplink("up-tc28-tos00");
    const auto* c = r.one_b4("down-tos-b8");
    const auto* d = r.one_b4("down-tos-00");
    REQUIRE(a && b && c && d);
    EXPECT_EQ(a->ip4()->tos, 0x28) << a->text();
    EXPECT_EQ(b->ip4()->tos, 0x28) << "outer traffic class 0x28 must reach the IPv4 side: " << b->text();
    EXPECT_EQ(c->d.ipv6->traffic_class, 0xb8) << c->text();
    EXPECT_EQ(c->ip4()->tos, 0xb8) << c->text();
    EXPECT_EQ(d->d.ipv6->traffic_class, 0x00) << d->text();
}

Scenario dscp() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "up-tc28-tos28", 64, 0x28), 0x28);
    s.from_b4(1, b4_a, udp(host, 5000, server1, 53, "up-tc28-tos00", 64, 0x00), 0x28);
    s.uplink(2, udp(server1, 53, pool, 40000, "down-tos-b8", 64, 0xb8));
    s.uplink(3, udp(server1, 53, pool, 40000, "down-tos-00", 64, 0x00));
    return {"dscp",
            "DSCP copied between inner TOS and outer traffic class both ways",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 2},
             {C::in_uplink_packets, 2},
             {C::out_uplink_packets, 2},
             {C::out_b4_packets, 2},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_dscp};
}

// ---- udp_checksum ----

void check_udp_checksum(const Result& r) {
    const auto* zu = r.one_uplink("zero-up");
    const auto* zd = r.one_b4("zero-down");
    const auto* nz = r.one_uplink("nonzero-up");
    REQUIRE(zu && zd && nz);
    EXPECT_EQ(zu->ip4()->l4.checksum, 0) << "a zero UDP checksum stays zero: " << zu->text();
    EXPECT_EQ(zd->ip4()->l4.checksum, 0) << "a zero UDP checksum stays zero: " << zd->text();
    EXPECT_NE(nz->ip4()->l4.checksum, 0) << nz->text();
    auto fu = r.find(r.uplink, "ffff-up", true);
    auto fd = r.find(r.b4, "ffff-down", true);
    ASSERT_EQ(fu.size(), 1u) << r.dump();
    ASSERT_EQ(fd.size(), 1u) << r.dump();
    expect_addresses(*fu[0], pool, 40000, server1, 53);
    expect_addresses(*fd[0], server1, 53, host, 5000);
    EXPECT_EQ(fu[0]->ip4()->l4.checksum, 0xffff) << "computed zero must be sent as 0xffff: " << fu[0]->text();
    EXPECT_EQ(fd[0]->ip4()->l4.checksum, 0xffff) << "computed zero must be sent as 0xffff: " << fd[0]->text();
}

// A UDP payload whose checksum, for these addresses and ports, computes to
// zero and must be sent as 0xffff (RFC 768).
Bytes payload_for_zero_checksum(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport,
                                std::string_view tag) {
    Bytes payload = text_bytes(tag);
    if (payload.size() % 2) payload.push_back('.');
    payload.push_back(0);
    payload.push_back(0);
    Bytes p = ipv4_udp({.source = src, .destination = dst},
                       {.source_port = sport, .destination_port = dport, .payload = payload, .zero_checksum = true});
    auto l4 = std::span<const std::uint8_t>(p).subspan(20);
    auto sum =
        checksum_fold(checksum_partial(l4, pseudo_header_ipv4(&p[w::ipv4::source], &p[w::ipv4::destination],
                                                              w::proto_udp, static_cast<std::uint16_t>(l4.size()))));
    w::store16(&payload[payload.size() - 2], static_cast<std::uint16_t>(~sum));
    return payload;
}

Scenario udp_checksum() {
    Script s;
    s.from_b4(
        0, b4_a,
        ipv4_udp(
            {.source = host, .destination = server1},
            {.source_port = 5000, .destination_port = 53, .payload = text_bytes("zero-up"), .zero_checksum = true}));
    s.uplink(1, ipv4_udp({.source = server1, .destination = pool}, {.source_port = 53,
                                                                    .destination_port = 40000,
                                                                    .payload = text_bytes("zero-down"),
                                                                    .zero_checksum = true}));
    s.from_b4(2, b4_a, udp(host, 5000, server1, 53, "nonzero-up"));
    // After translation to 198.51.100.1:40000 (one-port range) this one sums to zero.
    s.from_b4(3, b4_a,
              ipv4_udp({.source = host, .destination = server1},
                       {.source_port = 5000,
                        .destination_port = 53,
                        .payload = payload_for_zero_checksum(pool, 40000, server1, 53, "ffff-up")}));
    s.uplink(4, ipv4_udp({.source = server1, .destination = pool},
                         {.source_port = 53,
                          .destination_port = 40000,
                          .payload = payload_for_zero_checksum(server1, 53, host, 5000, "ffff-down")}));
    return {"udp_checksum",
            "UDP zero checksum stays zero; a computed zero is sent as 0xffff",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 3},
             {C::in_uplink_packets, 2},
             {C::out_uplink_packets, 3},
             {C::out_b4_packets, 2},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_udp_checksum};
}

// ---- inner_source, inner_source_extra ----

// Inner source addresses [row 12].
void check_inner_source(const Result& r, bool extra) {
    const struct {
        const char* source;
        bool allowed;
    } sources[] = {{"203.0.113.5", false}, {"100.64.0.1", extra},    {"172.16.0.1", true}, {"192.168.1.1", true},
                   {"192.0.0.2", true},    {"10.255.255.254", true}, {"172.32.0.1", false}};
    for (const auto& s : sources) {
        const std::string tag = std::string("from-") + s.source;
        if (!s.allowed) {
            r.none_uplink(tag);
            continue;
        }
        const auto* p = r.one_uplink(tag);
        REQUIRE(p);
        EXPECT_EQ(to_string(p->ip4()->source), to_string(pool)) << p->text();
    }
}

Capture inner_source_input() {
    Script s;
    const char* sources[] = {"203.0.113.5", "100.64.0.1",     "172.16.0.1", "192.168.1.1",
                             "192.0.0.2",   "10.255.255.254", "172.32.0.1"};
    double t = 0;
    for (const char* a : sources) s.from_b4(t++, b4_a, udp(v4(a), 5000, server1, 53, std::string("from-") + a));
    return s.capture();
}

Scenario inner_source() {
    return {"inner_source",
            "inner sources outside RFC 1918 and 192.0.0.0/29 are dropped",
            base_flags({"--pool", "198.51.100.1/32"}),
            inner_source_input(),
            {{C::in_b4_packets, 7},
             {C::out_uplink_packets, 4},
             {C::drop_inner_bad_source, 3},
             {C::bindings_created, 4},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_inner_source(r, false); }};
}

Scenario inner_source_extra() {
    return {"inner_source_extra",
            "--inner-prefix 100.64.0.0/10 admits those sources too",
            base_flags({"--pool", "198.51.100.1/32", "--inner-prefix", "100.64.0.0/10"}),
            inner_source_input(),
            {{C::in_b4_packets, 7},
             {C::out_uplink_packets, 5},
             {C::drop_inner_bad_source, 2},
             {C::bindings_created, 5},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_inner_source(r, true); }};
}

// ---- b4_prefix ----

void check_b4_prefix(const Result& r) {
    r.one_uplink("from-a");
    r.none_uplink("from-b");
}

Scenario b4_prefix() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "from-a"));
    s.from_b4(1, b4_b, udp(host, 5000, server1, 53, "from-b"));
    return {"b4_prefix",
            "--b4-prefix admits only B4s inside it",
            base_flags({"--pool", "198.51.100.1/32", "--b4-prefix", "2001:db8:a::/48"}),
            s.capture(),
            {{C::in_b4_packets, 2},
             {C::out_uplink_packets, 1},
             {C::drop_b4_not_allowed, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_b4_prefix};
}

const Registration registered{malformed,    tunnel_encapsulation_limit, dscp,     udp_checksum,
                              inner_source, inner_source_extra,         b4_prefix};

}  // namespace
}  // namespace dslite::test
