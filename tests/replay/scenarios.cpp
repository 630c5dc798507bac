// SPDX-License-Identifier: BSD-2-Clause
// Every replay scenario, one function each: it builds the input, names
// the replay flags, the counters the run must end with and the check of its
// decoded output; the checks a group of scenarios shares sit just above it.
// A new scenario is a new function here, listed in `registered` below, and a
// run of scripts/gen-captures. What they are written with: scenario_kit.hpp.
#include "scenario_kit.hpp"

namespace dslite::test {
namespace {

// The phases of icmp_errors_bindings, shared with its checks: each kind of
// input is sent in its own time window, one packet per millisecond, and the
// checks find what each input made by the output's timestamp.
namespace icmp_bindings {
inline constexpr double kBindings = 0;                         // B4 A then B: UDP, TCP SYN, echo, same private tuple
inline constexpr double kRouterErrors = 1;                     // Internet router errors about what the AFTR sent
inline constexpr double kReplies = 2;                          // the Internet answers every public port
inline constexpr double kHostErrors = 3;                       // the hosts' errors about those answers
inline constexpr double kHairpin = 4;                          // B's host sends to both public UDP ports
inline constexpr double kHairpinErrors = 5;                    // A's host answers with 3/3
inline constexpr double kLateReplies = 6;                      // after all those errors
inline constexpr double kOptions = 7;                          // errors quoting a header with IP options
inline constexpr double kDrops = 8;                            // errors that must be dropped
inline constexpr double kExpired = 500;                        // errors about the UDP bindings, gone since ~307 s
inline constexpr double kNoRefresh = 1000;                     // B4 A's UDP bindings, an answer each, then only errors:
inline constexpr double kNoRefreshErrors[] = {100, 200, 290};  // seconds after kNoRefresh
inline constexpr double kExpiredReply = 302;                   // after kNoRefresh: past the 300 s UDP timeout
inline constexpr std::uint16_t kPrivatePort = 10000;           // TCP/UDP port behind both B4s
inline constexpr std::uint16_t kEchoId = 0x0777;               // echo identifier behind both B4s
}  // namespace icmp_bindings

// ==== nat ===================================================================

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

// ---- port_blocks ----

// --port-block-size 64 on one address (issue 11): A's 70 UDP flows and a TCP
// one take two whole blocks of consecutive ports, B's flows with the same
// private tuples a block of their own, never one of A's.
std::string block_tag(char b4, int i) { return std::string(1, b4) + "-" + std::to_string(i); }

void check_port_blocks(const Result& r) {
    const auto block_of = [](const auto& d) { return (source_port(*d.ip4()) - 1024) / 64; };
    std::set<int> a_blocks, b_blocks;
    for (int i = 0; i < 70; ++i) {
        const auto* out = r.one_uplink(block_tag('a', i));
        REQUIRE(out);
        a_blocks.insert(block_of(*out));
    }
    const auto* syn = r.one_uplink("a-tcp");
    REQUIRE(syn);
    EXPECT_EQ(a_blocks.count(block_of(*syn)), 1u) << "a block holds its ports for every protocol";
    EXPECT_EQ(a_blocks.size(), 2u) << "a new block only when the last is full";
    for (int i = 0; i < 10; ++i) {
        const auto* out = r.one_uplink(block_tag('b', i));
        REQUIRE(out);
        EXPECT_EQ(a_blocks.count(block_of(*out)), 0u) << "B's ports are never in A's blocks";
        b_blocks.insert(block_of(*out));
    }
    EXPECT_EQ(b_blocks.size(), 1u);
    EXPECT_TRUE(r.b4.empty()) << r.dump();
}

Scenario port_blocks() {
    Script s;
    for (int i = 0; i < 70; ++i)
        s.from_b4(0, b4_a, udp(host, static_cast<std::uint16_t>(5000 + i), server1, 53, block_tag('a', i)));
    s.from_b4(1, b4_a, tcp(host, 6000, server1, 80, SYN, "a-tcp"));
    for (int i = 0; i < 10; ++i)
        s.from_b4(2, b4_b, udp(host, static_cast<std::uint16_t>(5000 + i), server1, 53, block_tag('b', i)));
    return {"port_blocks",
            "--port-block-size 64: each subscriber's ports in whole blocks of its own, every protocol",
            base_flags({"--pool", "198.51.100.1/32", "--port-block-size", "64", "--quota-udp", "128", "--quota-tcp",
                        "128", "--quota-icmp", "64"}),
            s.capture(),
            {{C::in_b4_packets, 81},
             {C::out_uplink_packets, 81},
             {C::bindings_created, 81},
             {C::subscribers_created, 2},
             {C::port_blocks_allocated, 3}},
            check_port_blocks};
}

// ---- static_mapping ----

// --static-mapping (issue 12): a camera behind B4 A is reached on
// 198.51.100.1:40001/udp and :40002/tcp before it ever sent, a day of
// silence does not close them, its own traffic leaves from those ports, and
// the dynamic bindings of B4 B never get them (the range has four ports).
const Ipv4Address kCamera = v4("192.168.1.20");

void check_static_mapping(const Result& r) {
    for (const char* tag : {"in-udp", "in-udp-day-later"}) {
        const auto* in = r.one_b4(tag);
        REQUIRE(in);
        expect_softwire_to(*in, b4_a);
        expect_addresses(*in, server1, 5555, kCamera, 8080);
    }
    const auto* syn = r.one_b4("in-tcp");
    REQUIRE(syn);
    expect_softwire_to(*syn, b4_a);
    expect_addresses(*syn, server1, 6000, kCamera, 80);
    const auto* out = r.one_uplink("out-udp");
    REQUIRE(out);
    expect_addresses(*out, v4("198.51.100.1"), 40001, server1, 53);
    std::set<std::uint16_t> dynamic;
    for (int i = 0; i < 3; ++i) {
        const auto* b = r.one_uplink("b-" + std::to_string(i));
        REQUIRE(b);
        dynamic.insert(source_port(*b->ip4()));
    }
    EXPECT_EQ(dynamic, (std::set<std::uint16_t>{40000, 40002, 40003})) << "40001/udp is the mapping's";
    r.none_uplink("b-3");
    r.none_b4("in-nothing");
}

Scenario static_mapping() {
    Script s;
    s.uplink(0, udp(server1, 5555, v4("198.51.100.1"), 40001, "in-udp"));
    s.uplink(0.1, tcp(server1, 6000, v4("198.51.100.1"), 40002, SYN, "in-tcp"));
    s.uplink(0.2, udp(server1, 5555, v4("198.51.100.1"), 40003, "in-nothing"));
    s.from_b4(1, b4_a, udp(kCamera, 8080, server1, 53, "out-udp"));
    for (int i = 0; i < 4; ++i)
        s.from_b4(2, b4_b, udp(host, static_cast<std::uint16_t>(5000 + i), server1, 53, "b-" + std::to_string(i)));
    s.uplink(86400, udp(server1, 5555, v4("198.51.100.1"), 40001, "in-udp-day-later"));
    return {"static_mapping",
            "--static-mapping: reached before it sent, never expires, its port never handed out",
            base_flags({"--pool", "198.51.100.1/32", "--port-range", "40000-40003", "--static-mapping",
                        "udp 2001:db8:a::2 192.168.1.20:8080 198.51.100.1:40001", "--static-mapping",
                        "tcp 2001:db8:a::2 192.168.1.20:80 198.51.100.1:40002"}),
            s.capture(),
            {{C::in_b4_packets, 5},
             {C::in_uplink_packets, 4},
             {C::out_uplink_packets, 4},
             {C::out_b4_packets, 3},
             {C::drop_uplink_no_binding, 1},
             {C::drop_pool_exhausted, 1},
             {C::sent_icmp_unreachable, 1},
             {C::bindings_created, 5},
             {C::bindings_expired, 3},
             {C::subscribers_created, 2},
             {C::subscribers_removed, 1}},
            check_static_mapping};
}

// ---- no_nat ----

// --no-nat (issue 12): B4 B's 192.0.2.0/28 is routed both ways untranslated;
// the same source from B4 A is dropped; B4 B's private host still goes
// through NAT.
const Ipv4Address kOffice = v4("192.0.2.5");

void check_no_nat(const Result& r) {
    const auto* out = r.one_uplink("office-out");
    REQUIRE(out);
    expect_addresses(*out, kOffice, 5000, server1, 53);
    EXPECT_EQ(out->ip4()->ttl, 63);
    const auto* in = r.one_b4("office-in");
    REQUIRE(in);
    expect_softwire_to(*in, b4_b);
    expect_addresses(*in, server1, 53, kOffice, 5000);
    EXPECT_EQ(in->ip4()->ttl, 63);
    r.none_uplink("spoofed");
    const auto* nat = r.one_uplink("private");
    REQUIRE(nat);
    EXPECT_EQ(to_string(nat->ip4()->source), "198.51.100.1") << "the private host is translated";
}

Scenario no_nat() {
    Script s;
    s.from_b4(0, b4_b, udp(kOffice, 5000, server1, 53, "office-out"));
    s.uplink(0.1, udp(server1, 53, kOffice, 5000, "office-in"));
    s.from_b4(0.2, b4_a, udp(kOffice, 5000, server1, 53, "spoofed"));
    s.from_b4(0.3, b4_b, udp(host, 5000, server1, 53, "private"));
    return {"no_nat",
            "--no-nat: a B4's public prefix routed both ways untranslated, from that B4 only",
            base_flags({"--pool", "198.51.100.1/32", "--no-nat", "2001:db8:b::2 192.0.2.0/28"}),
            s.capture(),
            {{C::in_b4_packets, 3},
             {C::in_uplink_packets, 1},
             {C::out_uplink_no_nat_packets, 1},
             {C::out_b4_no_nat_packets, 1},
             {C::out_uplink_packets, 1},
             {C::drop_inner_bad_source, 1},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_no_nat};
}

// ---- nat_pmp ----

// NAT-PMP (issue 12): host behind B4 A asks 192.0.0.1:5351 for the public
// address, maps TCP 8080 on the wanted 40001 and UDP 9000 on any port; a PCP
// MAP cut to its header, an unknown opcode and a request cut short get PCP's
// MALFORMED_REQUEST, "unsupported opcode" and nothing; a SYN from the Internet to
// 40001 reaches the host, and after the deletion no more.
void check_nat_pmp(const Result& r) {
    std::vector<Bytes> answers;
    for (const OutPacket& p : r.b4) {
        const Ipv4Info* ip = p.ip4();
        if (ip && ip->source == aftr_v4 && ip->protocol == w::proto_udp) {
            expect_softwire_to(p, b4_a);
            EXPECT_EQ(ip->l4.source_port, 5351) << p.text();
            EXPECT_EQ(ip->l4.destination_port, 5350) << p.text();
            answers.push_back(ip->l4.payload);
        }
    }
    ASSERT_EQ(answers.size(), 6u) << r.dump();
    // (opcode, result) of each, then what each says; the fourth is PCP's.
    const std::uint8_t expected[][2] = {{128, 0}, {130, 0}, {129, 0}, {129, 3}, {137, 5}, {130, 0}};
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_GE(answers[i].size(), 8u);
        const bool pcp = i == 3;
        EXPECT_EQ(answers[i][0], pcp ? 2 : 0) << i;
        EXPECT_EQ(answers[i][1], expected[i][0]) << i;
        EXPECT_EQ(pcp ? answers[i][3] : w::load16(answers[i].data() + 2), expected[i][1]) << i;
    }
    EXPECT_EQ(to_string(Ipv4Address{w::load32(answers[0].data() + 8)}), "198.51.100.1");
    EXPECT_EQ(w::load16(answers[1].data() + 10), 40001) << "the wanted port";
    EXPECT_EQ(w::load32(answers[1].data() + 12), 3600u);
    EXPECT_NE(w::load16(answers[2].data() + 10), 0) << "UDP 9000 mapped";
    EXPECT_EQ(answers[3].size(), 24u) << "PCP's MALFORMED_REQUEST: a MAP too short";
    EXPECT_EQ(w::load32(answers[5].data() + 12), 0u) << "deleted";
    const auto* in = r.one_b4("in-syn");
    REQUIRE(in);
    expect_softwire_to(*in, b4_a);
    expect_addresses(*in, server1, 6000, host, 8080);
    r.none_b4("after-delete");
}

Scenario nat_pmp() {
    Script s;
    const auto request = [&](double t, Bytes payload) {
        s.from_b4(t, b4_a,
                  ipv4_udp({.source = host, .destination = aftr_v4},
                           {.source_port = 5350, .destination_port = 5351, .payload = std::move(payload)}));
    };
    Bytes pcp(24, 0);
    pcp[0] = 2;
    pcp[1] = 1;
    request(0, {0, 0});
    request(1, nat_pmp_map_request(2, 8080, 40001, 3600));
    request(2, nat_pmp_map_request(1, 9000, 0, 600));
    request(3, pcp);
    request(4, {0, 9});
    request(5, {0, 1, 0});
    s.uplink(6, tcp(server1, 6000, v4("198.51.100.1"), 40001, SYN, "in-syn"));
    request(7, nat_pmp_map_request(2, 8080, 0, 0));
    s.uplink(8, tcp(server1, 6001, v4("198.51.100.1"), 40001, SYN, "after-delete"));
    return {"nat_pmp",
            "NAT-PMP at 192.0.0.1:5351: address, mappings, every result code, inbound to a mapping, deletion",
            base_flags({"--pool", "198.51.100.1/32", "--port-range", "40000-40003"}),
            s.capture(),
            {{C::in_b4_packets, 7},
             {C::in_uplink_packets, 2},
             {C::out_port_control_answers, 6},
             {C::drop_port_control_malformed, 1},
             {C::out_b4_packets, 1},
             {C::drop_uplink_no_binding, 1},
             {C::bindings_created, 2},
             {C::subscribers_created, 1}},
            check_nat_pmp};
}

// ---- pcp ----

// PCP (RFC 6887, issue 12), host A behind B4 A: ANNOUNCE; a MAP of TCP 8080
// on the suggested 40001 with a FILTER for server 1, which lets server 1's
// SYN in and keeps server 2's out; a PEER of UDP 5000 to server 1, whose
// reply comes back on the same port; the errors a client meets (another
// client address, THIRD_PARTY not allowed, an unknown opcode, version 1);
// the MAP deleted. The MAP made B4 A's subscriber, which --pcp-announce
// greets with an unsolicited ANNOUNCE to 224.0.0.1:5350. tests/replay/
// pcp_tshark.sh has tshark's PCP dissector read the same answers.
namespace pcp {
// (opcode, result) of each answer, in order.
constexpr std::uint8_t kAnswers[][2] = {{0x80, 0}, {0x81, 0}, {0x82, 0}, {0x81, 12},
                                        {0x81, 5}, {0x89, 4}, {0x81, 1}, {0x81, 0}};
}  // namespace pcp

void check_pcp(const Result& r) {
    std::vector<Bytes> answers;
    const OutPacket* announce = nullptr;
    for (const OutPacket& p : r.b4) {
        const Ipv4Info* ip = p.ip4();
        if (!ip || ip->source != aftr_v4 || ip->protocol != w::proto_udp) continue;
        expect_softwire_to(p, b4_a);
        EXPECT_EQ(ip->l4.source_port, 5351) << p.text();
        if (ip->destination == v4("224.0.0.1")) {
            EXPECT_EQ(announce, nullptr) << "one ANNOUNCE";
            announce = &p;
            continue;
        }
        EXPECT_EQ(ip->destination, host) << p.text();
        answers.push_back(ip->l4.payload);
    }
    REQUIRE(announce);
    EXPECT_EQ(announce->ip4()->l4.destination_port, 5350);
    EXPECT_EQ(announce->ip4()->l4.payload.size(), 24u);
    EXPECT_EQ(announce->ip4()->l4.payload[1], 0x80);
    ASSERT_EQ(answers.size(), std::size(pcp::kAnswers)) << r.dump();
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ASSERT_GE(answers[i].size(), 24u) << i;
        EXPECT_EQ(answers[i][0], 2) << i;
        EXPECT_EQ(answers[i][1], pcp::kAnswers[i][0]) << i;
        EXPECT_EQ(answers[i][3], pcp::kAnswers[i][1]) << i;
    }
    EXPECT_EQ(w::load16(answers[1].data() + 24 + 18), 40001) << "the suggested port";
    EXPECT_EQ(w::load32(answers[1].data() + 24 + 32), v4("198.51.100.1").value);
    EXPECT_EQ(answers[1].size(), 84u) << "the FILTER processed is in the answer";
    const auto* in = r.one_b4("in-syn");
    REQUIRE(in);
    expect_softwire_to(*in, b4_a);
    expect_addresses(*in, server1, 6000, host, 8080);
    r.none_b4("filtered-syn");
    const auto* out = r.one_uplink("peer-out");
    REQUIRE(out);
    EXPECT_EQ(out->ip4()->l4.source_port, w::load16(answers[2].data() + 24 + 18)) << "PEER's port";
    const auto* after = r.one_b4("after-delete");
    REQUIRE(after);
    expect_addresses(*after, server2, 6001, host, 8080);
}

Scenario pcp_scenario() {
    Script s;
    const auto request = [&](double t, PcpMessage m) {
        if (m.client.value == 0) m.client = host;
        s.from_b4(t, b4_a,
                  ipv4_udp({.source = host, .destination = aftr_v4},
                           {.source_port = 5350, .destination_port = 5351, .payload = pcp_request(m)}));
    };
    PcpMessage map{.lifetime = 3600, .protocol = 6, .internal_port = 8080, .suggested_port = 40001};
    map.options = pcp_filter(32, 0, server1);
    request(0, {.opcode = 0, .lifetime = 0});
    request(1, map);
    request(2, {.opcode = 2, .protocol = 17, .internal_port = 5000, .remote_port = 53, .remote = server1});
    request(3, {.client = host2, .protocol = 6, .internal_port = 8081});
    request(4, {.protocol = 6, .internal_port = 8082, .options = pcp_third_party(host2)});
    request(5, {.opcode = 9});
    request(6, {.version = 1, .protocol = 6, .internal_port = 8083});
    s.uplink(7, tcp(server1, 6000, v4("198.51.100.1"), 40001, SYN, "in-syn"));
    s.uplink(7.5, tcp(server2, 6000, v4("198.51.100.1"), 40001, SYN, "filtered-syn"));
    s.from_b4(8, b4_a, udp(host, 5000, server1, 53, "peer-out"));
    PcpMessage remove = map;
    remove.lifetime = 0;
    remove.suggested_port = 0;
    remove.options.clear();
    request(9, remove);
    // The binding stays for its TCP timeout (RFC 6887 15), endpoint-
    // independent again: server 2 is filtered no more.
    s.uplink(10, tcp(server2, 6001, v4("198.51.100.1"), 40001, SYN, "after-delete"));
    return {"pcp",
            "PCP at 192.0.0.1:5351: ANNOUNCE, MAP with FILTER, PEER, the errors, deletion; an ANNOUNCE after start",
            base_flags({"--pool", "198.51.100.1/32", "--port-range", "40000-40003", "--pcp-announce", "600"}),
            s.capture(),
            {{C::in_b4_packets, 9},
             {C::in_uplink_packets, 3},
             {C::out_port_control_answers, 8},
             {C::sent_pcp_announces, 1},
             {C::out_b4_packets, 2},
             {C::out_uplink_packets, 1},
             {C::drop_uplink_pcp_filtered, 1},
             {C::bindings_created, 2},
             {C::subscribers_created, 1}},
            check_pcp};
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

// ==== timeouts ==============================================================

// ---- udp_timeout, icmp_timeout, tcp_timeouts, tcp_simultaneous_open ----

std::uint16_t other_port(std::uint16_t p) { return p == 40000 ? 40001 : 40000; }

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

// Default UDP timeout (300 s): an answer 299 s after the last outbound
// passes, 302 s after is dropped; an outbound packet restarts the 300 s.
Scenario udp_timeout() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "p1-out"));
    spray_udp(s, 299, server1, 53, "p1-299");
    s.from_b4(1000, b4_a, udp(host, 5001, server1, 53, "p2-out"));
    spray_udp(s, 1302, server1, 53, "p2-302");
    s.from_b4(2000, b4_a, udp(host, 5002, server1, 53, "p3-out"));
    s.from_b4(2200, b4_a, udp(host, 5002, server1, 53, "p3-refresh"));
    spray_udp(s, 2499, server1, 53, "p3-299");
    return {"udp_timeout",
            "UDP binding lives 300 s after the last outbound packet",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 4},
             {C::in_uplink_packets, 6},
             {C::out_uplink_packets, 4},
             {C::out_b4_packets, 2},
             {C::drop_uplink_no_binding, 4},
             {C::bindings_created, 3},
             {C::bindings_expired, 2},
             {C::subscribers_created, 3},
             {C::subscribers_removed, 2}},
            check_udp_timeout};
}

