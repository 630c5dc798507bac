#include "scenario_kit.hpp"

namespace dslite::test {
namespace {

// ---- two_b4_same_tuple, ethernet ----

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

const std::vector<std::pair<Counter, std::uint64_t>> kTwoB4Counters = {
    {C::in_b4_packets, 6},  {C::in_uplink_packets, 6}, {C::out_uplink_packets, 6},
    {C::out_b4_packets, 6}, {C::bindings_created, 6},  {C::subscribers_created, 2}};

// Two B4s whose hosts use the same private address and port at the same
// time, for UDP, TCP and ICMP echo; the Internet answers on both public ports.
Capture two_b4_same_tuple_input() {
    Script s;
    s.from_b4(0.000, b4_a, udp(host, 10000, server1, 53, "a-udp"));
    s.from_b4(0.001, b4_b, udp(host, 10000, server1, 53, "b-udp"));
    s.from_b4(0.002, b4_a, tcp(host, 10000, server1, 80, SYN, "a-tcp"));
    s.from_b4(0.003, b4_b, tcp(host, 10000, server1, 80, SYN, "b-tcp"));
    s.from_b4(0.004, b4_a, echo(host, server1, 0x0777, 1, "a-icmp"));
    s.from_b4(0.005, b4_b, echo(host, server1, 0x0777, 1, "b-icmp"));
    spray_udp(s, 1.0, server1, 53, "udp");
    spray_tcp(s, 1.1, SYN | ACK, "tcp");
    spray_echo_reply(s, 1.2, "icmp");
    return s.capture();
}

Scenario two_b4_same_tuple() {
    return {"two_b4_same_tuple", "two B4s, same private 5-tuple: distinct public ports, replies to the right B4",
            two_port_flags(),    two_b4_same_tuple_input(),
            kTwoB4Counters,      check_two_b4};
}

Scenario ethernet() {
    Capture c = two_b4_same_tuple_input();
    c.dlt = dlt_ethernet;
    for (auto& r : c.records) r.data = ethernet_frame(r.data);
    // An ARP request on the same link: not IP, so the replay skips it.
    Bytes arp = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
                 0x02, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
    arp.resize(60, 0);
    c.records.insert(c.records.begin() + 1, {c.records.front().micros, arp});
    return {"ethernet",       "two_b4_same_tuple framed in Ethernet (small frames padded, one ARP frame): same outputs",
            two_port_flags(), c,
            kTwoB4Counters,   check_two_b4};
}

// ---- hairpin ----

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

// B4 B and B4 A each get a mapping, then A's host sends to both public
// ports from its mapped source: one reaches B, the other comes back to A.
Scenario hairpin() {
    Script s;
    s.from_b4(0.0, b4_b, udp(host, 6000, server1, 53, "b-udp-out"));
    s.from_b4(0.1, b4_a, udp(host, 5000, server1, 53, "a-udp-out"));
    s.from_b4(0.2, b4_b, tcp(host, 6000, server1, 80, SYN, "b-tcp-out"));
    s.from_b4(0.3, b4_a, tcp(host, 5000, server1, 80, SYN, "a-tcp-out"));
    for (auto port : kTwoPorts) s.from_b4(1.0 + port % 2 * 0.1, b4_a, udp(host, 5000, pool, port, to("a-udp", port)));
    for (auto port : kTwoPorts)
        s.from_b4(2.0 + port % 2 * 0.1, b4_a, tcp(host, 5000, pool, port, SYN, to("a-tcp", port)));
    return {"hairpin",
            "B4 host to another B4's public mapping arrives from the sender's public address+port",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 8},
             {C::out_uplink_packets, 4},
             {C::out_hairpin_packets, 4},
             {C::bindings_created, 4},
             {C::subscribers_created, 2}},
            check_hairpin};
}

// ---- mapping ----

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

