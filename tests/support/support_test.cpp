// SPDX-License-Identifier: BSD-2-Clause
// The test support itself: builder output against known answers, decoder
// round trips, and that every kind of corruption is reported.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "dslite/wire.hpp"
#include "support/counters_json.hpp"
#include "support/packet_decoder.hpp"
#include "support/pcap_file.hpp"
#include "support/temp_dir.hpp"
#include "support/topology.hpp"

namespace dslite::test {
namespace {

namespace w = dslite::wire;

TEST(PacketBuilder, Ipv4HeaderChecksumKnownAnswer) {
    // The worked example of RFC 1071-style checksums: 192.168.0.1 -> 192.168.0.199, UDP, 115 bytes.
    Bytes p = ipv4_packet({.source = v4("192.168.0.1"), .destination = v4("192.168.0.199"), .dont_fragment = true},
                          w::proto_udp, Bytes(95, 0));
    const Bytes expected = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
                            0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
    EXPECT_EQ(Bytes(p.begin(), p.begin() + 20), expected);
}

// Checksums computed by an independent implementation (a plain Python sum).
TEST(PacketBuilder, TransportChecksumKnownAnswers) {
    Bytes u = ipv4_udp({.source = net::host, .destination = net::server1},
                       {.source_port = 5000, .destination_port = 53, .payload = text_bytes("a-udp")});
    EXPECT_EQ(w::load16(&u[20 + w::udp::checksum]), 0x5f79);
    Bytes t = ipv4_tcp({.source = net::host, .destination = net::server1}, {.source_port = 10000,
                                                                            .destination_port = 80,
                                                                            .seq = 1000,
                                                                            .flags = w::tcp::syn,
                                                                            .payload = text_bytes("a-tcp")});
    EXPECT_EQ(w::load16(&t[20 + w::tcp::checksum]), 0xf8f8);
    Bytes i = ipv4_icmp({.source = net::host, .destination = net::server1},
                        {.type = 8, .identifier = 0x777, .sequence = 1, .body = text_bytes("a-icmp")});
    EXPECT_EQ(w::load16(&i[20 + w::icmp::checksum]), 0xb886);
}

TEST(PacketDecoder, RoundTripsASoftwirePacketWithEncapsulationLimit) {
    const Ipv6Address b4 = v6("2001:db8:a::2"), aftr = v6("2001:db8:0:1::1");
    Bytes inner =
        ipv4_tcp({.source = net::host, .destination = net::server1, .ttl = 9, .tos = 0x28, .identification = 77},
                 {.source_port = 1234,
                  .destination_port = 80,
                  .seq = 5,
                  .ack = 6,
                  .flags = w::tcp::syn | w::tcp::ack,
                  .payload = text_bytes("hello")});
    Bytes p = softwire({.source = b4,
                        .destination = aftr,
                        .hop_limit = 3,
                        .traffic_class = 0x28,
                        .flow_label = 0x12345,
                        .encapsulation_limit = 4},
                       inner);
    Decoded d = decode(p);
    EXPECT_TRUE(d.problems.empty()) << describe(d);
    ASSERT_TRUE(d.ipv6 && d.ipv6->inner);
    EXPECT_EQ(d.ipv6->source, b4);
    EXPECT_EQ(d.ipv6->destination, aftr);
    EXPECT_EQ(d.ipv6->hop_limit, 3);
    EXPECT_EQ(d.ipv6->traffic_class, 0x28);
    EXPECT_EQ(d.ipv6->flow_label, 0x12345u);
    EXPECT_EQ(d.ipv6->next_header, w::proto_destination_options);
    EXPECT_EQ(d.ipv6->encapsulation_limit, 4);
    const Ipv4Info& ip = *d.ipv6->inner;
    EXPECT_EQ(ip.ttl, 9);
    EXPECT_EQ(ip.tos, 0x28);
    EXPECT_EQ(ip.identification, 77);
    EXPECT_EQ(ip.source, net::host);
    EXPECT_EQ(ip.l4.source_port, 1234);
    EXPECT_EQ(ip.l4.seq, 5u);
    EXPECT_EQ(ip.l4.ack, 6u);
    EXPECT_EQ(ip.l4.tcp_flags, w::tcp::syn | w::tcp::ack);
    EXPECT_EQ(ip.l4.payload_text(), "hello");
    EXPECT_TRUE(ip.l4.checksum_ok);
}

TEST(PacketDecoder, Icmpv6EchoAndIcmpv4ErrorQuote) {
    Bytes e = ipv6_icmp({.source = v6("2001:db8:a::2"), .destination = v6("2001:db8:0:1::1")},
                        {.type = w::icmp::v6_echo_request, .identifier = 9, .sequence = 3, .body = text_bytes("x")});
    Decoded d6 = decode(e);
    EXPECT_TRUE(d6.problems.empty()) << describe(d6);
    ASSERT_TRUE(d6.ipv6 && d6.ipv6->icmpv6);
    EXPECT_EQ(d6.ipv6->icmpv6->icmp_identifier, 9);

    Bytes original = ipv4_udp({.source = net::host, .destination = net::server1},
                              {.source_port = 5002, .destination_port = 53, .payload = text_bytes("quoted")});
    Bytes error = ipv4_icmp({.source = v4("192.0.0.1"), .destination = net::host},
                            {.type = 3, .code = 1, .body = Bytes(original.begin(), original.begin() + 28)});
    Decoded d4 = decode(error);
    EXPECT_TRUE(d4.problems.empty()) << describe(d4);
    ASSERT_EQ(d4.ipv4->quoted.size(), 1u);
    EXPECT_EQ(d4.ipv4->quoted[0].l4.source_port, 5002);
    EXPECT_EQ(d4.ipv4->quoted[0].destination, net::server1);
}

// A quote holding the whole packet gets its transport checksum computed
// (not reported as a problem of the error); a quote cut short does not.
TEST(PacketDecoder, QuotedTransportChecksumOnlyWhenWhole) {
    Bytes original = ipv4_udp({.source = net::host, .destination = net::server1},
                              {.source_port = 5002, .destination_port = 53, .payload = text_bytes("quoted")});
    auto error_quoting = [](const Bytes& quote) {
        return ipv4_icmp({.source = v4("192.0.2.254"), .destination = net::host},
                         {.type = 3, .code = 1, .body = quote});
    };
    Decoded whole = decode(error_quoting(original));
    EXPECT_TRUE(whole.problems.empty()) << describe(whole);
    ASSERT_EQ(whole.ipv4->quoted.size(), 1u);
    EXPECT_TRUE(whole.ipv4->quoted[0].l4.checksum_checked);
    EXPECT_TRUE(whole.ipv4->quoted[0].l4.checksum_ok);

    Bytes wrong = original;
    wrong[20 + w::l4::source_port + 1]++;  // port changed without the UDP checksum
    Decoded bad = decode(error_quoting(wrong));
    EXPECT_TRUE(bad.problems.empty()) << "the error itself is fine: " << describe(bad);
    ASSERT_EQ(bad.ipv4->quoted.size(), 1u);
    EXPECT_TRUE(bad.ipv4->quoted[0].l4.checksum_checked);
    EXPECT_FALSE(bad.ipv4->quoted[0].l4.checksum_ok);

    Decoded cut = decode(error_quoting(Bytes(wrong.begin(), wrong.begin() + 28)));
    EXPECT_TRUE(cut.problems.empty()) << describe(cut);
    ASSERT_EQ(cut.ipv4->quoted.size(), 1u);
    EXPECT_FALSE(cut.ipv4->quoted[0].l4.checksum_checked);
}

TEST(PacketDecoder, ReportsEveryCorruption) {
    const Bytes good = ipv4_udp({.source = net::host, .destination = net::server1},
                                {.source_port = 5000, .destination_port = 53, .payload = text_bytes("payload")});
    EXPECT_TRUE(decode(good).problems.empty());

    Bytes ttl = good;
    ttl[w::ipv4::ttl]--;  // header changed without its checksum
    EXPECT_FALSE(decode(ttl).problems.empty());

    Bytes port = good;
    port[20 + w::l4::source_port + 1]++;  // ports changed without the UDP checksum
    EXPECT_FALSE(decode(port).problems.empty());

    Bytes padded = good;
    padded.push_back(0);  // trailing bytes past the total length
    EXPECT_FALSE(decode(padded).problems.empty());

    Bytes zero =
        ipv4_udp({.source = net::host, .destination = net::server1},
                 {.source_port = 5000, .destination_port = 53, .payload = text_bytes("z"), .zero_checksum = true});
    EXPECT_TRUE(decode(zero).problems.empty()) << "a zero UDP checksum means none";

    Bytes tunnelled = softwire({.source = v6("2001:db8:a::2"), .destination = v6("2001:db8:0:1::1")}, good);
    tunnelled.pop_back();
    EXPECT_FALSE(decode(tunnelled).problems.empty());

    Bytes icmp = ipv4_icmp({.source = net::host, .destination = net::server1}, {.type = 8, .identifier = 1});
    icmp[20 + w::icmp::identifier] ^= 1;
    EXPECT_FALSE(decode(icmp).problems.empty());
}

TEST(PacketDecoder, SurvivesEveryTruncationAndGarbage) {
    Bytes p = softwire({.source = v6("2001:db8:a::2"), .destination = v6("2001:db8:0:1::1"), .encapsulation_limit = 4},
                       ipv4_tcp({.source = net::host, .destination = net::server1},
                                {.source_port = 1, .destination_port = 2, .flags = w::tcp::syn}));
    for (std::size_t n = 0; n < p.size(); ++n) {
        Decoded d = decode(std::span(p).first(n));
        EXPECT_FALSE(d.problems.empty()) << n;
    }
    std::srand(1);
    for (int i = 0; i < 2000; ++i) {
        Bytes junk(static_cast<std::size_t>(std::rand() % 120));
        for (auto& b : junk) b = static_cast<std::uint8_t>(std::rand());
        if (!junk.empty()) junk[0] = static_cast<std::uint8_t>((i % 2 ? 0x40 : 0x60) | (junk[0] & 0x0f));
        (void)describe(decode(junk));
    }
}

// The fuzz harness's quick L4 checksum verdict says what decode() says, on
// packets of every shape it makes and on half a million mutations of them.
TEST(PacketDecoder, L4ChecksumAgreesWithDecode) {
    const auto by_decoding = [](std::span<const std::uint8_t> p) -> std::optional<bool> {
        const Decoded d = decode(p);
        const Ipv4Info* ip = d.ip4();
        if (!ip || !ip->header_checksum_ok || ip->total_length != ip->captured || !ip->l4.complete) return std::nullopt;
        if ((ip->flags_fragment & (w::ipv4::flag_mf | w::ipv4::offset_mask)) != 0) return std::nullopt;
        return ip->l4.checksum_ok;
    };
    const Ipv4Header v4h{.source = net::host, .destination = net::server1};
    const std::vector<Bytes> inner = {
        ipv4_udp(v4h, {.source_port = 1, .destination_port = 2, .payload = text_bytes("udp")}),
        ipv4_tcp(v4h, {.source_port = 1, .destination_port = 2, .flags = w::tcp::syn, .payload = text_bytes("t")}),
        ipv4_icmp(v4h, {.type = w::icmp::echo_request, .identifier = 7, .sequence = 1, .body = text_bytes("e")}),
        ipv4_packet(v4h, 47, text_bytes("gre")),
        [&] {  // UDP without a checksum (zero): right whatever the data
            Bytes p = ipv4_udp(v4h, {.source_port = 1, .destination_port = 2, .payload = text_bytes("no sum")});
            w::store16(&p[20 + w::udp::checksum], 0);
            return p;
        }(),
    };
    std::vector<Bytes> shapes = inner;
    for (const Bytes& ip : inner) {
        shapes.push_back(softwire({.source = net::b4_a, .destination = net::aftr}, ip));
        shapes.push_back(softwire({.source = net::b4_a, .destination = net::aftr, .encapsulation_limit = 4}, ip));
        // An atomic fragment (offset 0, no more), then the first of several.
        for (const Bytes& f :
             ipv6_fragments({.source = net::b4_a, .destination = net::aftr}, w::proto_ipv4, ip, 1280, 9))
            shapes.push_back(f);
        shapes.push_back(ipv6_fragment({.source = net::b4_a, .destination = net::aftr}, w::proto_ipv4, 9, 0, true, ip));
    }
    std::mt19937 random(7);
    std::size_t compared = 0, with_verdict = 0;
    for (const Bytes& shape : shapes) {
        for (int i = 0; i < 20000; ++i) {
            Bytes p = shape;
            for (int edits = 1 + static_cast<int>(random() % 3); edits > 0 && !p.empty(); --edits) {
                switch (random() % 4) {
                case 0: p[random() % p.size()] ^= static_cast<std::uint8_t>(1u << (random() % 8)); break;
                case 1: p[random() % p.size()] = static_cast<std::uint8_t>(random()); break;
                case 2: p.resize(random() % (p.size() + 1)); break;
                default: break;  // unchanged: the well-formed shape itself
                }
            }
            const auto expected = by_decoding(p);
            ASSERT_EQ(l4_checksum_verdict(p), expected) << describe(decode(p));
            ++compared;
            with_verdict += expected.has_value();
        }
    }
    EXPECT_GT(with_verdict, compared / 10) << "most mutations must still reach a transport checksum";
}

TEST(PacketBuilder, EthernetFramesArePaddedToTheMinimum) {
    Bytes small =
        ipv4_udp({.source = net::host, .destination = net::server1}, {.source_port = 1, .destination_port = 2});
    Bytes f = ethernet_frame(small);
    EXPECT_EQ(f.size(), 60u);
    EXPECT_EQ(w::load16(&f[12]), 0x0800);
    EXPECT_TRUE(std::equal(small.begin(), small.end(), f.begin() + 14));
}

TEST(PcapFile, WritesAndReadsBack) {
    TempDir dir;
    Capture c{dlt_raw, {{1'700'000'000'123'456, {0x45, 1, 2}}, {1'700'000'300'000'001, {0x60}}}};
    std::string error;
    ASSERT_TRUE(write_capture(dir.path() + "/x.pcap", c, error)) << error;
    auto back = read_capture(dir.path() + "/x.pcap", error);
    ASSERT_TRUE(back) << error;
    EXPECT_EQ(back->dlt, dlt_raw);
    ASSERT_EQ(back->records.size(), 2u);
    EXPECT_EQ(back->records[0].micros, c.records[0].micros);
    EXPECT_EQ(back->records[1].micros, c.records[1].micros);
    EXPECT_EQ(back->records[0].data, c.records[0].data);
    auto bytes = read_file(dir.path() + "/x.pcap");
    ASSERT_TRUE(bytes && bytes->size() >= 24);
    EXPECT_EQ((*bytes)[20], 101) << "LINKTYPE_RAW in the file header";
}

TEST(CountersJson, ParsesFlatObjectsAndRefusesOthers) {
    std::string error;
    auto v = parse_counters_json(" {\"a\": 1, \"b_c\":20}\n", error);
    ASSERT_TRUE(v) << error;
    EXPECT_EQ(v->at("a"), 1u);
    EXPECT_EQ(v->at("b_c"), 20u);
    EXPECT_TRUE(parse_counters_json("{}", error));
    EXPECT_FALSE(parse_counters_json("{\"a\": 1,}", error));
    EXPECT_FALSE(parse_counters_json("{\"a\": -1}", error));
    EXPECT_FALSE(parse_counters_json("{\"a\": 1, \"a\": 2}", error));
    EXPECT_FALSE(parse_counters_json("[1]", error));
}

}  // namespace
}  // namespace dslite::test