// Default ICMP timeout (60 s), same shape as udp_timeout.
Scenario icmp_timeout() {
    Script s;
    s.from_b4(0, b4_a, echo(host, server1, 0x100, 1, "p1-out"));
    spray_echo_reply(s, 59, "p1-59");
    s.from_b4(500, b4_a, echo(host, server1, 0x101, 1, "p2-out"));
    spray_echo_reply(s, 561, "p2-61");
    s.from_b4(1000, b4_a, echo(host, server1, 0x102, 1, "p3-out"));
    s.from_b4(1040, b4_a, echo(host, server1, 0x102, 2, "p3-refresh"));
    spray_echo_reply(s, 1099, "p3-99");
    return {"icmp_timeout",
            "ICMP echo binding lives 60 s after the last outbound packet",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 4},
             {C::in_uplink_packets, 6},
             {C::out_uplink_packets, 4},
             {C::out_b4_packets, 2},
             {C::drop_uplink_no_binding, 4},
             {C::bindings_created, 3},
             {C::bindings_expired, 2},
             {C::subscribers_created, 3},
             {C::subscribers_removed, 2}},
            check_icmp_timeout};
}

// TCP: transitory (240 s) after FIN both ways and after RST, established
// (7440 s) after the handshake; only a SYN creates a binding.
Scenario tcp_timeouts() {
    Script s;
    s.from_b4(0.0, b4_a, tcp(host, 5000, server1, 80, SYN, "p1-syn", 1000));
    spray_tcp(s, 0.1, SYN | ACK, "p1-synack");
    s.from_b4(0.2, b4_a, tcp(host, 5000, server1, 80, ACK, "p1-ack", 1001, 5001));
    s.from_b4(10.0, b4_a, tcp(host, 5000, server1, 80, FIN | ACK, "p1-fin", 1001, 5001));
    spray_tcp(s, 10.1, FIN | ACK, "p1-finack");
    s.from_b4(10.2, b4_a, tcp(host, 5000, server1, 80, ACK, "p1-lastack", 1002, 5002));
    spray_tcp(s, 10.2 + 239, ACK, "p1-239");

    s.from_b4(1000.0, b4_a, tcp(host, 5001, server1, 80, SYN, "p2-syn", 1000));
    spray_tcp(s, 1000.1, SYN | ACK, "p2-synack");
    s.from_b4(1000.2, b4_a, tcp(host, 5001, server1, 80, ACK, "p2-ack", 1001, 5001));
    s.from_b4(1010.0, b4_a, tcp(host, 5001, server1, 80, RST, "p2-rst", 1001));
    spray_tcp(s, 1010 + 242, ACK, "p2-242");

    s.from_b4(2000.0, b4_a, tcp(host, 5002, server1, 80, SYN, "p3-syn", 1000));
    spray_tcp(s, 2000.1, SYN | ACK, "p3-synack");
    s.from_b4(2000.2, b4_a, tcp(host, 5002, server1, 80, ACK, "p3-ack", 1001, 5001));
    spray_tcp(s, 2000.2 + 7439, ACK, "p3-7439");

    s.from_b4(20000.0, b4_a, tcp(host, 5003, server1, 80, SYN, "p4-syn", 1000));
    spray_tcp(s, 20000.1, SYN | ACK, "p4-synack");
    s.from_b4(20000.2, b4_a, tcp(host, 5003, server1, 80, ACK, "p4-ack", 1001, 5001));
    spray_tcp(s, 20000.2 + 7442, ACK, "p4-7442");

    s.from_b4(30000.0, b4_a, tcp(host, 6000, server1, 80, ACK, "no-syn-ack", 1001, 5001));
    s.from_b4(30000.1, b4_a, tcp(host, 6001, server1, 80, FIN | ACK, "no-syn-fin", 1001, 5001));
    s.uplink(30000.2, tcp(server1, 80, pool, 40000, SYN, "inbound-syn"));
    return {"tcp_timeouts",
            "TCP transitory 240 s (FIN both ways, RST), established 7440 s, SYN-only creation",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 13},
             {C::in_uplink_packets, 19},
             {C::out_uplink_packets, 11},
             {C::out_b4_packets, 7},
             {C::drop_tcp_not_syn, 2},
             {C::drop_uplink_no_binding, 12},
             {C::bindings_created, 4},
             {C::bindings_expired, 4},
             {C::subscribers_created, 4},
             {C::subscribers_removed, 4}},
            check_tcp_timeouts};
}

