#include "scenario_kit.hpp"

namespace dslite::test {
namespace {

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

const Registration registered{udp_timeout, icmp_timeout, tcp_timeouts, tcp_simultaneous_open};

}  // namespace
}  // namespace dslite::test
