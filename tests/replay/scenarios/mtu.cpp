#include "scenario_kit.hpp"

namespace dslite::test {
namespace {

// ---- fragments_softwire, fragments_inner ----

// [rows 5, 32]
void check_fragments_softwire(const Result& r) {
    EXPECT_TRUE(r.b4.empty()) << r.dump();
    const auto up = datagrams(r.uplink);
    ASSERT_EQ(up.size(), 3u) << r.dump();
    for (const char* tag : {"sw-in-order", "sw-reversed"}) {
        SCOPED_TRACE(tag);
        const Datagram* d = one_datagram(up, tag, "uplink");
        REQUIRE(d);
        EXPECT_EQ(d->pieces.size(), 1u) << "1500 bytes fit the uplink whole: " << d->text();
        expect_intact(*d, 1500, tag, 1500);
        expect_addresses(*d->pieces[0], pool, 40000, server1, 53);
        EXPECT_EQ(d->ip4()->ttl, 63) << d->text();
    }
    no_datagram(up, "sw-lost", "uplink");
    no_datagram(up, "sw-overlap", "uplink");
    r.one_uplink("sw-whole");
}

// [row 50, RFC 4787 REQ-14]
void check_fragments_inner(const Result& r) {
    const auto up = datagrams(r.uplink);
    ASSERT_EQ(up.size(), 2u) << r.dump();
    const Datagram* a = one_datagram(up, "inner-a", "uplink");
    const Datagram* b = one_datagram(up, "inner-b", "uplink");
    REQUIRE(a && b);
    expect_intact(*a, 1500, "inner-a", mtu::kInnerDatagram);
    expect_intact(*b, 1500, "inner-b", 1480);
    EXPECT_EQ(a->pieces.size(), 6u) << "7980 bytes in 1480-byte pieces: " << a->text();
    EXPECT_EQ(b->pieces.size(), 1u) << "1480 bytes fit the uplink whole: " << b->text();
    for (const Datagram* d : {a, b}) {
        for (const auto* piece : d->pieces) EXPECT_EQ(piece->ip4()->ttl, 63) << piece->text();
        EXPECT_EQ(to_string(d->ip4()->source), to_string(pool)) << d->text();
        EXPECT_EQ(to_string(d->ip4()->destination), to_string(server1)) << d->text();
        EXPECT_EQ(d->ip4()->l4.destination_port, 53) << d->text();
    }
    const std::uint16_t pa = a->ip4()->l4.source_port, pb = b->ip4()->l4.source_port;
    EXPECT_NE(pa, pb) << "two softwires, two bindings";
    EXPECT_TRUE(pa == 40000 || pa == 40001) << pa;
    EXPECT_TRUE(pb == 40000 || pb == 40001) << pb;

    const auto down = datagrams(r.b4);
    ASSERT_EQ(down.size(), 2u) << r.dump();
    for (std::uint16_t port : {40000, 40001}) {
        const std::string tag = to_port("reply", port);
        SCOPED_TRACE(tag);
        const Datagram* d = one_datagram(down, tag, "B4s");
        REQUIRE(d);
        EXPECT_EQ(d->pieces.size(), 6u) << "8040 bytes in 1448-byte IPv6 fragments: " << d->text();
        expect_intact(*d, 1500, tag, mtu::kInnerDatagram);
        ASSERT_TRUE(d->whole.ipv6) << d->text();
        EXPECT_EQ(to_string(d->whole.ipv6->destination), to_string(port == pa ? b4_a : b4_b)) << d->text();
        EXPECT_EQ(to_string(d->whole.ipv6->source), to_string(aftr)) << d->text();
        EXPECT_EQ(to_string(d->ip4()->source), to_string(server1)) << d->text();
        EXPECT_EQ(to_string(d->ip4()->destination), to_string(host)) << d->text();
        EXPECT_EQ(d->ip4()->l4.source_port, 53) << d->text();
        EXPECT_EQ(d->ip4()->l4.destination_port, 5000) << d->text();
        EXPECT_EQ(d->ip4()->ttl, 63) << d->text();
    }
}

// What a B4 on a small IPv6 link sends: its softwire packet in IPv6 fragments.
std::vector<Bytes> softwire_fragments(const Ipv6Address& b4, const Bytes& ipv4, std::size_t mtu, std::uint32_t id) {
    return ipv6_fragments({.source = b4, .destination = aftr}, w::proto_ipv4, ipv4, mtu, id);
}

// IPv6 fragments of softwire packets from a B4, reassembled before
// decapsulation [rows 5, 32]: in order, reversed, one lost (the rest times
// out, and the lost one arriving after the timeout completes nothing),
// overlapping (RFC 5722). 1500-byte IPv4 in 560-byte IPv6 fragments: three each.
Scenario fragments_softwire() {
    Script s;
    auto datagram = [](std::string_view tag) { return big_udp(host, 5000, server1, 53, tag, 1500); };
    auto in_order = softwire_fragments(b4_a, datagram("sw-in-order"), 560, 1);
    for (std::size_t i = 0; i < in_order.size(); ++i) s.add(0.001 * static_cast<double>(i), in_order[i]);
    auto reversed = softwire_fragments(b4_a, datagram("sw-reversed"), 560, 2);
    for (std::size_t i = 0; i < reversed.size(); ++i)
        s.add(1 + 0.001 * static_cast<double>(i), reversed[reversed.size() - 1 - i]);
    auto lost = softwire_fragments(b4_a, datagram("sw-lost"), 560, 3);
    s.add(2.000, lost[0]);
    s.add(2.001, lost[2]);
    const Bytes overlap_ipv4 = datagram("sw-overlap");
    auto overlap = softwire_fragments(b4_a, overlap_ipv4, 560, 4);
    s.add(3.000, overlap[0]);
    s.add(3.001, ipv6_fragment({.source = b4_a, .destination = aftr}, w::proto_ipv4, 4, 256, true,
                               std::span(overlap_ipv4).subspan(256, 512)));
    s.add(20.000, lost[1]);  // after the 10 s reassembly timeout
    s.from_b4(21.000, b4_a, udp(host, 5000, server1, 53, "sw-whole"));
    return {"fragments_softwire",
            "IPv6 fragments from a B4 reassembled in any order; lost -> timeout; overlap dropped",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 12},
             {C::out_uplink_packets, 3},
             {C::held_fragments, 8},
             {C::drop_fragment_overlap, 1},
             {C::fragment_datagrams_expired, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_fragments_softwire};
}

// Inner IPv4 fragments both ways [row 50, RFC 4787 REQ-14]. Two B4s' hosts
// (same private address, port and IP ID) send UDP datagrams in 1460-byte
// fragments, last first and interleaved, so reassembly must key them per
// softwire; the AFTR sends each on whole or in fragments of the uplink MTU. The server answers each public port
// with an 8000-byte datagram in 1500-byte fragments, out of order; the AFTR
// sends it to the right B4 in IPv6 fragments of the tunnel MTU.
Scenario fragments_inner() {
    Script s;
    auto a = ipv4_fragments(big_udp(host, 5000, server1, 53, "inner-a", mtu::kInnerDatagram, false, 0x1234),
                            mtu::kHostFragment);
    // B's datagram fits the uplink whole (1480 bytes): see the ID note in captures/README.md.
    auto b = ipv4_fragments(big_udp(host, 5000, server1, 53, "inner-b", 1480, false, 0x1234), mtu::kHostFragment);
    const std::pair<const Ipv6Address*, const Bytes*> order[] = {{&b4_a, &a[5]}, {&b4_b, &b[1]}, {&b4_a, &a[4]},
                                                                 {&b4_a, &a[3]}, {&b4_b, &b[0]}, {&b4_a, &a[2]},
                                                                 {&b4_a, &a[1]}, {&b4_a, &a[0]}};
    double t = 0;
    for (const auto& [b4, fragment] : order) s.from_b4(t += 0.001, *b4, *fragment);
    std::vector<std::vector<Bytes>> replies;
    for (auto port : kTwoPorts)
        replies.push_back(ipv4_fragments(big_udp(server1, 53, pool, port, to("reply", port), mtu::kInnerDatagram, false,
                                                 static_cast<std::uint16_t>(0x5000 + port % 2)),
                                         mtu::kServerFragment));
    t = 1;
    for (std::size_t i : {3, 0, 5, 1, 4, 2})
        for (const auto& reply : replies) s.uplink(t += 0.001, reply[i]);
    return {"fragments_inner",
            "inner IPv4 fragments reassembled per softwire before NAPT, refragmented both ways",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 8},
             {C::in_uplink_packets, 12},
             {C::out_uplink_packets, 2},
             {C::out_b4_packets, 2},
             {C::held_fragments, 16},
             {C::sent_fragments, 15},
             {C::bindings_created, 2},
             {C::subscribers_created, 2}},
            check_fragments_inner};
}