// Crossing SYNs establish the binding: an answer 1000 s later (past the
// transitory timeout) still passes.
Scenario tcp_simultaneous_open() {
    Script s;
    s.from_b4(0.0, b4_a, tcp(host, 5000, server1, 80, SYN, "syn-out", 1000));
    spray_tcp(s, 0.1, SYN, "syn-in");
    s.from_b4(0.2, b4_a, tcp(host, 5000, server1, 80, SYN | ACK, "synack-out", 1000, 5001));
    spray_tcp(s, 0.3, SYN | ACK, "synack-in");
    spray_tcp(s, 1000.3, ACK, "data-1000");
    return {"tcp_simultaneous_open",
            "simultaneous open establishes (RFC 5382 REQ-2)",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 2},
             {C::in_uplink_packets, 6},
             {C::out_uplink_packets, 2},
             {C::out_b4_packets, 3},
             {C::drop_uplink_no_binding, 3},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_simultaneous_open};
}

// ==== icmp ==================================================================

// ---- icmp_errors ----

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

// ICMP errors about a binding's packets, both ways (RFC 5508 REQ-4, REQ-5):
// the embedded packet is translated back, the binding survives (REQ-12 of RFC 4787).
Scenario icmp_errors() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "out"));
    s.uplink(1,
             ipv4_icmp({.source = server1, .destination = pool}, {.type = w::icmp::destination_unreachable,
                                                                  .code = 3,
                                                                  .body = udp(pool, 40000, server1, 53, "out", 63)}));
    s.uplink(2, udp(server1, 53, pool, 40000, "reply-after-error"));
    s.from_b4(3, b4_a,
              ipv4_icmp({.source = host, .destination = server1},
                        {.type = w::icmp::destination_unreachable,
                         .code = 3,
                         .body = udp(server1, 53, host, 5000, "reply-after-error", 63)}));
    return {"icmp_errors",
            "ICMP errors about a binding are translated both ways and do not kill it",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 2},
             {C::in_uplink_packets, 2},
             {C::out_uplink_packets, 2},
             {C::out_b4_packets, 2},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_icmp_errors};
}

