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

const Registration registered{icmp_errors, icmp_errors_bindings, icmp_rate_limit, ttl, aftr_echo};

}  // namespace
}  // namespace dslite::test