// ---- tunnel_mtu_df, tunnel_mtu_df_1400, uplink_mtu_df, packet_too_big ----

// Packets on a side that are ICMP errors quoting a packet tagged `tag`.
std::vector<const OutPacket*> errors_quoting(const std::vector<OutPacket>& side, std::string_view tag) {
    std::vector<const OutPacket*> found;
    for (const auto& p : side) {
        const Ipv4Info* ip = p.ip4();
        if (ip && ip->protocol == w::proto_icmp && ip->quoted.size() == 1 &&
            has_tag(ip->quoted[0].l4.payload_text(), tag))
            found.push_back(&p);
    }
    return found;
}

// ICMPv4 3/4 or 3/1 to the Internet sender server1 from the pool address,
// quoting its own packet to pool:40000 [rows 34, 36, RFC 5508 REQ-4].
void expect_error_to_server(const std::vector<OutPacket>& uplink, std::string_view tag, std::uint8_t code,
                            std::uint16_t mtu, std::uint16_t quoted_length, bool quoted_df) {
    SCOPED_TRACE(tag);
    auto found = errors_quoting(uplink, tag);
    ASSERT_EQ(found.size(), 1u) << "one ICMP error about '" << tag << "' to the sender";
    const OutPacket& p = *found[0];
    const Ipv4Info& e = *p.ip4();
    EXPECT_TRUE(p.d.ipv4) << p.text();
    EXPECT_EQ(to_string(e.source), to_string(pool)) << "from the public address the sender used: " << p.text();
    EXPECT_EQ(to_string(e.destination), to_string(server1)) << p.text();
    EXPECT_GT(e.ttl, 1) << p.text();
    EXPECT_EQ(e.l4.icmp_type, w::icmp::destination_unreachable) << p.text();
    EXPECT_EQ(e.l4.icmp_code, code) << p.text();
    EXPECT_EQ(e.l4.icmp_identifier, 0) << "unused field: " << p.text();
    EXPECT_EQ(e.l4.icmp_sequence, mtu) << "next-hop MTU (RFC 1191): " << p.text();
    EXPECT_LE(e.total_length, 576) << "RFC 1812 4.3.2.3: " << p.text();
    const Ipv4Info& q = e.quoted[0];
    EXPECT_EQ(to_string(q.source), to_string(server1)) << p.text();
    EXPECT_EQ(to_string(q.destination), to_string(pool)) << "the sender's own packet, translated back: " << p.text();
    EXPECT_EQ(q.l4.source_port, 53) << p.text();
    EXPECT_EQ(q.l4.destination_port, 40000) << p.text();
    EXPECT_EQ(q.total_length, quoted_length) << p.text();
    EXPECT_EQ((q.flags_fragment & w::ipv4::flag_df) != 0, quoted_df) << p.text();
    EXPECT_TRUE(q.header_checksum_ok) << "quoted header checksum: " << p.text();
    EXPECT_GE(q.captured, std::size_t{q.header_length} + 8) << p.text();
}