// ---- icmp_errors_bindings ----

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

namespace icmp_bindings_input {

using namespace icmp_bindings;

const Ipv4Address kRouter = v4("192.0.2.254");  // an Internet router on the path to server1
enum class Flow { udp, tcp, echo };
constexpr Flow kFlows[] = {Flow::udp, Flow::tcp, Flow::echo};

// The packet of `flow` between (a, port) and server1 as the AFTR or the host
// sent it: DF with a fixed IP ID, so the AFTR keeps the ID and a quote of the
// translated packet can be exactly what it sent.
Bytes flow_packet(Flow flow, Ipv4Address a, std::uint16_t port, std::uint8_t ttl, Bytes options = {}) {
    Ipv4Header h{.source = a, .destination = server1, .ttl = ttl, .dont_fragment = true, .options = std::move(options)};
    switch (flow) {
    case Flow::udp:
        h.identification = 0x1111;
        return ipv4_udp(h, {.source_port = port, .destination_port = 53, .payload = text_bytes("udp-out")});
    case Flow::tcp:
        h.identification = 0x2222;
        return ipv4_tcp(
            h,
            {.source_port = port, .destination_port = 80, .seq = 1000, .flags = SYN, .payload = text_bytes("tcp-syn")});
    case Flow::echo:
        h.identification = 0x3333;
        return ipv4_icmp(
            h, {.type = w::icmp::echo_request, .identifier = port, .sequence = 1, .body = text_bytes("echo-out")});
    }
    return {};
}

// server1's answer on `flow` to (a, port), as sent or (TTL 63) as delivered.
Bytes flow_reply(Flow flow, Ipv4Address a, std::uint16_t port, std::uint8_t ttl, Bytes options = {}) {
    Ipv4Header h{.source = server1,
                 .destination = a,
                 .ttl = ttl,
                 .identification = 0x5555,
                 .dont_fragment = true,
                 .options = std::move(options)};
    switch (flow) {
    case Flow::udp:
        return ipv4_udp(h, {.source_port = 53, .destination_port = port, .payload = text_bytes("udp-reply")});
    case Flow::tcp:
        return ipv4_tcp(h, {.source_port = 80,
                            .destination_port = port,
                            .seq = 5000,
                            .ack = 1001,
                            .flags = SYN | ACK,
                            .payload = text_bytes("tcp-synack")});
    case Flow::echo:
        return ipv4_icmp(
            h, {.type = w::icmp::echo_reply, .identifier = port, .sequence = 1, .body = text_bytes("echo-reply")});
    }
    return {};
}

std::uint16_t private_port(Flow flow) { return flow == Flow::echo ? kEchoId : kPrivatePort; }

// RFC 792: the IP header and the first 8 bytes of what follows.
Bytes first_bytes(const Bytes& ip) {
    return Bytes(ip.begin(), ip.begin() + static_cast<std::ptrdiff_t>(w::ipv4::header_length(ip.data()) + 8));
}

// An ICMPv4 error; `pointer` is Parameter Problem's (RFC 792).
Bytes icmp_error(Ipv4Address src, Ipv4Address dst, std::uint8_t type, std::uint8_t code, Bytes quote,
                 std::uint8_t pointer = 0) {
    return ipv4_icmp(
        {.source = src, .destination = dst},
        {.type = type, .code = code, .identifier = static_cast<std::uint16_t>(pointer << 8), .body = std::move(quote)});
}

// Record Route with one empty slot, then End of Option List.
const Bytes kRecordRoute = {7, 7, 4, 0, 0, 0, 0, 0};

}  // namespace icmp_bindings_input

