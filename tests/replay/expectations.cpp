#include "expectations.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <tuple>

#include "dslite/wire.hpp"
#include "support/scenarios.hpp"

namespace dslite::test {

namespace w = dslite::wire;
using namespace net;

namespace {

// Against a failed lookup the check cannot go on; one_* already reported it.
#define REQUIRE(p) \
    if (!(p)) return

// An AFTR-sent softwire packet to `b4` [RFC 6333 7.1, RFC 2473 rows 29-30].
void expect_softwire_to(const OutPacket& p, const Ipv6Address& b4) {
    ASSERT_TRUE(p.d.ipv6) << p.text();
    EXPECT_EQ(to_string(p.d.ipv6->destination), to_string(b4)) << p.text();
    EXPECT_EQ(to_string(p.d.ipv6->source), to_string(aftr)) << p.text();
    EXPECT_EQ(p.d.ipv6->hop_limit, 64) << p.text();
    EXPECT_EQ(p.d.ipv6->flow_label, 0u) << p.text();
}

void expect_addresses(const OutPacket& p, Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport) {
    const Ipv4Info* ip = p.ip4();
    ASSERT_TRUE(ip) << p.text();
    EXPECT_EQ(to_string(ip->source), to_string(src)) << p.text();
    EXPECT_EQ(to_string(ip->destination), to_string(dst)) << p.text();
    if (ip->protocol == w::proto_icmp) {
        EXPECT_EQ(ip->l4.icmp_identifier, sport) << p.text();
    } else {
        EXPECT_EQ(ip->l4.source_port, sport) << p.text();
        EXPECT_EQ(ip->l4.destination_port, dport) << p.text();
    }
}

// An ICMPv4 error the AFTR made (192.0.0.1 -> host) about a packet from
// host:sport to dst:dport, sent down the softwire to `b4`.
void expect_aftr_error(const OutPacket& p, const Ipv6Address& b4, std::uint8_t type, std::uint8_t code,
                       std::uint16_t quoted_sport, Ipv4Address quoted_dst, std::uint16_t quoted_dport) {
    expect_softwire_to(p, b4);
    const Ipv4Info* ip = p.ip4();
    ASSERT_TRUE(ip) << p.text();
    EXPECT_EQ(to_string(ip->source), to_string(aftr_v4)) << p.text();
    EXPECT_EQ(to_string(ip->destination), to_string(host)) << p.text();
    EXPECT_GT(ip->ttl, 1) << p.text();
    ASSERT_EQ(ip->protocol, w::proto_icmp) << p.text();
    EXPECT_EQ(ip->l4.icmp_type, type) << p.text();
    EXPECT_EQ(ip->l4.icmp_code, code) << p.text();
    ASSERT_EQ(ip->quoted.size(), 1u) << p.text();
    const Ipv4Info& q = ip->quoted.front();
    EXPECT_EQ(to_string(q.source), to_string(host)) << "quote must be the host's packet: " << p.text();
    EXPECT_EQ(to_string(q.destination), to_string(quoted_dst)) << p.text();
    EXPECT_GE(q.captured, std::size_t{q.header_length} + 8) << "RFC 792: header + 8 bytes: " << p.text();
    EXPECT_EQ(q.l4.source_port, quoted_sport) << p.text();
    EXPECT_EQ(q.l4.destination_port, quoted_dport) << p.text();
}

std::string to_port(std::string_view tag, std::uint16_t port) {
    return std::string(tag) + "-to-" + std::to_string(port);
}
std::uint16_t other_port(std::uint16_t p) { return p == 40000 ? 40001 : 40000; }

// Two B4s, same private 5-tuple per protocol [rows 9, 61].
void check_two_b4(const Result& r) {
    const struct {
        const char* proto;
        std::uint16_t server_port;
    } protos[] = {{"udp", 53}, {"tcp", 80}, {"icmp", 0x0777}};
    for (const auto& [proto, server_port] : protos) {
        SCOPED_TRACE(proto);
        const auto* a = r.one_uplink(std::string("a-") + proto);
        const auto* b = r.one_uplink(std::string("b-") + proto);
        REQUIRE(a && b);
        const std::uint16_t pa = source_port(*a->ip4()), pb = source_port(*b->ip4());
        expect_addresses(*a, pool, pa, server1, server_port);
        expect_addresses(*b, pool, pb, server1, server_port);
        EXPECT_NE(pa, pb) << "same public address, so the public ports must differ";
        EXPECT_TRUE(pa == 40000 || pa == 40001) << pa;
        EXPECT_TRUE(pb == 40000 || pb == 40001) << pb;
        EXPECT_EQ(a->ip4()->ttl, 63) << a->text();
        for (std::uint16_t port : {40000, 40001}) {
            const auto* down = r.one_b4(to_port(proto, port));
            REQUIRE(down);
            expect_softwire_to(*down, port == pa ? b4_a : b4_b);
            const std::uint16_t private_port = std::string_view(proto) == "icmp" ? 0x0777 : 10000;
            const Ipv4Info* ip = down->ip4();
            ASSERT_TRUE(ip);
            EXPECT_EQ(to_string(ip->destination), to_string(host)) << down->text();
            EXPECT_EQ(to_string(ip->source), to_string(server1)) << down->text();
            EXPECT_EQ(destination_port(*ip), private_port) << down->text();
            EXPECT_EQ(ip->ttl, 63) << down->text();
        }
    }
}

// Hairpinning with the sender's public address and port [rows 45, 58].
void check_hairpin(const Result& r) {
    for (const char* proto : {"udp", "tcp"}) {
        SCOPED_TRACE(proto);
        const auto* a_out = r.one_uplink(std::string("a-") + proto + "-out");
        const auto* b_out = r.one_uplink(std::string("b-") + proto + "-out");
        REQUIRE(a_out && b_out);
        const std::uint16_t pa = source_port(*a_out->ip4()), pb = source_port(*b_out->ip4());
        EXPECT_NE(pa, pb);
        for (std::uint16_t port : {40000, 40001}) {
            const std::string tag = to_port(std::string("a-") + proto, port);
            r.none_uplink(tag);
            const auto* p = r.one_b4(tag);
            REQUIRE(p);
            const bool to_b = port == pb;
            expect_softwire_to(*p, to_b ? b4_b : b4_a);
            expect_addresses(*p, pool, pa, host, to_b ? 6000 : 5000);
            EXPECT_EQ(p->ip4()->ttl, 63) << "one AFTR hop, one TTL decrement: " << p->text();
        }
    }
}

// EIM [rows 37, 51], paired pooling [rows 38, 82], random ports in range [row 88, RFC 6056].
void check_mapping(const Result& r) {
    const auto* s1 = r.one_uplink("eim-s1");
    const auto* s2 = r.one_uplink("eim-s2");
    const auto* s1p = r.one_uplink("eim-s1-port");
    const auto* t1 = r.one_uplink("eim-tcp-s1");
    const auto* t2 = r.one_uplink("eim-tcp-s2");
    const auto* i1 = r.one_uplink("eim-icmp-s1");
    const auto* i2 = r.one_uplink("eim-icmp-s2");
    REQUIRE(s1 && s2 && s1p && t1 && t2 && i1 && i2);
    const Ipv4Address x = s1->ip4()->source;
    EXPECT_TRUE(parse_ipv4_prefix("198.51.100.8/29")->contains(x)) << s1->text();
    for (auto [p, q] : {std::pair{s1, s2}, {s1, s1p}, {t1, t2}, {i1, i2}}) {
        EXPECT_EQ(to_string(p->ip4()->source), to_string(q->ip4()->source)) << p->text() << "\n" << q->text();
        EXPECT_EQ(source_port(*p->ip4()), source_port(*q->ip4())) << p->text() << "\n" << q->text();
    }
    std::set<std::uint16_t> udp_ports;
    std::vector<std::uint16_t> many;
    for (const auto& p : r.uplink) {
        const Ipv4Info* ip = p.ip4();
        ASSERT_TRUE(ip);
        const auto tag = p.payload_text();
        if (!tag.starts_with("b-")) {
            EXPECT_EQ(to_string(ip->source), to_string(x)) << "paired pooling: " << p.text();
        } else {
            EXPECT_TRUE(parse_ipv4_prefix("198.51.100.8/29")->contains(ip->source)) << p.text();
        }
        EXPECT_GE(source_port(*ip), 20000) << p.text();
        EXPECT_LE(source_port(*ip), 20099) << p.text();
        if (ip->protocol == w::proto_udp && !tag.starts_with("b-") && tag != "eim-s2" && tag != "eim-s1-port")
            udp_ports.insert(ip->l4.source_port);
        if (tag.starts_with("many-")) many.push_back(ip->l4.source_port);
    }
    EXPECT_EQ(udp_ports.size(), 18u) << "18 UDP bindings of one subscriber need 18 ports\n" << r.dump();
    ASSERT_EQ(many.size(), 16u);
    int steps_of_one = 0;
    for (std::size_t i = 1; i < many.size(); ++i) steps_of_one += std::abs(many[i] - many[i - 1]) == 1;
    EXPECT_LT(steps_of_one, 8) << "ports look sequential, not random (RFC 6056):\n" << r.dump();
}

void check_filtering(const Result& r, bool address_dependent) {
    const struct {
        const char* tag;
        Ipv4Address server;
        std::uint16_t port;
        bool passes;
    } answers[] = {{"from-s1-53", server1, 53, true},
                   {"from-s1-54", server1, 54, true},
                   {"from-s2-53", server2, 53, !address_dependent}};
    const auto* out = r.one_uplink("out");
    REQUIRE(out);
    expect_addresses(*out, pool, 40000, server1, 53);
    for (const auto& a : answers) {
        SCOPED_TRACE(a.tag);
        if (!a.passes) {
            r.none_b4(a.tag);
            continue;
        }
        const auto* p = r.one_b4(a.tag);
        REQUIRE(p);
        expect_softwire_to(*p, b4_a);
        expect_addresses(*p, a.server, a.port, host, 5000);
    }
}

// One binding per phase; the answer on its public port passes or not.
void expect_phase(const Result& r, const char* out_tag, const char* answer_tag, bool passes,
                  std::uint16_t private_port) {
    SCOPED_TRACE(answer_tag);
    const auto* out = r.one_uplink(out_tag);
    REQUIRE(out);
    const std::uint16_t port = source_port(*out->ip4());
    r.none_b4(to_port(answer_tag, other_port(port)));
    if (!passes) {
        r.none_b4(to_port(answer_tag, port));
        return;
    }
    const auto* in = r.one_b4(to_port(answer_tag, port));
    REQUIRE(in);
    expect_softwire_to(*in, b4_a);
    EXPECT_EQ(to_string(in->ip4()->destination), to_string(host)) << in->text();
    EXPECT_EQ(destination_port(*in->ip4()), private_port) << in->text();
}

void check_udp_timeout(const Result& r) {
    expect_phase(r, "p1-out", "p1-299", true, 5000);
    expect_phase(r, "p2-out", "p2-302", false, 5001);
    expect_phase(r, "p3-out", "p3-299", true, 5002);
    const auto* a = r.one_uplink("p3-out");
    const auto* b = r.one_uplink("p3-refresh");
    REQUIRE(a && b);
    EXPECT_EQ(source_port(*a->ip4()), source_port(*b->ip4()));
}

void check_icmp_timeout(const Result& r) {
    expect_phase(r, "p1-out", "p1-59", true, 0x100);
    expect_phase(r, "p2-out", "p2-61", false, 0x101);
    expect_phase(r, "p3-out", "p3-99", true, 0x102);
}

void check_tcp_timeouts(const Result& r) {
    expect_phase(r, "p1-syn", "p1-synack", true, 5000);
    expect_phase(r, "p1-syn", "p1-finack", true, 5000);
    expect_phase(r, "p1-syn", "p1-239", true, 5000);
    expect_phase(r, "p2-syn", "p2-synack", true, 5001);
    expect_phase(r, "p2-syn", "p2-242", false, 5001);
    expect_phase(r, "p3-syn", "p3-synack", true, 5002);
    expect_phase(r, "p3-syn", "p3-7439", true, 5002);
    expect_phase(r, "p4-syn", "p4-synack", true, 5003);
    expect_phase(r, "p4-syn", "p4-7442", false, 5003);
    for (const char* tag : {"p1-ack", "p1-fin", "p1-lastack", "p2-ack", "p2-rst", "p3-ack", "p4-ack"})
        r.one_uplink(tag);
    r.none_uplink("no-syn");
    r.none_b4("inbound-syn");
}

void check_simultaneous_open(const Result& r) {
    expect_phase(r, "syn-out", "syn-in", true, 5000);
    expect_phase(r, "syn-out", "synack-in", true, 5000);
    expect_phase(r, "syn-out", "data-1000", true, 5000);
    const auto* a = r.one_uplink("syn-out");
    const auto* b = r.one_uplink("synack-out");
    REQUIRE(a && b);
    EXPECT_EQ(source_port(*a->ip4()), source_port(*b->ip4()));
}

// Quota per subscriber /56 and protocol [rows 24, 26, 84, 91].
void check_quota(const Result& r) {
    const auto* q1 = r.one_uplink("q1");
    const auto* q2 = r.one_uplink("q2");
    const auto* again = r.one_uplink("q1-again");
    const auto* tcp = r.one_uplink("a-tcp");
    const auto* a2tcp = r.one_uplink("a2-tcp");
    r.one_uplink("b-udp");
    r.none_uplink("q3-over");
    r.none_uplink("a2-over");
    REQUIRE(q1 && q2 && again && tcp && a2tcp);
    EXPECT_NE(source_port(*q1->ip4()), source_port(*q2->ip4()));
    EXPECT_EQ(source_port(*q1->ip4()), source_port(*again->ip4())) << "existing binding must survive the quota";
    EXPECT_EQ(to_string(a2tcp->ip4()->source), to_string(q1->ip4()->source))
        << "B4s in one /56 are one subscriber: one public address";
    EXPECT_EQ(to_string(tcp->ip4()->source), to_string(q1->ip4()->source));
    ASSERT_EQ(r.b4.size(), 2u) << r.dump();
    expect_aftr_error(r.b4[0], b4_a, w::icmp::destination_unreachable, 1, 5002, server1, 53);
    expect_aftr_error(r.b4[1], b4_a2, w::icmp::destination_unreachable, 1, 5004, server1, 53);
}

void check_quota_prefix_64(const Result& r) {
    const auto* q1 = r.one_uplink("q1");
    const auto* q2 = r.one_uplink("q2");
    const auto* again = r.one_uplink("q1-again");
    r.one_uplink("a-tcp");
    r.one_uplink("a2-over");
    r.one_uplink("a2-tcp");
    r.one_uplink("b-udp");
    r.none_uplink("q3-over");
    REQUIRE(q1 && q2 && again);
    EXPECT_EQ(source_port(*q1->ip4()), source_port(*again->ip4()));
    ASSERT_EQ(r.b4.size(), 1u) << r.dump();
    expect_aftr_error(r.b4[0], b4_a, w::icmp::destination_unreachable, 1, 5002, server1, 53);
}

// ---- softwire_move, softwire_limit_2 (rows 25, 27) ----

// Where the replies to each public port went after each change: the B4, or
// nowhere for the port no binding holds.
void expect_replies(const Result& r, const char* round, std::uint16_t a_port, const Ipv6Address& a_to,
                    std::optional<std::uint16_t> a2_port, const Ipv6Address& a2_to) {
    SCOPED_TRACE(round);
    for (std::uint16_t port : {40000, 40001}) {
        const std::string tag = to_port(round, port);
        if (port != a_port && port != a2_port) {
            r.none_b4(tag);
            continue;
        }
        const auto* p = r.one_b4(tag);
        REQUIRE(p);
        expect_softwire_to(*p, port == a_port ? a_to : a2_to);
        expect_addresses(*p, server1, 53, host, 5000);
    }
}

void check_softwire_move(const Result& r) {
    const auto* out = r.one_uplink("a-out");
    const auto* moved = r.one_uplink("a2-out");
    const auto* back = r.one_uplink("a-back");
    r.none_uplink("a-again");
    REQUIRE(out && moved && back);
    const std::uint16_t port = source_port(*out->ip4());
    EXPECT_EQ(source_port(*moved->ip4()), port) << "the binding moved with the softwire: same public port";
    EXPECT_EQ(source_port(*back->ip4()), port);
    expect_replies(r, "reply-1", port, b4_a, std::nullopt, b4_a);
    expect_replies(r, "reply-2", port, b4_a2, std::nullopt, b4_a2);
    expect_replies(r, "reply-3", port, b4_a2, std::nullopt, b4_a2);  // the refused address got nothing back
    expect_replies(r, "reply-4", port, b4_a, std::nullopt, b4_a);
}

void check_softwire_limit_2(const Result& r) {
    const auto* out = r.one_uplink("a-out");
    const auto* second = r.one_uplink("a2-out");
    const auto* again = r.one_uplink("a-again");
    REQUIRE(out && second && again);
    const std::uint16_t pa = source_port(*out->ip4()), pa2 = source_port(*second->ip4());
    EXPECT_NE(pa, pa2) << "two softwires, two bindings of the same inner address and port";
    EXPECT_EQ(source_port(*again->ip4()), pa);
    expect_replies(r, "reply-1", pa, b4_a, std::nullopt, b4_a2);
    for (const char* round : {"reply-2", "reply-3", "reply-4"}) expect_replies(r, round, pa, b4_a, pa2, b4_a2);
}

// ICMP errors translated both ways, binding intact [rows 48, 64, 65].
void check_icmp_errors(const Result& r) {
    const auto* reply = r.one_b4("reply-after-error");
    REQUIRE(reply);
    expect_softwire_to(*reply, b4_a);
    expect_addresses(*reply, server1, 53, host, 5000);

    ASSERT_EQ(r.b4.size(), 2u) << r.dump();
    const OutPacket& in = r.b4[0];
    expect_softwire_to(in, b4_a);
    const Ipv4Info* e = in.ip4();
    ASSERT_TRUE(e) << in.text();
    EXPECT_EQ(to_string(e->source), to_string(server1)) << in.text();
    EXPECT_EQ(to_string(e->destination), to_string(host)) << in.text();
    EXPECT_EQ(e->l4.icmp_type, w::icmp::destination_unreachable) << in.text();
    EXPECT_EQ(e->l4.icmp_code, 3) << in.text();
    ASSERT_EQ(e->quoted.size(), 1u) << in.text();
    EXPECT_EQ(to_string(e->quoted[0].source), to_string(host)) << "embedded source restored: " << in.text();
    EXPECT_EQ(e->quoted[0].l4.source_port, 5000) << in.text();
    EXPECT_EQ(to_string(e->quoted[0].destination), to_string(server1)) << in.text();

    ASSERT_EQ(r.uplink.size(), 2u) << r.dump();
    const OutPacket& out = r.uplink[1];
    const Ipv4Info* o = out.ip4();
    ASSERT_TRUE(o) << out.text();
    EXPECT_EQ(to_string(o->source), to_string(pool)) << out.text();
    EXPECT_EQ(to_string(o->destination), to_string(server1)) << out.text();
    EXPECT_EQ(o->l4.icmp_type, w::icmp::destination_unreachable) << out.text();
    ASSERT_EQ(o->quoted.size(), 1u) << out.text();
    EXPECT_EQ(to_string(o->quoted[0].destination), to_string(pool)) << "embedded destination public: " << out.text();
    EXPECT_EQ(o->quoted[0].l4.destination_port, 40000) << out.text();
}

// Freed ports are held 120 s [row 88].
void check_port_reuse(const Result& r) {
    std::vector<std::uint16_t> ports;
    for (int i = 0; i < 8; ++i) {
        const auto* p = r.one_uplink("r" + std::to_string(i));
        REQUIRE(p);
        ports.push_back(source_port(*p->ip4()));
    }
    for (std::size_t i = 1; i < ports.size(); ++i)
        EXPECT_NE(ports[i], ports[i - 1]) << "binding " << i << " reused the port freed 10 s earlier\n" << r.dump();
}

// TTL decrement and Time Exceeded [rows 7, 28].
void check_ttl(const Result& r) {
    const auto* up = r.one_uplink("ttl2");
    REQUIRE(up);
    EXPECT_EQ(up->ip4()->ttl, 1) << up->text();
    r.none_uplink("ttl1");
    r.none_uplink("ttl0");
    const auto* down = r.one_b4("down-ttl2");
    REQUIRE(down);
    expect_softwire_to(*down, b4_a);
    EXPECT_EQ(down->ip4()->ttl, 1) << down->text();
    r.none_b4("down-ttl1");

    std::vector<const OutPacket*> errors;
    for (const auto& p : r.b4)
        if (p.ip4() && p.ip4()->protocol == w::proto_icmp) errors.push_back(&p);
    ASSERT_EQ(errors.size(), 2u) << r.dump();
    expect_aftr_error(*errors[0], b4_a, w::icmp::time_exceeded, 0, 5001, server1, 53);
    expect_aftr_error(*errors[1], b4_a, w::icmp::time_exceeded, 0, 5002, server1, 53);

    std::vector<const OutPacket*> uplink_errors;
    for (const auto& p : r.uplink)
        if (p.ip4() && p.ip4()->protocol == w::proto_icmp) uplink_errors.push_back(&p);
    ASSERT_EQ(uplink_errors.size(), 1u) << r.dump();
    const Ipv4Info& e = *uplink_errors[0]->ip4();
    EXPECT_EQ(e.l4.icmp_type, w::icmp::time_exceeded) << uplink_errors[0]->text();
    EXPECT_EQ(to_string(e.destination), to_string(server1)) << uplink_errors[0]->text();
    EXPECT_FALSE(parse_ipv4_prefix("192.0.0.0/29")->contains(e.source))
        << "192.0.0.0/29 must not appear on the IPv4 side (RFC 6333 5.7): " << uplink_errors[0]->text();
    ASSERT_EQ(e.quoted.size(), 1u);
    EXPECT_EQ(to_string(e.quoted[0].source), to_string(server1));
    EXPECT_EQ(to_string(e.quoted[0].destination), to_string(pool));
    EXPECT_EQ(e.quoted[0].l4.destination_port, 40000);
}

void check_malformed(const Result& r) {
    EXPECT_TRUE(r.b4.empty()) << r.dump();
    ASSERT_EQ(r.uplink.size(), 1u) << r.dump();
    const auto* good = r.one_uplink("good-after-junk");
    REQUIRE(good);
    expect_addresses(*good, pool, 40000, server1, 53);
}

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

// The AFTR answers pings [row 23].
void check_aftr_echo(const Result& r) {
    EXPECT_TRUE(r.uplink.empty()) << r.dump();
    ASSERT_EQ(r.b4.size(), 3u) << r.dump();
    for (const char* tag : {"ping-192.0.0.1", "ping-192.0.0.1-ttl1"}) {
        SCOPED_TRACE(tag);
        const auto* p = r.one_b4(tag);
        REQUIRE(p);
        expect_softwire_to(*p, b4_a);
        const Ipv4Info* ip = p->ip4();
        ASSERT_TRUE(ip);
        EXPECT_EQ(to_string(ip->source), to_string(aftr_v4)) << p->text();
        EXPECT_EQ(to_string(ip->destination), to_string(host)) << p->text();
        EXPECT_EQ(ip->l4.icmp_type, w::icmp::echo_reply) << p->text();
        EXPECT_EQ(ip->l4.icmp_code, 0) << p->text();
        EXPECT_EQ(ip->l4.icmp_identifier, 0x4242) << p->text();
        EXPECT_EQ(ip->l4.icmp_sequence, std::string_view(tag).ends_with("ttl1") ? 2 : 1) << p->text();
        EXPECT_GT(ip->ttl, 1) << p->text();
    }
    const auto* v6 = r.one_b4("ping6-aftr");
    REQUIRE(v6);
    expect_softwire_to(*v6, b4_a);
    ASSERT_TRUE(v6->d.ipv6->icmpv6) << v6->text();
    EXPECT_EQ(v6->d.ipv6->icmpv6->icmp_type, w::icmp::v6_echo_reply) << v6->text();
    EXPECT_EQ(v6->d.ipv6->icmpv6->icmp_identifier, 0x4343) << v6->text();
    EXPECT_EQ(v6->d.ipv6->icmpv6->icmp_sequence, 2) << v6->text();
    r.none_b4("ping6-bad-checksum");
}

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

void check_b4_prefix(const Result& r) {
    r.one_uplink("from-a");
    r.none_uplink("from-b");
}

// ---- MTU, fragments and ICMP (issue 4) ----

// The tag of a scenario payload: the whole payload, or what precedes the '|'
// of a tagged_payload.
bool has_tag(const std::string& payload, std::string_view tag) {
    return payload == tag || (payload.size() > tag.size() && payload.starts_with(tag) && payload[tag.size()] == '|');
}

// One datagram the AFTR sent, as the receiver sees it after putting its
// fragments back together (a packet sent whole is a datagram of one piece).
struct Datagram {
    std::vector<const OutPacket*> pieces;
    std::vector<std::size_t> piece_sizes;  // bytes on the wire, each
    Decoded whole;

