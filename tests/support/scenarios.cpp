#include "support/scenarios.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::test {

namespace w = dslite::wire;

namespace net {
const Ipv6Address aftr = v6("2001:db8:0:1::1");
const Ipv6Address b4_a = v6("2001:db8:a::2");
const Ipv6Address b4_a2 = v6("2001:db8:a:1::2");
const Ipv6Address b4_b = v6("2001:db8:b::2");
const Ipv4Address aftr_v4 = v4("192.0.0.1");
const Ipv4Address host = v4("10.0.0.1");
const Ipv4Address host2 = v4("10.0.0.2");
const Ipv4Address pool = v4("198.51.100.1");
const Ipv4Address server1 = v4("203.0.113.10");
const Ipv4Address server2 = v4("203.0.113.20");
const Ipv6Address router = v6("2001:db8:ffff::1");
}  // namespace net

Bytes tagged_payload(std::string_view tag, std::size_t size) {
    Bytes b = text_bytes(tag);
    b.push_back('|');
    for (std::size_t i = b.size(); i < size; ++i) b.push_back(static_cast<std::uint8_t>((i * 131 + 7) % 251));
    b.resize(size);
    return b;
}

std::int64_t at(double seconds) { return kEpochMicros + std::llround(seconds * 1e6); }

std::string flags_line(const std::vector<std::string>& flags) {
    std::string line;
    for (const auto& f : flags) line += (line.empty() ? "" : " ") + f;
    return line;
}

bool write_scenario(const std::string& dir, const Scenario& s, std::string& error) {
    const std::string path = dir + "/" + s.name;
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    if (!write_capture(path + "/in.pcap", s.input, error)) return false;
    std::ofstream flags(path + "/flags");
    flags << flags_line(s.flags) << "\n";
    if (!flags) {
        error = path + "/flags: write failed";
        return false;
    }
    return true;
}

namespace {

using namespace net;

// Packets in capture order with their times; B4 packets go inside IPv6.
class Script {
public:
    void uplink(double t, Bytes ipv4) { add(t, std::move(ipv4)); }
    void from_b4(double t, const Ipv6Address& b4, const Bytes& ipv4, std::uint8_t traffic_class = 0) {
        add(t, softwire({.source = b4, .destination = aftr, .traffic_class = traffic_class}, ipv4));
    }
    void add(double t, Bytes packet) { capture_.records.push_back({at(t), std::move(packet)}); }
    Capture capture() const { return capture_; }

private:
    Capture capture_{dlt_raw, {}};
};

Bytes udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::string_view tag,
          std::uint8_t ttl = 64, std::uint8_t tos = 0) {
    return ipv4_udp({.source = src, .destination = dst, .ttl = ttl, .tos = tos},
                    {.source_port = sport, .destination_port = dport, .payload = text_bytes(tag)});
}

Bytes tcp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::uint8_t flags,
          std::string_view tag, std::uint32_t seq = 1000, std::uint32_t ack = 0) {
    return ipv4_tcp({.source = src, .destination = dst}, {.source_port = sport,
                                                          .destination_port = dport,
                                                          .seq = seq,
                                                          .ack = ack,
                                                          .flags = flags,
                                                          .payload = text_bytes(tag)});
}

Bytes echo(Ipv4Address src, Ipv4Address dst, std::uint16_t id, std::uint16_t seq, std::string_view tag,
           std::uint8_t type = w::icmp::echo_request, std::uint8_t ttl = 64) {
    return ipv4_icmp({.source = src, .destination = dst, .ttl = ttl},
                     {.type = type, .identifier = id, .sequence = seq, .body = text_bytes(tag)});
}

constexpr std::uint8_t SYN = w::tcp::syn, ACK = w::tcp::ack, FIN = w::tcp::fin, RST = w::tcp::rst;

// The public port of a binding is the engine's (random) choice. Scenarios
// that answer from the Internet use a two-port range and answer on both
// ports; the port without a binding is dropped, which is itself counted.
const std::vector<std::uint16_t> kTwoPorts = {40000, 40001};

std::string to(std::string_view tag, std::uint16_t port) { return std::string(tag) + "-to-" + std::to_string(port); }

void spray_udp(Script& s, double t, Ipv4Address server, std::uint16_t sport, std::string_view tag) {
    for (auto port : kTwoPorts) s.uplink(t += 0.001, udp(server, sport, pool, port, to(tag, port)));
}
void spray_tcp(Script& s, double t, std::uint8_t flags, std::string_view tag) {
    for (auto port : kTwoPorts) s.uplink(t += 0.001, tcp(server1, 80, pool, port, flags, to(tag, port), 5000, 1001));
}
void spray_echo_reply(Script& s, double t, std::string_view tag) {
    for (auto id : kTwoPorts) s.uplink(t += 0.001, echo(server1, pool, id, 1, to(tag, id), w::icmp::echo_reply));
}

std::vector<std::string> base_flags(std::vector<std::string> more) {
    std::vector<std::string> flags = {"--aftr-address", "2001:db8:0:1::1", "--seed", "7"};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}