// ICMPv4 errors about TCP, UDP and echo bindings both ways (RFC 5508 REQ-3..7,
// rows 48, 60, 63-67). B4s A and B use the same private tuples, so an error
// for the wrong B4 would look right but for its IPv6 destination; every
// public port is answered (the port each B4 got is the engine's choice).
Scenario icmp_errors_bindings() {
    using namespace icmp_bindings;
    using namespace icmp_bindings_input;
    namespace i = w::icmp;
    Script s;
    const Ipv6Address* b4s[] = {&b4_a, &b4_b};
    double t = kBindings;
    for (Flow f : kFlows)
        for (const auto* b4 : b4s) s.from_b4(t, *b4, flow_packet(f, host, private_port(f), 64)), t += 0.001;

    // Router errors about each flow's packet as the AFTR sent it, quoted with
    // 8 bytes and whole; Time Exceeded quotes the TTL that ran out.
    const struct {
        std::uint8_t type, code, pointer, quoted_ttl;
    } router_kinds[] = {
        {i::destination_unreachable, 1, 0, 63}, {i::time_exceeded, 0, 0, 1}, {i::parameter_problem, 0, 8, 63}};
    t = kRouterErrors;
    for (Flow f : kFlows)
        for (const auto& k : router_kinds)
            for (bool whole : {false, true})
                for (auto port : kTwoPorts) {
                    const Bytes sent = flow_packet(f, pool, port, k.quoted_ttl);
                    s.uplink(t += 0.001,
                             icmp_error(kRouter, pool, k.type, k.code, whole ? sent : first_bytes(sent), k.pointer));
                }

    t = kReplies;
    for (Flow f : kFlows)
        for (auto port : kTwoPorts) s.uplink(t += 0.001, flow_reply(f, pool, port, 64));

    // Each host refuses what it was delivered: UDP port unreachable quoted
    // whole, TCP 8 bytes, echo reply whole.
    t = kHostErrors;
    for (Flow f : kFlows)
        for (const auto* b4 : b4s) {
            const Bytes got = flow_reply(f, host, private_port(f), 63);
            s.from_b4(t += 0.001, *b4,
                      icmp_error(host, server1, i::destination_unreachable, f == Flow::udp ? 3 : 1,
                                 f == Flow::tcp ? first_bytes(got) : got));
        }

    // B's host sends to both public UDP ports (one is A's binding, one its
    // own); A's host refuses what it got, from whichever port B has.
    const auto hairpin_packet = [](Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport,
                                   std::uint8_t ttl) {
        return ipv4_udp(
            {.source = src, .destination = dst, .ttl = ttl, .identification = 0x4444, .dont_fragment = true},
            {.source_port = sport, .destination_port = dport, .payload = text_bytes("hairpin")});
    };
    t = kHairpin;
    for (auto port : kTwoPorts) s.from_b4(t += 0.001, b4_b, hairpin_packet(host, kPrivatePort, pool, port, 64));
    t = kHairpinErrors;
    for (auto port : kTwoPorts)
        s.from_b4(
            t += 0.001, b4_a,
            icmp_error(host, pool, i::destination_unreachable, 3, hairpin_packet(pool, port, host, kPrivatePort, 63)));

    t = kLateReplies;
    for (Flow f : kFlows)
        for (auto port : kTwoPorts) s.uplink(t += 0.001, flow_reply(f, pool, port, 64));

    // Quoted headers with IP options (RFC 5508 REQ-3): skipped by IHL.
    t = kOptions;
    for (auto port : kTwoPorts)
        s.uplink(t += 0.001, icmp_error(kRouter, pool, i::destination_unreachable, 1,
                                        flow_packet(Flow::udp, pool, port, 63, kRecordRoute)));
    s.from_b4(t += 0.001, b4_a,
              icmp_error(host, server1, i::destination_unreachable, 3,
                         flow_reply(Flow::udp, host, kPrivatePort, 63, kRecordRoute)));

    // Dropped: errors quoting an ICMP error, with a wrong checksum, or about
    // a packet no binding sent, from each side.
    t = kDrops;
    const Bytes answer = flow_reply(Flow::udp, pool, 40000, 64);
    s.uplink(t += 0.001, icmp_error(kRouter, pool, i::time_exceeded, 0,
                                    icmp_error(pool, server1, i::destination_unreachable, 3, first_bytes(answer))));
    s.from_b4(t += 0.001, b4_a,
              icmp_error(host, server1, i::destination_unreachable, 3,
                         icmp_error(server1, host, i::destination_unreachable, 1,
                                    first_bytes(flow_packet(Flow::udp, host, kPrivatePort, 64)))));
    Bytes bad = icmp_error(kRouter, pool, i::destination_unreachable, 1, flow_packet(Flow::udp, pool, 40000, 63));
    bad[w::ipv4::min_header_size + i::checksum] ^= 0x01;
    s.uplink(t += 0.001, bad);
    bad = icmp_error(host, server1, i::destination_unreachable, 3, flow_reply(Flow::udp, host, kPrivatePort, 63));
    bad[w::ipv4::min_header_size + i::checksum] ^= 0x01;
    s.from_b4(t += 0.001, b4_a, bad);
    s.uplink(t += 0.001,
             icmp_error(kRouter, pool, i::destination_unreachable, 1, flow_packet(Flow::udp, pool, 40002, 63)));
    s.from_b4(
        t += 0.001, b4_a,
        icmp_error(host, server1, i::destination_unreachable, 3, flow_reply(Flow::udp, host, kPrivatePort + 1, 63)));

    // Errors about UDP bindings that expired (nothing has refreshed them
    // since kLateReplies) have no binding; this also frees their ports
    // before the next phase (the hold runs from when the expiry is seen).
    t = kExpired;
    for (auto port : kTwoPorts)
        s.uplink(t += 0.001, icmp_error(kRouter, pool, i::destination_unreachable, 1,
                                        first_bytes(flow_packet(Flow::udp, pool, port, 63))));
    for (const auto* b4 : b4s)
        s.from_b4(
            t += 0.001, *b4,
            icmp_error(host, server1, i::destination_unreachable, 3, flow_reply(Flow::udp, host, kPrivatePort, 63)));

    // Errors neither refresh nor delete (RFC 4787 REQ-12, RFC 5508 REQ-6):
    // two UDP bindings of B4 A (both public ports) answered once, then only
    // errors both ways until the answer at 302 s finds them gone; errors
    // about them after that have no binding.
    const std::uint16_t private_ports[] = {kPrivatePort + 1000, kPrivatePort + 1001};
    t = kNoRefresh;
    for (auto p : private_ports) s.from_b4(t += 0.001, b4_a, flow_packet(Flow::udp, host, p, 64));
    t = kNoRefresh + 0.1;
    for (auto port : kTwoPorts) s.uplink(t += 0.001, flow_reply(Flow::udp, pool, port, 64));
    const auto errors_both_ways = [&](double at_time, std::uint8_t type, std::uint8_t code) {
        t = kNoRefresh + at_time;
        for (auto port : kTwoPorts)
            s.uplink(t += 0.001,
                     icmp_error(kRouter, pool, type, code, first_bytes(flow_packet(Flow::udp, pool, port, 63))));
        for (auto p : private_ports)
            s.from_b4(t += 0.001, b4_a,
                      icmp_error(host, server1, i::destination_unreachable, 3, flow_reply(Flow::udp, host, p, 63)));
    };
    for (double e : kNoRefreshErrors) errors_both_ways(e, i::destination_unreachable, 1);
    t = kNoRefresh + kExpiredReply;
    for (auto port : kTwoPorts) s.uplink(t += 0.001, flow_reply(Flow::udp, pool, port, 64));
    errors_both_ways(kExpiredReply + 1, i::time_exceeded, 0);
    return {"icmp_errors_bindings",
            "ICMP errors about TCP, UDP and echo bindings: to the right B4 or host, hairpinned, never refreshing",
            two_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 32},
             {C::in_uplink_packets, 67},
             {C::out_uplink_packets, 21},
             {C::out_b4_packets, 58},
             {C::out_hairpin_packets, 4},
             {C::drop_b4_icmp_bad_checksum, 1},
             {C::drop_uplink_icmp_bad_checksum, 1},
             {C::drop_b4_icmp_quote, 1},
             {C::drop_uplink_icmp_quote, 1},
             {C::drop_b4_icmp_no_binding, 5},
             {C::drop_uplink_icmp_no_binding, 5},
             {C::drop_uplink_no_binding, 2},
             {C::bindings_created, 8},
             {C::bindings_expired, 6},
             {C::subscribers_created, 2}},
            check_icmp_errors_bindings};
}