// [rows 4, 34, 35] with the tunnel MTU `mtu`.
void check_tunnel_mtu(const Result& r, std::size_t mtu) {
    r.one_uplink("out");
    const auto down = datagrams(r.b4);
    const struct {
        const char* tag;
        std::uint16_t size;
        bool df;
    } packets[] = {
        {"df1-1500", 1500, true}, {"df0-1500", 1500, false}, {"df1-1460", 1460, true}, {"df1-1461", 1461, true}};
    std::size_t errors = 0;
    for (const auto& p : packets) {
        SCOPED_TRACE(p.tag);
        const bool fits = p.size + 40u <= mtu;
        if (!fits && p.df) {
            no_datagram(down, p.tag, "B4s");
            expect_error_to_server(r.uplink, p.tag, 4, static_cast<std::uint16_t>(mtu - 40), p.size, true);
            ++errors;
            continue;
        }
        const Datagram* d = one_datagram(down, p.tag, "B4s");
        REQUIRE(d);
        expect_intact(*d, mtu, p.tag, p.size);
        EXPECT_EQ(d->pieces.size(), fits ? 1u : 2u) << d->text();
        EXPECT_EQ(to_string(d->whole.ipv6->destination), to_string(b4_a)) << d->text();
        EXPECT_EQ(d->ip4()->l4.destination_port, 5000) << d->text();
        EXPECT_EQ(d->ip4()->ttl, 63) << d->text();
    }
    EXPECT_EQ(r.uplink.size(), 1 + errors) << r.dump();
}

