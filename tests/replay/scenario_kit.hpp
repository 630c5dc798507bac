// SPDX-License-Identifier: BSD-2-Clause
// What the replay scenarios (scenarios.cpp) are written with: the
// topology's names, packets and their capture times, replay flags, and the
// checks of decoded outputs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "dslite/checksum.hpp"
#include "dslite/counters.hpp"
#include "dslite/wire.hpp"
#include "scenario.hpp"
#include "support/packet_builder.hpp"
#include "support/topology.hpp"

namespace dslite::test {

namespace w = dslite::wire;
using namespace net;
using C = Counter;

// The payload and MSS values of the MTU scenarios, shared with the checks.
namespace mtu {
inline constexpr std::size_t kInnerDatagram = 8000;  // fragments_inner: IPv4 total length
inline constexpr std::size_t kHostFragment = 1460;   // the host's IPv4 fragments (1500 - 40)
inline constexpr std::size_t kServerFragment = 1500;
inline constexpr std::uint16_t kMssClamp = 1360;
}  // namespace mtu

// ---- building inputs ----

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

inline Bytes udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::string_view tag,
                 std::uint8_t ttl = 64, std::uint8_t tos = 0) {
    return ipv4_udp({.source = src, .destination = dst, .ttl = ttl, .tos = tos},
                    {.source_port = sport, .destination_port = dport, .payload = text_bytes(tag)});
}

inline Bytes tcp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::uint8_t flags,
                 std::string_view tag, std::uint32_t seq = 1000, std::uint32_t ack = 0) {
    return ipv4_tcp({.source = src, .destination = dst}, {.source_port = sport,
                                                          .destination_port = dport,
                                                          .seq = seq,
                                                          .ack = ack,
                                                          .flags = flags,
                                                          .payload = text_bytes(tag)});
}

inline Bytes echo(Ipv4Address src, Ipv4Address dst, std::uint16_t id, std::uint16_t seq, std::string_view tag,
                  std::uint8_t type = w::icmp::echo_request, std::uint8_t ttl = 64) {
    return ipv4_icmp({.source = src, .destination = dst, .ttl = ttl},
                     {.type = type, .identifier = id, .sequence = seq, .body = text_bytes(tag)});
}

inline constexpr std::uint8_t SYN = w::tcp::syn, ACK = w::tcp::ack, FIN = w::tcp::fin, RST = w::tcp::rst;

// The public port of a binding is the engine's (random) choice. Scenarios
// that answer from the Internet use a two-port range and answer on both
// ports; the port without a binding is dropped, which is itself counted.
inline const std::vector<std::uint16_t> kTwoPorts = {40000, 40001};

inline std::string to(std::string_view tag, std::uint16_t port) {
    return std::string(tag) + "-to-" + std::to_string(port);
}

inline void spray_udp(Script& s, double t, Ipv4Address server, std::uint16_t sport, std::string_view tag) {
    for (auto port : kTwoPorts) s.uplink(t += 0.001, udp(server, sport, pool, port, to(tag, port)));
}

inline void spray_tcp(Script& s, double t, std::uint8_t flags, std::string_view tag) {
    for (auto port : kTwoPorts) s.uplink(t += 0.001, tcp(server1, 80, pool, port, flags, to(tag, port), 5000, 1001));
}

inline void spray_echo_reply(Script& s, double t, std::string_view tag) {
    for (auto id : kTwoPorts) s.uplink(t += 0.001, echo(server1, pool, id, 1, to(tag, id), w::icmp::echo_reply));
}

inline std::vector<std::string> base_flags(std::vector<std::string> more) {
    std::vector<std::string> flags = {"--aftr-address", to_string(aftr), "--seed", "7"};
    flags.insert(flags.end(), more.begin(), more.end());
    return flags;
}

inline std::vector<std::string> two_port_flags(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {"--pool", "198.51.100.1/32", "--port-range", "40000-40001"};
    flags.insert(flags.end(), more.begin(), more.end());
    return base_flags(flags);
}

inline std::vector<std::string> one_port_flags(std::vector<std::string> more = {}) {
    std::vector<std::string> flags = {"--pool", "198.51.100.1/32", "--port-range", "40000-40000"};
    flags.insert(flags.end(), more.begin(), more.end());
    return base_flags(flags);
}

// A UDP datagram of `total` bytes (IPv4 header included) with a tagged payload.
inline Bytes big_udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::string_view tag,
                     std::size_t total, bool dont_fragment = false, std::uint16_t id = 0, std::uint8_t ttl = 64) {
    return ipv4_udp(
        {.source = src, .destination = dst, .ttl = ttl, .identification = id, .dont_fragment = dont_fragment},
        {.source_port = sport,
         .destination_port = dport,
         .payload = tagged_payload(tag, total - w::ipv4::min_header_size - w::udp::header_size)});
}

// ---- checking outputs ----

// Against a failed lookup the check cannot go on; one_* already reported it.
#define REQUIRE(p) \
    if (!(p)) return

// An AFTR-sent softwire packet to `b4` [RFC 6333 7.1, RFC 2473 rows 29-30].
inline void expect_softwire_to(const OutPacket& p, const Ipv6Address& b4) {
    ASSERT_TRUE(p.d.ipv6) << p.text();
    EXPECT_EQ(to_string(p.d.ipv6->destination), to_string(b4)) << p.text();
    EXPECT_EQ(to_string(p.d.ipv6->source), to_string(aftr)) << p.text();
    EXPECT_EQ(p.d.ipv6->hop_limit, 64) << p.text();
    EXPECT_EQ(p.d.ipv6->flow_label, 0u) << p.text();
}

inline void expect_addresses(const OutPacket& p, Ipv4Address src, std::uint16_t sport, Ipv4Address dst,
                             std::uint16_t dport) {
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
inline void expect_aftr_error(const OutPacket& p, const Ipv6Address& b4, std::uint8_t type, std::uint8_t code,
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

inline std::string to_port(std::string_view tag, std::uint16_t port) {
    return std::string(tag) + "-to-" + std::to_string(port);
}

// The tag of a scenario payload: the whole payload, or what precedes the '|'
// of a tagged_payload.
inline bool has_tag(const std::string& payload, std::string_view tag) {
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
inline std::vector<Datagram> datagrams(const std::vector<OutPacket>& side) {
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

inline const Datagram* one_datagram(const std::vector<Datagram>& all, std::string_view tag, const char* side) {
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

inline void no_datagram(const std::vector<Datagram>& all, std::string_view tag, const char* side) {
    for (const auto& d : all)
        EXPECT_FALSE(has_tag(d.payload_text(), tag))
            << "nothing tagged '" << tag << "' may reach the " << side << ": " << d.text();
}

// Every piece fits the MTU, and the whole payload is the one the sender sent.
inline void expect_intact(const Datagram& d, std::size_t mtu, std::string_view tag, std::size_t total_length) {
    for (auto n : d.piece_sizes) EXPECT_LE(n, mtu) << "larger than the MTU: " << d.text();
    const Ipv4Info* ip = d.ip4();
    ASSERT_TRUE(ip) << d.text();
    EXPECT_EQ(ip->total_length, total_length) << d.text();
    EXPECT_EQ(ip->flags_fragment & (w::ipv4::offset_mask | w::ipv4::flag_mf), 0) << "inner must be whole: " << d.text();
    const std::size_t l4_header = ip->protocol == w::proto_udp ? w::udp::header_size : w::icmp::header_size;
    EXPECT_TRUE(ip->l4.payload == tagged_payload(tag, total_length - ip->header_length - l4_header))
        << "payload changed: " << d.text();
}

}  // namespace dslite::test