    const Ipv4Info* ip4() const { return whole.ip4(); }
    std::string payload_text() const { return ip4() ? ip4()->l4.payload_text() : std::string(); }
    std::string text() const {
        std::string s = describe(whole) + " (" + std::to_string(pieces.size()) + " pieces:";
        for (auto n : piece_sizes) s += " " + std::to_string(n);
        return s + ")";
    }
};

// Groups one side's packets by datagram (IPv6 fragments by destination and
// identification, IPv4 fragments by source, destination, protocol and
// identification), joins each group independently of the engine, and
// decodes the result, which checks every checksum of the whole datagram.
std::vector<Datagram> datagrams(const std::vector<OutPacket>& side) {
    std::vector<std::string> keys;
    std::vector<std::vector<const OutPacket*>> groups;
    for (const auto& p : side) {
        std::string key = "whole " + std::to_string(keys.size());
        if (p.d.ipv6 && p.d.ipv6->fragment) {
            key = "6 " + to_string(p.d.ipv6->destination) + " " + std::to_string(p.d.ipv6->fragment->identification);
        } else if (p.d.ipv4 && (p.d.ipv4->flags_fragment & (w::ipv4::offset_mask | w::ipv4::flag_mf))) {
            const Ipv4Info& ip = *p.d.ipv4;
            key = "4 " + to_string(ip.source) + " " + to_string(ip.destination) + " " + std::to_string(ip.protocol) +
                  " " + std::to_string(ip.identification);
        }
        auto it = std::find(keys.begin(), keys.end(), key);
        if (it == keys.end()) {
            keys.push_back(key);
            groups.push_back({&p});
        } else {
            groups[static_cast<std::size_t>(it - keys.begin())].push_back(&p);
        }
    }
    std::vector<Datagram> out;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        Datagram d;
        d.pieces = groups[g];
        std::vector<Bytes> raw;
        for (const auto* p : d.pieces) {
            raw.push_back(p->d.ipv6 ? p->d.ipv6->bytes : p->d.ipv4->bytes);
            d.piece_sizes.push_back(raw.back().size());
        }
        if (keys[g].starts_with("whole")) {
            d.whole = d.pieces.front()->d;
        } else {
            std::string problem;
            auto joined =
                keys[g].starts_with("6") ? join_ipv6_fragments(raw, problem) : join_ipv4_fragments(raw, problem);
            if (!joined) {
                std::string texts;
                for (const auto* p : d.pieces) texts += "\n    " + p->text();
                ADD_FAILURE() << "fragments do not join: " << problem << texts;
                continue;
            }
            d.whole = decode(*joined);
        }
        EXPECT_TRUE(d.whole.problems.empty()) << d.text();
        out.push_back(std::move(d));
    }
    return out;
}

const Datagram* one_datagram(const std::vector<Datagram>& all, std::string_view tag, const char* side) {
    const Datagram* found = nullptr;
    int count = 0;
    std::string texts;
    for (const auto& d : all) {
        texts += "\n    " + d.text();
        if (has_tag(d.payload_text(), tag)) {
            found = &d;
            ++count;
        }
    }
    if (count == 1) return found;
    ADD_FAILURE() << "expected one datagram tagged '" << tag << "' towards the " << side << ", found " << count
                  << texts;
    return nullptr;
}

void no_datagram(const std::vector<Datagram>& all, std::string_view tag, const char* side) {
    for (const auto& d : all)
        EXPECT_FALSE(has_tag(d.payload_text(), tag))
            << "nothing tagged '" << tag << "' may reach the " << side << ": " << d.text();
}

// Every piece fits the MTU, and the whole payload is the one the sender sent.
void expect_intact(const Datagram& d, std::size_t mtu, std::string_view tag, std::size_t total_length) {
    for (auto n : d.piece_sizes) EXPECT_LE(n, mtu) << "larger than the MTU: " << d.text();
    const Ipv4Info* ip = d.ip4();
    ASSERT_TRUE(ip) << d.text();
    EXPECT_EQ(ip->total_length, total_length) << d.text();
    EXPECT_EQ(ip->flags_fragment & (w::ipv4::offset_mask | w::ipv4::flag_mf), 0) << "inner must be whole: " << d.text();
    const std::size_t l4_header = ip->protocol == w::proto_udp ? w::udp::header_size : w::icmp::header_size;
    EXPECT_TRUE(ip->l4.payload == tagged_payload(tag, total_length - ip->header_length - l4_header))
        << "payload changed: " << d.text();
}

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

// [RFC 5508 REQ-10]
void check_icmp_rate_limit(const Result& r) {
    r.one_uplink("normal");
    ASSERT_EQ(r.uplink.size(), 1u) << "no Time Exceeded to the Internet over the rate\n" << r.dump();
    ASSERT_EQ(r.b4.size(), 3u) << r.dump();
    expect_aftr_error(r.b4[0], b4_a, w::icmp::time_exceeded, 0, 6000, server1, 53);
    expect_aftr_error(r.b4[1], b4_a, w::icmp::time_exceeded, 0, 6001, server1, 53);
    expect_aftr_error(r.b4[2], b4_a, w::icmp::time_exceeded, 0, 6005, server1, 53);
    EXPECT_GE(r.b4[2].micros, at(1.0)) << "the third error only in the next second";
}

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

// ---- icmp_errors_bindings (rows 48, 60, 63-67) ----
// Each input there has its own timestamp and whatever it makes is written
// at that time, so the checks pair every input with its outputs and decode
// both; the public ports are the engine's choice, learned from the uplink.

struct Input {
    std::int64_t micros = 0;
    Decoded d;
};

std::vector<Input> inputs_between(const Result& r, double from, double to) {
    std::vector<Input> found;
    for (const auto& rec : r.input.records)
        if (rec.micros >= at(from) && rec.micros < at(to)) found.push_back({rec.micros, decode(rec.data)});
    return found;
}

std::vector<const OutPacket*> outputs_at(const std::vector<OutPacket>& side, std::int64_t micros) {
    std::vector<const OutPacket*> found;
    for (const auto& p : side)
        if (p.micros == micros) found.push_back(&p);
    return found;
}

std::string seconds_text(std::int64_t micros) { return std::to_string(double(micros - kEpochMicros) / 1e6) + " s"; }

struct Binding {
    Ipv6Address b4;
    std::uint8_t protocol = 0;
    Ipv4Address private_address;
    std::uint16_t private_port = 0, public_port = 0;  // echo: identifiers
};

// The bindings B4 packets in [from, to) made: each one's private endpoint
// and the public port its translation left with.
std::vector<Binding> bindings_made(const Result& r, double from, double to) {
    std::vector<Binding> made;
    for (const auto& in : inputs_between(r, from, to)) {
        const auto up = outputs_at(r.uplink, in.micros);
        if (!in.d.ipv6 || !in.d.ipv6->inner || up.size() != 1 || !up[0]->ip4()) {
            ADD_FAILURE() << "no uplink packet for the B4 packet at " << seconds_text(in.micros) << "\n" << r.dump();
            continue;
        }
        const Ipv4Info& inner = *in.d.ipv6->inner;
        made.push_back(
            {in.d.ipv6->source, inner.protocol, inner.source, source_port(inner), source_port(*up[0]->ip4())});
    }
    return made;
}

const Binding* by_public(const std::vector<Binding>& all, std::uint8_t protocol, std::uint16_t port) {
    for (const auto& b : all)
        if (b.protocol == protocol && b.public_port == port) return &b;
    return nullptr;
}

const Binding* by_private(const std::vector<Binding>& all, const Ipv6Address& b4, std::uint8_t protocol,
                          Ipv4Address address, std::uint16_t port) {
    for (const auto& b : all)
        if (b.b4 == b4 && b.protocol == protocol && b.private_address == address && b.private_port == port) return &b;
    return nullptr;
}

// What a translated error must look like; for an echo quote `quote_sport`
// is the identifier it must carry.
struct ExpectedError {
    Ipv4Address outer_source, outer_destination;
    Ipv4Address quote_source, quote_destination;
    std::uint16_t quote_sport = 0, quote_dport = 0;
};

// RFC 5508 REQ-3..5: the outer addresses and the quote's endpoints
// translated, everything else (type, code, rest of header, quoted header
// fields and options, quoted bytes) as the sender sent it, one TTL less on
// the outer header, and every checksum right, the quoted transport one too
// when the whole packet is quoted.
void expect_translated_error(const Ipv4Info& in, const OutPacket& p, const ExpectedError& e) {
    const Ipv4Info* out = p.ip4();
    ASSERT_TRUE(out) << p.text();
    EXPECT_TRUE(p.d.problems.empty()) << "outer and quoted IPv4 header checksums, ICMP checksum: " << p.text();
    EXPECT_EQ(to_string(out->source), to_string(e.outer_source)) << p.text();
    EXPECT_EQ(to_string(out->destination), to_string(e.outer_destination)) << p.text();
    EXPECT_EQ(out->ttl + 1, in.ttl) << p.text();
    ASSERT_EQ(out->protocol, w::proto_icmp) << p.text();
    EXPECT_EQ(out->l4.icmp_type, in.l4.icmp_type) << p.text();
    EXPECT_EQ(out->l4.icmp_code, in.l4.icmp_code) << p.text();
    EXPECT_EQ(out->l4.icmp_identifier, in.l4.icmp_identifier) << "rest of header (pointer): " << p.text();
    EXPECT_EQ(out->l4.icmp_sequence, in.l4.icmp_sequence) << p.text();
    EXPECT_EQ(out->total_length, in.total_length) << "the quote keeps its length: " << p.text();
    ASSERT_EQ(in.quoted.size(), 1u);
    ASSERT_EQ(out->quoted.size(), 1u) << p.text();
    const Ipv4Info &qi = in.quoted[0], &q = out->quoted[0];
    EXPECT_EQ(to_string(q.source), to_string(e.quote_source)) << p.text();
    EXPECT_EQ(to_string(q.destination), to_string(e.quote_destination)) << p.text();
    EXPECT_TRUE(q.header_checksum_ok) << "quoted header checksum: " << p.text();
    EXPECT_EQ(q.protocol, qi.protocol) << p.text();
    EXPECT_EQ(q.header_length, qi.header_length) << p.text();
    EXPECT_EQ(q.total_length, qi.total_length) << p.text();
    EXPECT_EQ(q.captured, qi.captured) << p.text();
    EXPECT_EQ(q.ttl, qi.ttl) << p.text();
    EXPECT_EQ(q.tos, qi.tos) << p.text();
    EXPECT_EQ(q.identification, qi.identification) << p.text();
    EXPECT_EQ(q.flags_fragment, qi.flags_fragment) << p.text();
    ASSERT_GE(q.bytes.size(), q.header_length) << p.text();
    EXPECT_TRUE(std::equal(q.bytes.begin() + 20, q.bytes.begin() + q.header_length, qi.bytes.begin() + 20))
        << "quoted IP options: " << p.text();
    if (q.protocol == w::proto_icmp) {
        EXPECT_EQ(q.l4.icmp_identifier, e.quote_sport) << p.text();
        EXPECT_EQ(q.l4.icmp_type, qi.l4.icmp_type) << p.text();
        EXPECT_EQ(q.l4.icmp_sequence, qi.l4.icmp_sequence) << p.text();
    } else {
        EXPECT_EQ(q.l4.source_port, e.quote_sport) << p.text();
        EXPECT_EQ(q.l4.destination_port, e.quote_dport) << p.text();
        EXPECT_EQ(q.l4.seq, qi.l4.seq) << p.text();
    }
    EXPECT_EQ(q.l4.checksum_checked, qi.l4.checksum_checked) << p.text();
    if (qi.l4.checksum_checked) {
        EXPECT_TRUE(qi.l4.checksum_ok) << "the scenario quotes packets with right checksums";
        EXPECT_TRUE(q.l4.checksum_ok) << "whole quote: its transport checksum must still be right: " << p.text();
        EXPECT_TRUE(q.l4.payload == qi.l4.payload) << p.text();
    }
}

// Every error in [from, to) that a binding in `bindings` carried is
// translated and goes where RFC 5508 says: an Internet router's or host's
// error to the B4 of the binding it quotes [REQ-4, row 64]; a host's error
// to the Internet from its public address [REQ-5, row 65], or hairpinned to
// the B4 behind the quoted public port [REQ-7, row 67]. Returns the B4s
// reached, per input.
std::vector<Ipv6Address> check_errors_between(const Result& r, const std::vector<Binding>& bindings, double from,
                                              double to, std::size_t count) {
    std::vector<Ipv6Address> reached;
    const auto inputs = inputs_between(r, from, to);
    EXPECT_EQ(inputs.size(), count) << "errors between " << from << " and " << to << " s";
    // (A void lambda per input, so that ASSERT_* ends only that input's check.)
    const auto check_one = [&](const Input& in) {
        SCOPED_TRACE("error sent at " + seconds_text(in.micros));
        const Ipv4Info* error = in.d.ip4();
        ASSERT_TRUE(error && error->protocol == w::proto_icmp && error->quoted.size() == 1) << describe(in.d);
        const Ipv4Info& q = error->quoted[0];
        const auto to_b4 = outputs_at(r.b4, in.micros);
        const auto to_uplink = outputs_at(r.uplink, in.micros);
        const Binding* target = nullptr;  // the binding whose B4 gets it
        ExpectedError e;
        if (in.d.ipv4) {
            // From the Internet: the quote is what a binding sent.
            target = by_public(bindings, q.protocol, source_port(q));
            ASSERT_TRUE(target) << "the scenario quotes a binding's packet: " << describe(in.d);
            e = {error->source, target->private_address, target->private_address,
                 q.destination, target->private_port,    destination_port(q)};
        } else {
            // From a host: the quote is what the AFTR delivered to it.
            const Binding* own =
                by_private(bindings, in.d.ipv6->source, q.protocol, q.destination, destination_port(q));
            ASSERT_TRUE(own) << "the scenario quotes what a binding delivered: " << describe(in.d);
            const bool hairpin = error->destination == pool;
            if (hairpin) {
                target = by_public(bindings, q.protocol, source_port(q));
                ASSERT_TRUE(target) << describe(in.d);
                e = {pool, target->private_address, target->private_address,
                     pool, target->private_port,    own->public_port};
            } else {
                e = {pool,
                     error->destination,
                     q.source,
                     pool,
                     q.protocol == w::proto_icmp ? own->public_port : q.l4.source_port,
                     own->public_port};
            }
        }
        if (target) {
            ASSERT_EQ(to_b4.size(), 1u) << r.dump();
            EXPECT_TRUE(to_uplink.empty()) << to_uplink[0]->text();
            expect_softwire_to(*to_b4[0], target->b4);
            expect_translated_error(*error, *to_b4[0], e);
            reached.push_back(target->b4);
        } else {
            ASSERT_EQ(to_uplink.size(), 1u) << r.dump();
            EXPECT_TRUE(to_b4.empty()) << to_b4[0]->text();
            expect_translated_error(*error, *to_uplink[0], e);
        }
    };
    for (const auto& in : inputs) check_one(in);
    return reached;
}

// Inbound packets in [from, to) reach the B4 of the binding on their port.
void check_delivered_between(const Result& r, const std::vector<Binding>& bindings, double from, double to) {
    for (const auto& in : inputs_between(r, from, to)) {
        SCOPED_TRACE("sent at " + seconds_text(in.micros));
        const Ipv4Info* ip = in.d.ip4();
        ASSERT_TRUE(ip);
        const Binding* target = by_public(bindings, ip->protocol, destination_port(*ip));
        ASSERT_TRUE(target) << describe(in.d);
        const auto to_b4 = outputs_at(r.b4, in.micros);
        ASSERT_EQ(to_b4.size(), 1u) << r.dump();
        expect_softwire_to(*to_b4[0], target->b4);
        const Ipv4Info* out = to_b4[0]->ip4();
        ASSERT_TRUE(out);
        EXPECT_EQ(to_string(out->destination), to_string(target->private_address)) << to_b4[0]->text();
        EXPECT_EQ(destination_port(*out), target->private_port) << to_b4[0]->text();
        EXPECT_EQ(out->l4.payload, ip->l4.payload) << to_b4[0]->text();
    }
}

// Nothing at all comes out of the inputs in [from, to).
void check_dropped_between(const Result& r, double from, double to, std::size_t count) {
    const auto inputs = inputs_between(r, from, to);
    EXPECT_EQ(inputs.size(), count) << "inputs between " << from << " and " << to << " s";
    for (const auto& in : inputs) {
        for (const auto* side : {&r.b4, &r.uplink})
            for (const auto* p : outputs_at(*side, in.micros))
                ADD_FAILURE() << "the input at " << seconds_text(in.micros) << " (" << describe(in.d)
                              << ") must be dropped, but made " << p->text();
    }
}

void check_icmp_errors_bindings(const Result& r) {
    using namespace icmp_bindings;
    // Two B4s, the same private tuples: each protocol's two public ports.
    const auto bindings = bindings_made(r, kBindings, kBindings + 1);
    ASSERT_EQ(bindings.size(), 6u) << r.dump();
    for (std::uint8_t proto : {w::proto_udp, w::proto_tcp, w::proto_icmp}) {
        const Binding* a = by_private(bindings, b4_a, proto, host, proto == w::proto_icmp ? kEchoId : kPrivatePort);
        const Binding* b = by_private(bindings, b4_b, proto, host, proto == w::proto_icmp ? kEchoId : kPrivatePort);
        ASSERT_TRUE(a && b) << r.dump();
        EXPECT_NE(a->public_port, b->public_port);
    }

    {
        SCOPED_TRACE("router errors: 3/1, 11/0, 12/0 x TCP, UDP, echo x 8 bytes, whole x both public ports");
        const auto reached = check_errors_between(r, bindings, kRouterErrors, kRouterErrors + 1, 36);
        EXPECT_EQ(std::count(reached.begin(), reached.end(), b4_a), 18) << "half for each B4";
        std::set<std::tuple<int, int, int, bool>> kinds;  // type, code, protocol, whole quote
        for (const auto& in : inputs_between(r, kRouterErrors, kRouterErrors + 1)) {
            const Ipv4Info& e = *in.d.ipv4;
            kinds.insert({e.l4.icmp_type, e.l4.icmp_code, e.quoted[0].protocol, e.quoted[0].l4.checksum_checked});
        }
        EXPECT_EQ(kinds.size(), 18u) << "every kind of error about every binding, cut and whole";
    }
    {
        SCOPED_TRACE("errors do not delete: every binding still answers");
        check_delivered_between(r, bindings, kReplies, kReplies + 1);
    }
    {
        SCOPED_TRACE("host errors: 3/3 about UDP, 3/1 about TCP and echo, from both B4s");
        check_errors_between(r, bindings, kHostErrors, kHostErrors + 1, 6);
    }
    {
        SCOPED_TRACE("hairpin: B's host to both public UDP ports, A's host answers with 3/3");
        const Binding* b_udp = by_private(bindings, b4_b, w::proto_udp, host, kPrivatePort);
        ASSERT_TRUE(b_udp);
        for (const auto& in : inputs_between(r, kHairpin, kHairpin + 1)) {
            const auto to_b4 = outputs_at(r.b4, in.micros);
            ASSERT_EQ(to_b4.size(), 1u) << r.dump();
            EXPECT_EQ(source_port(*to_b4[0]->ip4()), b_udp->public_port) << to_b4[0]->text();
        }
        const auto reached = check_errors_between(r, bindings, kHairpinErrors, kHairpinErrors + 1, 2);
        EXPECT_EQ(std::count(reached.begin(), reached.end(), b4_b), 1)
            << "the error about B's packet goes back to B (the other quotes A's own port)";
    }
    {
        SCOPED_TRACE("errors from inside do not delete either");
        check_delivered_between(r, bindings, kLateReplies, kLateReplies + 1);
    }
    {
        SCOPED_TRACE("quoted header with IP options, both ways");
        check_errors_between(r, bindings, kOptions, kOptions + 1, 3);
        for (const auto& in : inputs_between(r, kOptions, kOptions + 1))
            EXPECT_GT(in.d.ip4()->quoted[0].header_length, 20) << describe(in.d);
    }
    {
        SCOPED_TRACE("quoting an ICMP error, bad checksum, no binding: dropped (counted in the table)");
        check_dropped_between(r, kDrops, kDrops + 1, 6);
    }
    {
        SCOPED_TRACE("errors about expired UDP bindings");
        check_dropped_between(r, kExpired, kExpired + 1, 4);
    }

    // Errors never refresh [rows 48, 60, 66]: after the answers at
    // kNoRefresh + 0.1 s only errors concern these bindings, and they are
    // gone 300 s later.
    SCOPED_TRACE("errors do not refresh");
    const auto later = bindings_made(r, kNoRefresh, kNoRefresh + 0.1);
    ASSERT_EQ(later.size(), 2u) << r.dump();
    EXPECT_NE(later[0].public_port, later[1].public_port);
    check_delivered_between(r, later, kNoRefresh + 0.1, kNoRefresh + 1);
    for (double e : kNoRefreshErrors) {
        const auto reached = check_errors_between(r, later, kNoRefresh + e, kNoRefresh + e + 1, 4);
        EXPECT_EQ(reached.size(), 2u) << "two router errors to B4 A, two host errors to the Internet";
    }
    check_dropped_between(r, kNoRefresh + kExpiredReply, kNoRefresh + kExpiredReply + 1, 2);
    check_dropped_between(r, kNoRefresh + kExpiredReply + 1, kNoRefresh + kExpiredReply + 2, 4);
}

using C = Counter;

const std::vector<std::pair<Counter, std::uint64_t>> kTwoB4Counters = {
    {C::in_b4_packets, 6},  {C::in_uplink_packets, 6}, {C::out_uplink_packets, 6},
    {C::out_b4_packets, 6}, {C::bindings_created, 6},  {C::subscribers_created, 2}};

}  // namespace