// [row 49]
void check_uplink_mtu_df(const Result& r) {
    const auto up = datagrams(r.uplink);
    ASSERT_EQ(up.size(), 2u) << r.dump();
    const Datagram* fits = one_datagram(up, "df1-1400", "uplink");
    const Datagram* frag = one_datagram(up, "df0-1450", "uplink");
    no_datagram(up, "df1-1450", "uplink");
    REQUIRE(fits && frag);
    EXPECT_EQ(fits->pieces.size(), 1u) << fits->text();
    expect_intact(*fits, 1400, "df1-1400", 1400);
    EXPECT_EQ(frag->pieces.size(), 2u) << frag->text();
    expect_intact(*frag, 1400, "df0-1450", 1450);
    for (const Datagram* d : {fits, frag}) {
        EXPECT_EQ(to_string(d->ip4()->source), to_string(pool)) << d->text();
        EXPECT_EQ(d->ip4()->l4.source_port, 40000) << d->text();
        EXPECT_EQ(d->ip4()->ttl, 63) << d->text();
    }
    ASSERT_EQ(r.b4.size(), 1u) << r.dump();
    const OutPacket& e = r.b4[0];
    expect_aftr_error(e, b4_a, w::icmp::destination_unreachable, 4, 5000, server1, 53);
    const Ipv4Info* ip = e.ip4();
    REQUIRE(ip && ip->quoted.size() == 1);
    EXPECT_EQ(ip->l4.icmp_sequence, 1400) << "next-hop MTU is the uplink MTU: " << e.text();
    EXPECT_TRUE(has_tag(ip->quoted[0].l4.payload_text(), "df1-1450")) << e.text();
    EXPECT_EQ(ip->quoted[0].total_length, 1450) << e.text();
    EXPECT_EQ(ip->quoted[0].ttl, 64) << "the host's packet as it sent it: " << e.text();
    EXPECT_TRUE(ip->quoted[0].flags_fragment & w::ipv4::flag_df) << e.text();
    EXPECT_LE(ip->total_length, 576) << e.text();
}