// One B4 with several hosts and protocols, one more B4; a pool of 8
// addresses and a 100-port range.
Scenario mapping() {
    Script s;
    s.from_b4(0.0, b4_a, udp(host, 5000, server1, 53, "eim-s1"));
    s.from_b4(0.1, b4_a, udp(host, 5000, server2, 53, "eim-s2"));
    s.from_b4(0.2, b4_a, udp(host, 5000, server1, 5353, "eim-s1-port"));
    s.from_b4(0.3, b4_a, tcp(host, 5000, server1, 80, SYN, "eim-tcp-s1"));
    s.from_b4(0.4, b4_a, tcp(host, 5000, server2, 80, SYN, "eim-tcp-s2"));
    s.from_b4(0.5, b4_a, echo(host, server1, 9, 1, "eim-icmp-s1"));
    s.from_b4(0.6, b4_a, echo(host, server2, 9, 2, "eim-icmp-s2"));
    s.from_b4(0.7, b4_a, udp(host2, 5000, server1, 53, "host2-udp"));
    for (int i = 0; i < 16; ++i) {
        s.from_b4(1.0 + i * 0.01, b4_a,
                  udp(host, static_cast<std::uint16_t>(6000 + i), server1, 53, "many-" + std::to_string(i)));
    }
    s.from_b4(2.0, b4_b, udp(host, 5000, server1, 53, "b-udp"));
    s.from_b4(2.1, b4_b, tcp(host, 5000, server1, 80, SYN, "b-tcp"));
    return {
        "mapping",
        "endpoint-independent mapping, paired pooling, ports random within the range",
        base_flags({"--pool", "198.51.100.8/29", "--port-range", "20000-20099"}),
        s.capture(),
        {{C::in_b4_packets, 26}, {C::out_uplink_packets, 26}, {C::bindings_created, 22}, {C::subscribers_created, 2}},
        check_mapping};
}

// ---- filtering_eif, filtering_adf ----

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

// One mapping, then the Internet answers from the same server and port,
// the same server on another port, and another server.
Capture filtering_input() {
    Script s;
    s.from_b4(0.0, b4_a, udp(host, 5000, server1, 53, "out"));
    s.uplink(1.0, udp(server1, 53, pool, 40000, "from-s1-53"));
    s.uplink(2.0, udp(server1, 54, pool, 40000, "from-s1-54"));
    s.uplink(3.0, udp(server2, 53, pool, 40000, "from-s2-53"));
    return s.capture();
}

Scenario filtering_eif() {
    return {"filtering_eif",
            "endpoint-independent filtering (default): all three answers pass",
            one_port_flags(),
            filtering_input(),
            {{C::in_b4_packets, 1},
             {C::in_uplink_packets, 3},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 3},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_filtering(r, false); }};
}

Scenario filtering_adf() {
    return {"filtering_adf",
            "address-dependent filtering: the other server is refused",
            one_port_flags({"--filtering", "address-dependent"}),
            filtering_input(),
            {{C::in_b4_packets, 1},
             {C::in_uplink_packets, 3},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 2},
             {C::drop_uplink_filtered, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            [](const Result& r) { check_filtering(r, true); }};
}

// ---- quota, quota_prefix_64 ----

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

// --quota-udp 2 for subscriber 2001:db8:a::/56: B4 a, then a2, its new
// address in the same /56, which takes the softwire over (RFC 7785 4) and
// gets no quota of its own (row 26).
Scenario quota() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "q1"));
    s.from_b4(1, b4_a, udp(host, 5001, server1, 53, "q2"));
    s.from_b4(2, b4_a, udp(host, 5002, server1, 53, "q3-over"));
    s.from_b4(3, b4_a, udp(host, 5000, server1, 53, "q1-again"));
    s.from_b4(4, b4_a, tcp(host, 5003, server1, 80, SYN, "a-tcp"));
    s.from_b4(5, b4_a2, udp(host, 5004, server1, 53, "a2-over"));
    s.from_b4(6, b4_a2, tcp(host2, 7000, server1, 80, SYN, "a2-tcp"));
    s.from_b4(7, b4_b, udp(host, 5002, server1, 53, "b-udp"));
    return {"quota",
            "per-subscriber (/56) UDP quota 2: drop, ICMP 3/1 from 192.0.0.1, no eviction",
            base_flags({"--pool", "198.51.100.8/29", "--quota-udp", "2"}),
            s.capture(),
            {{C::in_b4_packets, 8},
             {C::out_uplink_packets, 6},
             {C::drop_quota_exhausted, 2},
             {C::sent_icmp_unreachable, 2},
             {C::bindings_created, 5},
             {C::subscribers_created, 2},
             {C::softwires_moved, 1}},
            check_quota};
}