// ---- icmp_rate_limit ----

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

// Generated ICMP errors are rate limited [RFC 5508 REQ-10]: with 2 per
// second, five TTL-1 packets in one second get two Time Exceeded, an
// inbound TTL-1 packet in that second none, and the next second one more.
Scenario icmp_rate_limit() {
    Script s;
    for (int i = 0; i < 5; ++i)
        s.from_b4(0.001 * i, b4_a,
                  udp(host, static_cast<std::uint16_t>(6000 + i), server1, 53, "ttl1-" + std::to_string(i), 1));
    s.from_b4(0.005, b4_a, udp(host, 5000, server1, 53, "normal"));
    s.uplink(0.006, udp(server1, 53, pool, 40000, "down-ttl1", 1));
    s.from_b4(1.0, b4_a, udp(host, 6005, server1, 53, "ttl1-late", 1));
    return {"icmp_rate_limit",
            "--icmp-errors-per-second 2: errors over the rate are not sent, others pass",
            one_port_flags({"--icmp-errors-per-second", "2"}),
            s.capture(),
            {{C::in_b4_packets, 7},
             {C::in_uplink_packets, 1},
             {C::out_uplink_packets, 1},
             {C::drop_inner_ttl_expired, 6},
             {C::drop_uplink_ttl_expired, 1},
             {C::sent_icmp_time_exceeded, 3},
             {C::icmp_errors_rate_limited, 4},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_icmp_rate_limit};
}

// ---- ttl ----

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

Scenario ttl() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "ttl2", 2));
    s.from_b4(1, b4_a, udp(host, 5001, server1, 53, "ttl1", 1));
    s.from_b4(2, b4_a, udp(host, 5002, server1, 53, "ttl0", 0));
    s.uplink(3, udp(server1, 53, pool, 40000, "down-ttl1", 1));
    s.uplink(4, udp(server1, 53, pool, 40000, "down-ttl2", 2));
    return {"ttl",
            "TTL decremented both ways; expiry answered with ICMP 11/0 (from 192.0.0.1 towards B4s)",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 3},
             {C::in_uplink_packets, 2},
             {C::out_uplink_packets, 1},
             {C::out_b4_packets, 1},
             {C::drop_inner_ttl_expired, 2},
             {C::drop_uplink_ttl_expired, 1},
             {C::sent_icmp_time_exceeded, 3},
             {C::bindings_created, 1},
             {C::subscribers_created, 1}},
            check_ttl};
}