// [rows 33, 36, RFC 2473 8]
void check_packet_too_big(const Result& r) {
    r.one_uplink("out");
    r.one_uplink("b-ping");
    const auto down = datagrams(r.b4);
    const struct {
        const char* tag;
        const Ipv6Address* b4;
        std::size_t mtu;
        std::size_t pieces;
    } delivered[] = {{"before-ptb", &b4_a, 1500, 1},
                     {"after-ptb", &b4_a, 1400, 2},
                     {"b-pong", &b4_b, 1500, 1},
                     {"after-ptb-1300", &b4_a, 1300, 2}};
    for (const auto& x : delivered) {
        SCOPED_TRACE(x.tag);
        const Datagram* d = one_datagram(down, x.tag, "B4s");
        REQUIRE(d);
        EXPECT_EQ(to_string(d->whole.ipv6->destination), to_string(*x.b4)) << d->text();
        EXPECT_EQ(d->pieces.size(), x.pieces) << "learned tunnel MTU " << x.mtu << ": " << d->text();
        expect_intact(*d, x.mtu, x.tag, 1400);
    }
    no_datagram(down, "after-ptb-df1", "B4s");
    expect_error_to_server(r.uplink, "ptb-quote-df1", 4, 1360, 1460, true);
    expect_error_to_server(r.uplink, "after-ptb-df1", 4, 1360, 1400, true);
    expect_error_to_server(r.uplink, "te-quote", 1, 0, 20 + 8 + 8, false);
    EXPECT_TRUE(errors_quoting(r.uplink, "ptb-quote-df0").empty()) << "DF=0: nobody to tell\n" << r.dump();
    EXPECT_EQ(r.uplink.size(), 5u) << r.dump();
}

// Toward a B4, packets too big for the tunnel MTU once encapsulated [rows 4,
// 34, 35]: DF=1 -> ICMPv4 3/4 (MTU - 40) to the sender from the pool
// address; DF=0 -> IPv6 fragments. Sizes straddle the default 1500.
Capture tunnel_mtu_input() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "out"));
    s.uplink(1, big_udp(server1, 53, pool, 40000, "df1-1500", 1500, true, 0x0101));
    s.uplink(2, big_udp(server1, 53, pool, 40000, "df0-1500", 1500, false, 0x0102));
    s.uplink(3, big_udp(server1, 53, pool, 40000, "df1-1460", 1460, true, 0x0103));
    s.uplink(4, big_udp(server1, 53, pool, 40000, "df1-1461", 1461, true, 0x0104));
    return s.capture();
}

Scenario tunnel_mtu_df() {
    return {"tunnel_mtu_df",
            "tunnel MTU 1500: DF=1 too big -> 3/4 (1460) to the sender, DF=0 -> IPv6 fragments",
            one_port_flags(),
            tunnel_mtu_input(),
            {{C::in_b4_packets, 1},
             {C::in_uplink_packets, 4},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 2},
             {C::drop_uplink_too_big_df, 2},
             {C::sent_icmp_too_big, 2},
             {C::sent_fragments, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_tunnel_mtu(r, 1500); }};
}

Scenario tunnel_mtu_df_1400() {
    return {"tunnel_mtu_df_1400",
            "the tunnel_mtu_df input with --tunnel-mtu 1400: 3/4 says 1360",
            one_port_flags({"--tunnel-mtu", "1400"}),
            tunnel_mtu_input(),
            {{C::in_b4_packets, 1},
             {C::in_uplink_packets, 4},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 1},
             {C::drop_uplink_too_big_df, 3},
             {C::sent_icmp_too_big, 3},
             {C::sent_fragments, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_tunnel_mtu(r, 1400); }};
}