std::vector<std::string> two_port_flags(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {"--pool", "198.51.100.1/32", "--port-range", "40000-40001"};
    flags.insert(flags.end(), more.begin(), more.end());
    return base_flags(flags);
}
std::vector<std::string> one_port_flags(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {"--pool", "198.51.100.1/32", "--port-range", "40000-40000"};
    flags.insert(flags.end(), more.begin(), more.end());
    return base_flags(flags);
}

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
            two_port_flags(), two_b4_same_tuple_input()};
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
    return {"ethernet", "two_b4_same_tuple framed in Ethernet (small frames padded, one ARP frame): same outputs",
            two_port_flags(), c};
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
    return {"hairpin", "B4 host to another B4's public mapping arrives from the sender's public address+port",
            two_port_flags(), s.capture()};
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
    return {"mapping", "endpoint-independent mapping, paired pooling, ports random within the range",
            base_flags({"--pool", "198.51.100.8/29", "--port-range", "20000-20099"}), s.capture()};
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
    return {"filtering_eif", "endpoint-independent filtering (default): all three answers pass", one_port_flags(),
            filtering_input()};
}

Scenario filtering_adf() {
    return {"filtering_adf", "address-dependent filtering: the other server is refused",
            one_port_flags({"--filtering", "address-dependent"}), filtering_input()};
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
    return {"udp_timeout", "UDP binding lives 300 s after the last outbound packet", two_port_flags(), s.capture()};
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
    return {"icmp_timeout", "ICMP echo binding lives 60 s after the last outbound packet", two_port_flags(),
            s.capture()};
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
    return {"tcp_timeouts", "TCP transitory 240 s (FIN both ways, RST), established 7440 s, SYN-only creation",
            two_port_flags(), s.capture()};
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
    return {"tcp_simultaneous_open", "simultaneous open establishes (RFC 5382 REQ-2)", two_port_flags(), s.capture()};
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
    return {"quota", "per-subscriber (/56) UDP quota 2: drop, ICMP 3/1 from 192.0.0.1, no eviction",
            base_flags({"--pool", "198.51.100.8/29", "--quota-udp", "2"}), s.capture()};
}

// The quota input with --subscriber-prefix-length 64: B4s a and a2 are now
// two subscribers, each with its own quota.
Scenario quota_prefix_64() {
    Scenario s = quota();
    s.name = "quota_prefix_64";
    s.summary = "--subscriber-prefix-length 64 makes B4s in one /56 separate subscribers";
    s.flags.insert(s.flags.end(), {"--subscriber-prefix-length", "64"});
    return s;
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
            two_port_flags({"--softwire-move-hold", "60"}), softwire_move_input()};
}

Scenario softwire_limit_2() {
    return {"softwire_limit_2", "--softwires-per-subscriber 2: the two B4 addresses keep a binding each",
            two_port_flags({"--softwires-per-subscriber", "2"}), softwire_move_input()};
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
    return {"icmp_errors", "ICMP errors about a binding are translated both ways and do not kill it", one_port_flags(),
            s.capture()};
}

// ---- icmp_errors_bindings: ICMPv4 errors about TCP, UDP and echo bindings ----

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
            two_port_flags(), s.capture()};
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
    return {"port_reuse", "a freed port is not reused for 120 s", two_port_flags({"--udp-timeout", "120"}),
            s.capture()};
}

Scenario ttl() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "ttl2", 2));
    s.from_b4(1, b4_a, udp(host, 5001, server1, 53, "ttl1", 1));
    s.from_b4(2, b4_a, udp(host, 5002, server1, 53, "ttl0", 0));
    s.uplink(3, udp(server1, 53, pool, 40000, "down-ttl1", 1));
    s.uplink(4, udp(server1, 53, pool, 40000, "down-ttl2", 2));
    return {"ttl", "TTL decremented both ways; expiry answered with ICMP 11/0 (from 192.0.0.1 towards B4s)",
            one_port_flags(), s.capture()};
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
    return {"malformed", "malformed packets are dropped and counted; a good packet afterwards passes", one_port_flags(),
            s.capture()};
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
    return {"tunnel_encapsulation_limit", "Destination Options + Tunnel Encapsulation Limit decapsulated",
            one_port_flags(), s.capture()};
}

Scenario dscp() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "up-tc28-tos28", 64, 0x28), 0x28);
    s.from_b4(1, b4_a, udp(host, 5000, server1, 53, "up-tc28-tos00", 64, 0x00), 0x28);
    s.uplink(2, udp(server1, 53, pool, 40000, "down-tos-b8", 64, 0xb8));
    s.uplink(3, udp(server1, 53, pool, 40000, "down-tos-00", 64, 0x00));
    return {"dscp", "DSCP copied between inner TOS and outer traffic class both ways", one_port_flags(), s.capture()};
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
    return {"udp_checksum", "UDP zero checksum stays zero; a computed zero is sent as 0xffff", one_port_flags(),
            s.capture()};
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
    return {"aftr_echo", "echo to 192.0.0.1 through the softwire and ICMPv6 echo to the AFTR are answered",
            one_port_flags(), s.capture()};
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
    return {"inner_source", "inner sources outside RFC 1918 and 192.0.0.0/29 are dropped",
            base_flags({"--pool", "198.51.100.1/32"}), inner_source_input()};
}