// The quota input with --subscriber-prefix-length 64: B4s a and a2 are now
// two subscribers, each with its own quota.
Scenario quota_prefix_64() {
    Scenario s = quota();
    s.name = "quota_prefix_64";
    s.summary = "--subscriber-prefix-length 64 makes B4s in one /56 separate subscribers";
    s.flags.insert(s.flags.end(), {"--subscriber-prefix-length", "64"});
    s.counters = {{C::in_b4_packets, 8},         {C::out_uplink_packets, 7}, {C::drop_quota_exhausted, 1},
                  {C::sent_icmp_unreachable, 1}, {C::bindings_created, 6},   {C::subscribers_created, 3}};
    s.check = check_quota_prefix_64;
    return s;
}

// ---- softwire_move, softwire_limit_2 ----

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

// B4 a's address changes to a2 in the same /56 and back (RFC 7785 4): the
// input of softwire_move and softwire_limit_2. Replies to both public
// ports after each change show where the binding's packets go.
Capture softwire_move_input() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "a-out"));
    spray_udp(s, 1, server1, 53, "reply-1");
    s.from_b4(2, b4_a2, udp(host, 5000, server1, 53, "a2-out"));
    spray_udp(s, 3, server1, 53, "reply-2");
    s.from_b4(4, b4_a, udp(host, 5000, server1, 53, "a-again"));
    spray_udp(s, 5, server1, 53, "reply-3");
    s.from_b4(70, b4_a, udp(host, 5000, server1, 53, "a-back"));
    spray_udp(s, 71, server1, 53, "reply-4");
    return s.capture();
}

Scenario softwire_move() {
    return {"softwire_move",
            "one softwire per subscriber: a new B4 address takes it over with its binding, the old one is refused "
            "for the move hold (60 s), then moves it back",
            two_port_flags({"--softwire-move-hold", "60"}),
            softwire_move_input(),
            {{C::in_b4_packets, 4},
             {C::in_uplink_packets, 8},
             {C::out_uplink_packets, 3},
             {C::out_b4_packets, 4},
             {C::drop_b4_softwire_limit, 1},
             {C::drop_uplink_no_binding, 4},
             {C::bindings_created, 1},
             {C::subscribers_created, 1},
             {C::softwires_moved, 2}},
            check_softwire_move};
}

Scenario softwire_limit_2() {
    return {"softwire_limit_2",
            "--softwires-per-subscriber 2: the two B4 addresses keep a binding each",
            two_port_flags({"--softwires-per-subscriber", "2"}),
            softwire_move_input(),
            {{C::in_b4_packets, 4},
             {C::in_uplink_packets, 8},
             {C::out_uplink_packets, 4},
             {C::out_b4_packets, 7},
             {C::drop_uplink_no_binding, 1},
             {C::bindings_created, 2},
             {C::subscribers_created, 1}},
            check_softwire_limit_2};
}

// ---- port_reuse ----

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

// Freed ports wait 120 s (RFC 6888 REQ-8). Two ports, --udp-timeout 120:
// each binding expires before the next one is made 130 s after it, when
// its port is still held, so every binding must take the other port.
// Without the hold each choice would be a coin toss; eight in a row are not.
Scenario port_reuse() {
    Script s;
    for (int i = 0; i < 8; ++i)
        s.from_b4(130.0 * i, b4_a,
                  udp(host, static_cast<std::uint16_t>(5000 + i), server1, 53, "r" + std::to_string(i)));
    return {"port_reuse",
            "a freed port is not reused for 120 s",
            two_port_flags({"--udp-timeout", "120"}),
            s.capture(),
            {{C::in_b4_packets, 8},
             {C::out_uplink_packets, 8},
             {C::bindings_created, 8},
             {C::bindings_expired, 7},
             {C::subscribers_created, 8},
             {C::subscribers_removed, 7}},
            check_port_reuse};
}

const Registration registered{two_b4_same_tuple, ethernet,         hairpin,   mapping,
                              filtering_eif,     filtering_adf,    quota,     quota_prefix_64,
                              softwire_move,     softwire_limit_2, port_reuse};

}  // namespace
}  // namespace dslite::test