// Toward the Internet, too big for --uplink-mtu 1400 [row 49]: DF=1 -> 3/4
// (1400) from 192.0.0.1 down the softwire; DF=0 -> IPv4 fragments.
Scenario uplink_mtu_df() {
    Script s;
    s.from_b4(0, b4_a, big_udp(host, 5000, server1, 53, "df1-1400", 1400, true, 0x0201));
    s.from_b4(1, b4_a, big_udp(host, 5000, server1, 53, "df1-1450", 1450, true, 0x0202));
    s.from_b4(2, b4_a, big_udp(host, 5000, server1, 53, "df0-1450", 1450, false, 0x0203));
    return {"uplink_mtu_df",
            "uplink MTU 1400: DF=1 too big -> 3/4 (1400) to the host, DF=0 -> IPv4 fragments",
            one_port_flags({"--uplink-mtu", "1400"}),
            s.capture(),
            {{C::in_b4_packets, 3},
             {C::out_uplink_packets, 2},
             {C::drop_b4_too_big_df, 1},
             {C::sent_icmp_too_big, 1},
             {C::sent_fragments, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_uplink_mtu_df};
}

// An ICMPv6 error from a router between the AFTR and B4 A about a softwire
// packet the AFTR sent it (the quote: as much as fits in 1280 bytes).
Bytes path_error(std::uint8_t type, std::uint32_t mtu_or_zero, const Bytes& inner) {
    Bytes sent = softwire({.source = aftr, .destination = b4_a}, inner);
    sent.resize(std::min<std::size_t>(sent.size(), 1280 - w::ipv6::header_size - w::icmp::header_size));
    return ipv6_icmp({.source = router, .destination = aftr},
                     {.type = type,
                      .identifier = static_cast<std::uint16_t>(mtu_or_zero >> 16),
                      .sequence = static_cast<std::uint16_t>(mtu_or_zero),
                      .body = sent});
}

// ICMPv6 from the path to a B4 [rows 33, 36, RFC 2473 8]: Packet Too Big
// lowers B4 A's tunnel MTU (not B4 B's) and, when the quoted IPv4 had DF=1,
// is relayed as 3/4 (MTU - 40) to the Internet sender; Time Exceeded is
// relayed as 3/1. A second PTB about a DF=0 packet lowers it again silently.
Scenario packet_too_big() {
    Script s;
    s.from_b4(0.0, b4_a, udp(host, 5000, server1, 53, "out"));
    s.from_b4(0.5, b4_b, echo(host, server1, 0x0555, 1, "b-ping"));
    s.uplink(1, big_udp(server1, 53, pool, 40000, "before-ptb", 1400, false, 0x0301));
    s.add(2, path_error(2, 1400, big_udp(server1, 53, host, 5000, "ptb-quote-df1", 1460, true, 0x0302, 63)));
    s.uplink(3, big_udp(server1, 53, pool, 40000, "after-ptb", 1400, false, 0x0303));
    s.uplink(4, big_udp(server1, 53, pool, 40000, "after-ptb-df1", 1400, true, 0x0304));
    s.uplink(5, ipv4_icmp({.source = server1, .destination = pool, .dont_fragment = false},
                          {.type = w::icmp::echo_reply,
                           .identifier = 40000,
                           .sequence = 1,
                           .body = tagged_payload("b-pong", 1400 - 28)}));
    s.add(6, path_error(3, 0, udp(server1, 53, host, 5000, "te-quote", 63)));
    s.add(7, path_error(2, 1300, big_udp(server1, 53, host, 5000, "ptb-quote-df0", 1460, false, 0x0305, 63)));
    s.uplink(8, big_udp(server1, 53, pool, 40000, "after-ptb-1300", 1400, false, 0x0306));
    return {"packet_too_big",
            "ICMPv6 PTB lowers that B4's tunnel MTU and is relayed as 3/4; Time Exceeded as 3/1",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 5},
             {C::in_uplink_packets, 5},
             {C::out_uplink_packets, 2},
             {C::out_b4_packets, 4},
             {C::out_icmpv6_errors, 3},
             {C::tunnel_mtu_lowered, 2},
             {C::drop_uplink_too_big_df, 1},
             {C::sent_icmp_too_big, 2},
             {C::sent_icmp_unreachable, 1},
             {C::sent_fragments, 2},
             {C::bindings_created, 2},
             {C::subscribers_created, 2}},
            check_packet_too_big};
}