// ---- aftr_echo ----

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

Scenario aftr_echo() {
    Script s;
    s.from_b4(0, b4_a, echo(host, aftr_v4, 0x4242, 1, "ping-192.0.0.1"));
    s.add(1, ipv6_icmp({.source = b4_a, .destination = aftr}, {.type = w::icmp::v6_echo_request,
                                                               .identifier = 0x4343,
                                                               .sequence = 2,
                                                               .body = text_bytes("ping6-aftr")}));
    Bytes bad = ipv6_icmp({.source = b4_a, .destination = aftr}, {.type = w::icmp::v6_echo_request,
                                                                  .identifier = 0x4444,
                                                                  .sequence = 3,
                                                                  .body = text_bytes("ping6-bad-checksum")});
    bad[w::ipv6::header_size + w::icmp::checksum] ^= 0x01;
    s.add(2, bad);
    // Addressed to the AFTR itself: TTL 1 is not expired (nothing is forwarded).
    s.from_b4(3, b4_a, echo(host, aftr_v4, 0x4242, 2, "ping-192.0.0.1-ttl1", w::icmp::echo_request, 1));
    return {"aftr_echo",
            "echo to 192.0.0.1 through the softwire and ICMPv6 echo to the AFTR are answered",
            one_port_flags(),
            s.capture(),
            {{C::in_b4_packets, 4}, {C::out_aftr_echo_replies, 3}, {C::drop_icmpv6, 1}},
            check_aftr_echo};
}

// ==== softwire ==============================================================

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

// ==== mtu ===================================================================

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

const Registration registered{two_b4_same_tuple,
                              ethernet,
                              hairpin,
                              mapping,
                              filtering_eif,
                              filtering_adf,
                              quota,
                              quota_prefix_64,
                              port_blocks,
                              static_mapping,
                              no_nat,
                              nat_pmp,
                              pcp_scenario,
                              softwire_move,
                              softwire_limit_2,
                              port_reuse,
                              udp_timeout,
                              icmp_timeout,
                              tcp_timeouts,
                              tcp_simultaneous_open,
                              icmp_errors,
                              icmp_errors_bindings,
                              icmp_rate_limit,
                              ttl,
                              aftr_echo,
                              malformed,
                              tunnel_encapsulation_limit,
                              dscp,
                              udp_checksum,
                              inner_source,
                              inner_source_extra,
                              b4_prefix,
                              fragments_softwire,
                              fragments_inner,
                              tunnel_mtu_df,
                              tunnel_mtu_df_1400,
                              uplink_mtu_df,
                              packet_too_big,
                              mss_clamp};

}  // namespace
}  // namespace dslite::test