Scenario inner_source_extra() {
    return {"inner_source_extra", "--inner-prefix 100.64.0.0/10 admits those sources too",
            base_flags({"--pool", "198.51.100.1/32", "--inner-prefix", "100.64.0.0/10"}), inner_source_input()};
}

Scenario b4_prefix() {
    Script s;
    s.from_b4(0, b4_a, udp(host, 5000, server1, 53, "from-a"));
    s.from_b4(1, b4_b, udp(host, 5000, server1, 53, "from-b"));
    return {"b4_prefix", "--b4-prefix admits only B4s inside it",
            base_flags({"--pool", "198.51.100.1/32", "--b4-prefix", "2001:db8:a::/48"}), s.capture()};
}

// A UDP datagram of `total` bytes (IPv4 header included) with a tagged payload.
Bytes big_udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::string_view tag,
              std::size_t total, bool dont_fragment = false, std::uint16_t id = 0, std::uint8_t ttl = 64) {
    return ipv4_udp(
        {.source = src, .destination = dst, .ttl = ttl, .identification = id, .dont_fragment = dont_fragment},
        {.source_port = sport,
         .destination_port = dport,
         .payload = tagged_payload(tag, total - w::ipv4::min_header_size - w::udp::header_size)});
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
    return {"fragments_softwire", "IPv6 fragments from a B4 reassembled in any order; lost -> timeout; overlap dropped",
            one_port_flags(), s.capture()};
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
    return {"fragments_inner", "inner IPv4 fragments reassembled per softwire before NAPT, refragmented both ways",
            two_port_flags(), s.capture()};
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
    return {"tunnel_mtu_df", "tunnel MTU 1500: DF=1 too big -> 3/4 (1460) to the sender, DF=0 -> IPv6 fragments",
            one_port_flags(), tunnel_mtu_input()};
}

Scenario tunnel_mtu_df_1400() {
    return {"tunnel_mtu_df_1400", "the tunnel_mtu_df input with --tunnel-mtu 1400: 3/4 says 1360",
            one_port_flags({"--tunnel-mtu", "1400"}), tunnel_mtu_input()};
}

// Toward the Internet, too big for --uplink-mtu 1400 [row 49]: DF=1 -> 3/4
// (1400) from 192.0.0.1 down the softwire; DF=0 -> IPv4 fragments.
Scenario uplink_mtu_df() {
    Script s;
    s.from_b4(0, b4_a, big_udp(host, 5000, server1, 53, "df1-1400", 1400, true, 0x0201));
    s.from_b4(1, b4_a, big_udp(host, 5000, server1, 53, "df1-1450", 1450, true, 0x0202));
    s.from_b4(2, b4_a, big_udp(host, 5000, server1, 53, "df0-1450", 1450, false, 0x0203));
    return {"uplink_mtu_df", "uplink MTU 1400: DF=1 too big -> 3/4 (1400) to the host, DF=0 -> IPv4 fragments",
            one_port_flags({"--uplink-mtu", "1400"}), s.capture()};
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
    return {"packet_too_big", "ICMPv6 PTB lowers that B4's tunnel MTU and is relayed as 3/4; Time Exceeded as 3/1",
            one_port_flags(), s.capture()};
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
    return {"icmp_rate_limit", "--icmp-errors-per-second 2: errors over the rate are not sent, others pass",
            one_port_flags({"--icmp-errors-per-second", "2"}), s.capture()};
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
    return {"mss_clamp", "--mss-clamp 1360 lowers the MSS of SYNs both ways",
            one_port_flags({"--mss-clamp", std::to_string(mtu::kMssClamp)}), s.capture()};
}

}  // namespace

std::vector<Scenario> all_scenarios() {
    return {two_b4_same_tuple(),
            ethernet(),
            hairpin(),
            mapping(),
            filtering_eif(),
            filtering_adf(),
            udp_timeout(),
            icmp_timeout(),
            tcp_timeouts(),
            tcp_simultaneous_open(),
            quota(),
            quota_prefix_64(),
            softwire_move(),
            softwire_limit_2(),
            port_reuse(),
            icmp_errors(),
            icmp_errors_bindings(),
            ttl(),
            malformed(),
            tunnel_encapsulation_limit(),
            dscp(),
            udp_checksum(),
            aftr_echo(),
            inner_source(),
            inner_source_extra(),
            b4_prefix(),
            fragments_softwire(),
            fragments_inner(),
            tunnel_mtu_df(),
            tunnel_mtu_df_1400(),
            uplink_mtu_df(),
            packet_too_big(),
            icmp_rate_limit(),
            mss_clamp()};
}

}  // namespace dslite::test