// ---- mss_clamp ----

// --mss-clamp, SYNs both ways.
void check_mss_clamp(const Result& r) {
    const struct {
        const char* tag;
        bool to_b4;
        std::optional<std::uint16_t> mss;
    } segments[] = {{"syn-mss1460", false, mtu::kMssClamp},
                    {"synack-mss1460", true, mtu::kMssClamp},
                    {"ack-mss1460", false, 1460},
                    {"syn-mss1200", false, 1200},
                    {"syn-no-mss", false, std::nullopt}};
    for (const auto& s : segments) {
        SCOPED_TRACE(s.tag);
        const auto* p = s.to_b4 ? r.one_b4(s.tag) : r.one_uplink(s.tag);
        REQUIRE(p);
        const Ipv4Info* ip = p->ip4();
        ASSERT_TRUE(ip) << p->text();
        EXPECT_TRUE(ip->l4.checksum_ok) << p->text();
        EXPECT_EQ(ip->l4.tcp_mss, s.mss) << p->text();
        if (s.to_b4)
            expect_addresses(*p, server1, 80, host, 5000);
        else
            expect_addresses(*p, pool, 40000, server1, 80);
    }
}

// TCP MSS option bytes: kind 2, length 4, value.
Bytes mss_option(std::uint16_t mss) {
    return {2, 4, static_cast<std::uint8_t>(mss >> 8), static_cast<std::uint8_t>(mss)};
}

Bytes tcp_with_options(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::uint8_t flags,
                       std::string_view tag, Bytes options) {
    return ipv4_tcp({.source = src, .destination = dst}, {.source_port = sport,
                                                          .destination_port = dport,
                                                          .seq = 1000,
                                                          .ack = flags & ACK ? 5001u : 0u,
                                                          .flags = flags,
                                                          .payload = text_bytes(tag),
                                                          .options = std::move(options)});
}

// --mss-clamp lowers a larger MSS option of SYNs both ways, keeps a smaller
// one, adds none, and leaves segments without SYN alone.
Scenario mss_clamp() {
    Script s;
    Bytes host_options = mss_option(1460);
    host_options.insert(host_options.end(), {1, 3, 3, 7, 4, 2, 1, 1});  // NOP, window scale 7, SACK permitted
    Bytes server_options = {1, 1, 4, 2};                                // NOP NOP SACK permitted, then MSS
    for (auto b : mss_option(1460)) server_options.push_back(b);
    s.from_b4(0.0, b4_a, tcp_with_options(host, 5000, server1, 80, SYN, "syn-mss1460", host_options));
    s.uplink(0.1, tcp_with_options(server1, 80, pool, 40000, SYN | ACK, "synack-mss1460", server_options));
    s.from_b4(0.2, b4_a, tcp_with_options(host, 5000, server1, 80, ACK, "ack-mss1460", mss_option(1460)));
    // Retransmitted SYNs on the same binding (one public port), smaller or no MSS.
    s.from_b4(1.0, b4_a, tcp_with_options(host, 5000, server1, 80, SYN, "syn-mss1200", mss_option(1200)));
    s.from_b4(2.0, b4_a, tcp_with_options(host, 5000, server1, 80, SYN, "syn-no-mss", {}));
    return {"mss_clamp",
            "--mss-clamp 1360 lowers the MSS of SYNs both ways",
            one_port_flags({"--mss-clamp", std::to_string(mtu::kMssClamp)}),
            s.capture(),
            {{C::in_b4_packets, 4},
             {C::in_uplink_packets, 1},
             {C::out_uplink_packets, 4},
             {C::out_b4_packets, 1},
             {C::mss_clamped, 2},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_mss_clamp};
}

const Registration registered{fragments_softwire, fragments_inner, tunnel_mtu_df, tunnel_mtu_df_1400,
                              uplink_mtu_df,      packet_too_big,  mss_clamp};

}  // namespace
}  // namespace dslite::test