const std::vector<Expectation>& expectations() {
    // One row per scenario, laid out by hand: the table reads best that way.
    // clang-format off
    static const std::vector<Expectation> table = {
        {"two_b4_same_tuple", kTwoB4Counters, check_two_b4},
        {"ethernet", kTwoB4Counters, check_two_b4},
        {"hairpin",
         {{C::in_b4_packets, 8}, {C::out_uplink_packets, 4}, {C::out_hairpin_packets, 4}, {C::bindings_created, 4},
          {C::subscribers_created, 2}},
         check_hairpin},
        {"mapping",
         {{C::in_b4_packets, 26}, {C::out_uplink_packets, 26}, {C::bindings_created, 22}, {C::subscribers_created, 2}},
         check_mapping},
        {"filtering_eif",
         {{C::in_b4_packets, 1}, {C::in_uplink_packets, 3}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 3},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         [](const Result& r) { check_filtering(r, false); }},
        {"filtering_adf",
         {{C::in_b4_packets, 1}, {C::in_uplink_packets, 3}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 2},
          {C::drop_uplink_filtered, 1}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         [](const Result& r) { check_filtering(r, true); }},
        {"udp_timeout",
         {{C::in_b4_packets, 4}, {C::in_uplink_packets, 6}, {C::out_uplink_packets, 4}, {C::out_b4_packets, 2},
          {C::drop_uplink_no_binding, 4}, {C::bindings_created, 3}, {C::bindings_expired, 2},
          {C::subscribers_created, 3}, {C::subscribers_removed, 2}},
         check_udp_timeout},
        {"icmp_timeout",
         {{C::in_b4_packets, 4}, {C::in_uplink_packets, 6}, {C::out_uplink_packets, 4}, {C::out_b4_packets, 2},
          {C::drop_uplink_no_binding, 4}, {C::bindings_created, 3}, {C::bindings_expired, 2},
          {C::subscribers_created, 3}, {C::subscribers_removed, 2}},
         check_icmp_timeout},
        {"tcp_timeouts",
         {{C::in_b4_packets, 13}, {C::in_uplink_packets, 19}, {C::out_uplink_packets, 11}, {C::out_b4_packets, 7},
          {C::drop_tcp_not_syn, 2}, {C::drop_uplink_no_binding, 12}, {C::bindings_created, 4},
          {C::bindings_expired, 4}, {C::subscribers_created, 4}, {C::subscribers_removed, 4}},
         check_tcp_timeouts},
        {"tcp_simultaneous_open",
         {{C::in_b4_packets, 2}, {C::in_uplink_packets, 6}, {C::out_uplink_packets, 2}, {C::out_b4_packets, 3},
          {C::drop_uplink_no_binding, 3}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_simultaneous_open},
        {"quota",
         {{C::in_b4_packets, 8}, {C::out_uplink_packets, 6}, {C::drop_quota_exhausted, 2},
          {C::sent_icmp_unreachable, 2}, {C::bindings_created, 5}, {C::subscribers_created, 2},
          {C::softwires_moved, 1}},
         check_quota},
        {"softwire_move",
         {{C::in_b4_packets, 4}, {C::in_uplink_packets, 8}, {C::out_uplink_packets, 3}, {C::out_b4_packets, 4},
          {C::drop_b4_softwire_limit, 1}, {C::drop_uplink_no_binding, 4}, {C::bindings_created, 1},
          {C::subscribers_created, 1}, {C::softwires_moved, 2}},
         check_softwire_move},
        {"softwire_limit_2",
         {{C::in_b4_packets, 4}, {C::in_uplink_packets, 8}, {C::out_uplink_packets, 4}, {C::out_b4_packets, 7},
          {C::drop_uplink_no_binding, 1}, {C::bindings_created, 2}, {C::subscribers_created, 1}},
         check_softwire_limit_2},
        {"quota_prefix_64",
         {{C::in_b4_packets, 8}, {C::out_uplink_packets, 7}, {C::drop_quota_exhausted, 1},
          {C::sent_icmp_unreachable, 1}, {C::bindings_created, 6}, {C::subscribers_created, 3}},
         check_quota_prefix_64},
        {"icmp_errors",
         {{C::in_b4_packets, 2}, {C::in_uplink_packets, 2}, {C::out_uplink_packets, 2}, {C::out_b4_packets, 2},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_icmp_errors},
        // Created: 6 + 2. Dropped: 2 quoting errors, 2 bad checksums; no
        // binding: 2 at kDrops, 4 about the expired UDP bindings, 4 after
        // the no-refresh bindings expired, and the 2 answers then. Expired:
        // 2 echo, 2 UDP, the 2 later UDP (TCP lives on, so do both subscribers).
        {"icmp_errors_bindings",
         {{C::in_b4_packets, 32}, {C::in_uplink_packets, 67}, {C::out_uplink_packets, 21}, {C::out_b4_packets, 58},
          {C::out_hairpin_packets, 4}, {C::drop_b4_icmp_bad_checksum, 1}, {C::drop_uplink_icmp_bad_checksum, 1},
          {C::drop_b4_icmp_quote, 1}, {C::drop_uplink_icmp_quote, 1}, {C::drop_b4_icmp_no_binding, 5},
          {C::drop_uplink_icmp_no_binding, 5}, {C::drop_uplink_no_binding, 2}, {C::bindings_created, 8},
          {C::bindings_expired, 6}, {C::subscribers_created, 2}},
         check_icmp_errors_bindings},
        {"port_reuse",
         {{C::in_b4_packets, 8}, {C::out_uplink_packets, 8}, {C::bindings_created, 8}, {C::bindings_expired, 7},
          {C::subscribers_created, 8}, {C::subscribers_removed, 7}},
         check_port_reuse},
        {"ttl",
         {{C::in_b4_packets, 3}, {C::in_uplink_packets, 2}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 1},
          {C::drop_inner_ttl_expired, 2}, {C::drop_uplink_ttl_expired, 1}, {C::sent_icmp_time_exceeded, 3},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_ttl},
        {"malformed",
         {{C::in_b4_packets, 12}, {C::in_uplink_packets, 4}, {C::out_uplink_packets, 1},
          {C::drop_inner_bad_checksum, 1}, {C::drop_b4_truncated, 2}, {C::drop_inner_truncated, 1},
          {C::drop_b4_l4_truncated, 2}, {C::drop_inner_bad_version, 1}, {C::drop_inner_bad_header_length, 1},
          {C::drop_b4_wrong_destination, 1}, {C::drop_b4_icmp_bad_checksum, 1}, {C::held_fragments, 1},
          {C::drop_uplink_truncated, 1}, {C::drop_uplink_bad_checksum, 1}, {C::drop_uplink_not_pool, 1},
          {C::drop_uplink_no_binding, 1}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_malformed},
        {"tunnel_encapsulation_limit",
         {{C::in_b4_packets, 2}, {C::in_uplink_packets, 1}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 1},
          {C::drop_b4_ext_header, 1}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_tel},
        {"dscp",
         {{C::in_b4_packets, 2}, {C::in_uplink_packets, 2}, {C::out_uplink_packets, 2}, {C::out_b4_packets, 2},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_dscp},
        {"udp_checksum",
         {{C::in_b4_packets, 3}, {C::in_uplink_packets, 2}, {C::out_uplink_packets, 3}, {C::out_b4_packets, 2},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_udp_checksum},
        {"aftr_echo", {{C::in_b4_packets, 4}, {C::out_aftr_echo_replies, 3}, {C::drop_icmpv6, 1}}, check_aftr_echo},
        {"inner_source",
         {{C::in_b4_packets, 7}, {C::out_uplink_packets, 4}, {C::drop_inner_bad_source, 3}, {C::bindings_created, 4},
          {C::subscribers_created, 1}},
         [](const Result& r) { check_inner_source(r, false); }},
        {"inner_source_extra",
         {{C::in_b4_packets, 7}, {C::out_uplink_packets, 5}, {C::drop_inner_bad_source, 2}, {C::bindings_created, 5},
          {C::subscribers_created, 1}},
         [](const Result& r) { check_inner_source(r, true); }},
        {"b4_prefix",
         {{C::in_b4_packets, 2}, {C::out_uplink_packets, 1}, {C::drop_b4_not_allowed, 1}, {C::bindings_created, 1},
          {C::subscribers_created, 1}},
         check_b4_prefix},
        // 3 + 3 + 2 (lost) + 2 (overlap) + the lost one late + 1 whole; held: 2 + 2 + 2 + 1 + 1.
        {"fragments_softwire",
         {{C::in_b4_packets, 12}, {C::out_uplink_packets, 3}, {C::held_fragments, 8}, {C::drop_fragment_overlap, 1},
          {C::fragment_datagrams_expired, 1}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_fragments_softwire},
        // 6 + 2 fragments up, 2 x 6 down, one per datagram completing it; sent: 5 up, 2 x 5 down.
        {"fragments_inner",
         {{C::in_b4_packets, 8}, {C::in_uplink_packets, 12}, {C::out_uplink_packets, 2}, {C::out_b4_packets, 2},
          {C::held_fragments, 16}, {C::sent_fragments, 15}, {C::bindings_created, 2}, {C::subscribers_created, 2}},
         check_fragments_inner},
        {"tunnel_mtu_df",
         {{C::in_b4_packets, 1}, {C::in_uplink_packets, 4}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 2},
          {C::drop_uplink_too_big_df, 2}, {C::sent_icmp_too_big, 2}, {C::sent_fragments, 1}, {C::bindings_created, 1},
          {C::subscribers_created, 1}},
         [](const Result& r) { check_tunnel_mtu(r, 1500); }},
        {"tunnel_mtu_df_1400",
         {{C::in_b4_packets, 1}, {C::in_uplink_packets, 4}, {C::out_uplink_packets, 1}, {C::out_b4_packets, 1},
          {C::drop_uplink_too_big_df, 3}, {C::sent_icmp_too_big, 3}, {C::sent_fragments, 1}, {C::bindings_created, 1},
          {C::subscribers_created, 1}},
         [](const Result& r) { check_tunnel_mtu(r, 1400); }},
        {"uplink_mtu_df",
         {{C::in_b4_packets, 3}, {C::out_uplink_packets, 2}, {C::drop_b4_too_big_df, 1}, {C::sent_icmp_too_big, 1},
          {C::sent_fragments, 1}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_uplink_mtu_df},
        {"packet_too_big",
         {{C::in_b4_packets, 5}, {C::in_uplink_packets, 5}, {C::out_uplink_packets, 2}, {C::out_b4_packets, 4},
          {C::out_icmpv6_errors, 3}, {C::tunnel_mtu_lowered, 2}, {C::drop_uplink_too_big_df, 1}, {C::sent_icmp_too_big, 2},
          {C::sent_icmp_unreachable, 1}, {C::sent_fragments, 2}, {C::bindings_created, 2}, {C::subscribers_created, 2}},
         check_packet_too_big},
        {"icmp_rate_limit",
         {{C::in_b4_packets, 7}, {C::in_uplink_packets, 1}, {C::out_uplink_packets, 1}, {C::drop_inner_ttl_expired, 6},
          {C::drop_uplink_ttl_expired, 1}, {C::sent_icmp_time_exceeded, 3}, {C::icmp_errors_rate_limited, 4},
          {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_icmp_rate_limit},
        {"mss_clamp",
         {{C::in_b4_packets, 4}, {C::in_uplink_packets, 1}, {C::out_uplink_packets, 4}, {C::out_b4_packets, 1},
          {C::mss_clamped, 2}, {C::bindings_created, 1}, {C::subscribers_created, 1}},
         check_mss_clamp},
    };
    // clang-format on
    return table;
}

}  // namespace dslite::test
