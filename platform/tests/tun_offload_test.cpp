// SPDX-License-Identifier: BSD-2-Clause
// TUN offloads without a TUN: cutting super-packets as TSO/USO would, and
// joining segments as GRO would. Every segment is checked by the test
// decoder (tests/support), which recomputes checksums from scratch; a join
// is checked by cutting it again and comparing with what went in.
#include "platform/linux/tun_offload.hpp"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <tuple>

#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"
#include "support/packet_builder.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::platform::offload {
namespace {

using test::Bytes;
namespace w = wire;

Bytes pattern(std::size_t n, std::uint8_t seed = 0) {
    Bytes b(n);
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 7 + seed + i / 251);
    return b;
}

const Bytes kTimestamps = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};  // NOP NOP TS

// Cuts `super` with `header` into fresh buffers; empty if start() refused it.
std::vector<Bytes> cut_all(const VnetHeader& header, const Bytes& super) {
    Segmenter s;
    if (!s.start(header, super)) return {};
    std::vector<Bytes> out;
    PacketBuffer buffer;
    while (!s.done()) {
        Packet slot = buffer.packet(kMaxPacket);
        EXPECT_TRUE(s.cut(slot));
        out.emplace_back(slot.bytes().begin(), slot.bytes().end());
    }
    EXPECT_EQ(out.size(), s.count());
    return out;
}

Bytes tcp4(std::uint32_t seq, std::size_t payload, std::uint8_t flags = w::tcp::ack, std::uint16_t id = 100,
           std::uint16_t source_port = 40000, std::uint8_t seed = 0) {
    test::Ipv4Header ip{test::v4("192.0.2.1"), test::v4("203.0.113.9")};
    ip.identification = id;
    ip.dont_fragment = true;
    test::TcpSegment t{source_port, 443, seq, 77, flags};
    t.window = 500;
    t.options = kTimestamps;
    t.payload = pattern(payload, seed);
    return test::ipv4_tcp(ip, t);
}

TEST(TunOffload, VnetHeaderIsTheKernelsLayout) {
    const VnetHeader h{VnetHeader::kNeedsChecksum, VnetHeader::kGsoTcpv4, 54, 1448, 20, 16};
    std::uint8_t bytes[VnetHeader::kSize];
    h.store(bytes);
    EXPECT_EQ(bytes[0], 1);
    EXPECT_EQ(bytes[1], 1);
    std::uint16_t gso_size;
    std::memcpy(&gso_size, bytes + 4, 2);  // struct virtio_net_hdr: native order
    EXPECT_EQ(gso_size, 1448);
    EXPECT_EQ(VnetHeader::load(bytes), h);
}

// As a NIC's TSO: sequence numbers advance by the segment size, PSH and FIN
// only on the last segment, CWR only on the first, identifications count
// up, every checksum and length right.
TEST(TunOffload, CutsATcpOverIpv4SuperPacketAsTsoWould) {
    const Bytes super = tcp4(1000, 10000, w::tcp::ack | w::tcp::psh | w::tcp::fin | w::tcp::cwr);
    const VnetHeader h{VnetHeader::kNeedsChecksum, VnetHeader::kGsoTcpv4 | VnetHeader::kGsoEcn, 52, 1448, 20, 16};
    const auto segments = cut_all(h, super);
    ASSERT_EQ(segments.size(), 7u);  // 6 x 1448 + 1312
    Bytes payload;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const test::Decoded d = test::decode(segments[i]);
        ASSERT_TRUE(d.ipv4) << test::describe(d);
        EXPECT_TRUE(d.problems.empty()) << i << ": " << test::describe(d);
        const auto& ip = *d.ipv4;
        EXPECT_TRUE(ip.l4.checksum_ok) << i;
        EXPECT_TRUE(ip.header_checksum_ok) << i;
        EXPECT_EQ(ip.total_length, segments[i].size());
        EXPECT_EQ(ip.identification, 100 + i);
        EXPECT_EQ(ip.l4.seq, 1000 + i * 1448);
        EXPECT_EQ(ip.l4.ack, 77u);
        const bool last = i + 1 == segments.size();
        EXPECT_EQ(ip.l4.tcp_flags, w::tcp::ack | (last ? w::tcp::psh | w::tcp::fin : 0) | (i == 0 ? w::tcp::cwr : 0))
            << i;
        EXPECT_EQ(ip.l4.payload.size(), last ? 10000 - 6 * 1448 : 1448u);
        EXPECT_EQ(Bytes(segments[i].begin() + 40, segments[i].begin() + 52), kTimestamps) << "options on every segment";
        payload.insert(payload.end(), ip.l4.payload.begin(), ip.l4.payload.end());
    }
    EXPECT_EQ(payload, pattern(10000));
}

// IPv6 has no identification; the payload length is per segment. The test
// decoder takes IPv6 only as a softwire, so the sum is checked here, the
// plain RFC 1071 way.
TEST(TunOffload, CutsATcpOverIpv6SuperPacket) {
    test::TcpSegment t{40000, 443, 5, 9, w::tcp::ack | w::tcp::psh};
    t.payload = pattern(3000);
    const Bytes tcp_bytes = [&] {
        Bytes v4 = test::ipv4_tcp({test::v4("192.0.2.1"), test::v4("203.0.113.9")}, t);
        return Bytes(v4.begin() + 20, v4.end());  // the TCP header and payload; its sum is redone below
    }();
    const Bytes super = test::ipv6_packet({test::v6("2001:db8::1"), test::v6("2001:db8::2")}, w::proto_tcp, tcp_bytes);
    const auto segments = cut_all({0, VnetHeader::kGsoTcpv6, 60, 1400, 40, 16}, super);
    ASSERT_EQ(segments.size(), 3u);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const Bytes& s = segments[i];
        EXPECT_EQ(w::load16(s.data() + 4), s.size() - 40);
        EXPECT_EQ(w::load32(s.data() + 40 + 4), 5 + i * 1400);
        EXPECT_EQ(s[40 + 13], w::tcp::ack | (i == 2 ? w::tcp::psh : 0));
        std::uint64_t sum = 0;
        for (std::size_t k = 8; k < 40; k += 2) sum += w::load16(s.data() + k);  // addresses
        sum += w::proto_tcp + (s.size() - 40);
        for (std::size_t k = 40; k < s.size(); k += 2) sum += k + 1 < s.size() ? w::load16(s.data() + k) : s[k] << 8;
        while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
        EXPECT_EQ(sum, 0xffffu) << "segment " << i << " checksum";
    }
}

TEST(TunOffload, CutsAUdpSuperPacketAsUsoWould) {
    test::Ipv4Header ip{test::v4("192.0.2.1"), test::v4("203.0.113.9")};
    ip.identification = 7;
    const Bytes data = pattern(4000);
    const Bytes super = test::ipv4_udp(ip, {5000, 53, data});
    const auto segments = cut_all({VnetHeader::kNeedsChecksum, VnetHeader::kGsoUdpL4, 28, 1000, 20, 6}, super);
    ASSERT_EQ(segments.size(), 4u);
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const test::Decoded d = test::decode(segments[i]);
        ASSERT_TRUE(d.ipv4) << test::describe(d);
        EXPECT_TRUE(d.problems.empty()) << test::describe(d);
        EXPECT_TRUE(d.ipv4->l4.checksum_ok);
        EXPECT_EQ(d.ipv4->identification, 7 + i);
        EXPECT_EQ(d.ipv4->l4.payload, Bytes(data.begin() + i * 1000, data.begin() + i * 1000 + 1000));
    }
}

TEST(TunOffload, RefusesSuperPacketsItCannotCut) {
    const Bytes tcp = tcp4(1, 3000);
    const Bytes udp = test::ipv4_udp({test::v4("192.0.2.1"), test::v4("203.0.113.9")}, {1, 2, pattern(3000)});
    Segmenter s;
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoTcpv4, 52, 1448, 20, 16}, udp)) << "TCP named, UDP inside";
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoTcpv6, 52, 1448, 20, 16}, tcp)) << "IPv6 named, IPv4 inside";
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoUdp, 28, 1448, 20, 6}, udp)) << "UFO (IP fragments) never asked for";
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoTcpv4, 52, 0, 20, 16}, tcp)) << "no segment size";
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoTcpv4, 52, 1448, 20, 16}, std::span(tcp).first(30))) << "cut header";
    Bytes fragment = tcp;
    w::store16(fragment.data() + w::ipv4::flags_fragment, w::ipv4::flag_mf);
    EXPECT_FALSE(s.start({0, VnetHeader::kGsoTcpv4, 52, 1448, 20, 16}, fragment));
    EXPECT_TRUE(s.start({0, VnetHeader::kGsoTcpv4, 52, 1448, 20, 16}, tcp));
}

// A packet the kernel left to us to checksum holds the pseudo-header sum in
// its field (NEEDS_CSUM); completing it makes it whole.
TEST(TunOffload, CompletesChecksumsTheKernelLeftOpen) {
    for (const bool is_tcp : {true, false}) {
        Bytes p = is_tcp ? tcp4(1, 333)
                         : test::ipv4_udp({test::v4("192.0.2.1"), test::v4("203.0.113.9")}, {1, 2, pattern(333)});
        const std::size_t field = 20 + (is_tcp ? 16 : 6);
        w::store16(p.data() + field, checksum_fold(pseudo_header_ipv4(p.data() + 12, p.data() + 16, p[9],
                                                                      static_cast<std::uint16_t>(p.size() - 20))));
        EXPECT_FALSE(test::decode(p).ipv4->l4.checksum_ok);
        ASSERT_TRUE(
            complete_checksum({VnetHeader::kNeedsChecksum, 0, 0, 0, 20, static_cast<std::uint16_t>(field - 20)}, p));
        const test::Decoded d = test::decode(p);
        EXPECT_TRUE(d.problems.empty()) << test::describe(d);
        EXPECT_TRUE(d.ipv4->l4.checksum_ok);
    }
    Bytes p = tcp4(1, 10);
    EXPECT_FALSE(complete_checksum({VnetHeader::kNeedsChecksum, 0, 0, 0, 60, 16}, p)) << "field past the end";
    const Bytes before = p;
    EXPECT_TRUE(complete_checksum({0, 0, 0, 0, 60, 16}, p)) << "nothing asked";
    EXPECT_EQ(p, before);
    // Offsets that fit a packet too short for an IP header (found by dslite-fuzz-offload).
    Bytes tiny = {0x45, 0, 0, 0, 0, 0, 0, 0};
    EXPECT_TRUE(complete_checksum({VnetHeader::kNeedsChecksum, 0, 0, 0, 0, 6}, tiny));
    EXPECT_EQ(w::load16(tiny.data() + 6), checksum(std::span(tiny).first(6)));
}

// What a write of `packets` puts on the wire, as the kernel would cut it:
// each planned group joined (or sent as it is), then cut again.
std::vector<Bytes> as_written(const std::vector<Bytes>& packets, std::size_t* group_count = nullptr) {
    std::vector<Packet> views;
    for (const Bytes& b : packets) views.emplace_back(std::span(const_cast<Bytes&>(b)), 0, b.size());
    std::vector<std::uint16_t> group_of(packets.size());
    Coalescer c;
    const std::size_t groups = c.plan(views, group_of);
    if (group_count) *group_count = groups;
    std::vector<Bytes> wire_out;
    for (std::size_t g = 0; g < groups; ++g) {
        std::vector<const Packet*> members;
        for (std::size_t i = 0; i < packets.size(); ++i)
            if (group_of[i] == g) members.push_back(&views[i]);
        EXPECT_FALSE(members.empty()) << "group " << g << " has no packet";
        if (members.size() == 1) {
            wire_out.push_back(Bytes(members[0]->bytes().begin(), members[0]->bytes().end()));
            continue;
        }
        PacketBuffer buffer;
        Packet joined = buffer.packet(kMaxPacket);
        VnetHeader h;
        EXPECT_TRUE(join(members, joined, h));
        EXPECT_LE(joined.size(), 65535u);
        EXPECT_EQ(h.flags, VnetHeader::kNeedsChecksum);
        EXPECT_EQ(h.gso_type, VnetHeader::kGsoTcpv4);
        EXPECT_EQ(h.csum_start, 20);
        EXPECT_EQ(h.csum_offset, 16);
        EXPECT_EQ(h.gso_size, members[0]->size() - h.hdr_len);
        // The super-packet itself is whole once its checksum is finished.
        Bytes whole(joined.bytes().begin(), joined.bytes().end());
        EXPECT_TRUE(complete_checksum(h, whole));
        const test::Decoded d = test::decode(whole);
        EXPECT_TRUE(d.problems.empty()) << test::describe(d);
        for (Bytes& s : cut_all(h, Bytes(joined.bytes().begin(), joined.bytes().end())))
            wire_out.push_back(std::move(s));
    }
    return wire_out;
}

using Flow = std::tuple<std::uint32_t, std::uint32_t, std::uint16_t, std::uint16_t, std::uint8_t>;
std::map<Flow, std::vector<Bytes>> by_flow(const std::vector<Bytes>& packets) {
    std::map<Flow, std::vector<Bytes>> flows;
    for (const Bytes& p : packets)
        flows[{w::load32(p.data() + 12), w::load32(p.data() + 16), w::load16(p.data() + 20), w::load16(p.data() + 22),
               p[9]}]
            .push_back(p);
    return flows;
}

TEST(TunOffload, JoinsOneFlowsSegmentsAndTheKernelGetsThemBack) {
    std::vector<Bytes> in;
    for (std::uint16_t i = 0; i < 20; ++i)
        in.push_back(tcp4(1000 + i * 1448u, 1448, w::tcp::ack | (i == 19 ? w::tcp::psh : 0),
                          static_cast<std::uint16_t>(100 + i)));
    std::size_t groups = 0;
    EXPECT_EQ(as_written(in, &groups), in) << "cut again, the same bytes";
    EXPECT_EQ(groups, 1u);
}

TEST(TunOffload, KeepsWhatCannotJoinApartAndInItsPlace) {
    struct Case {
        const char* name;
        std::vector<Bytes> packets;
        std::size_t groups;
    };
    const auto seg = [](std::size_t i, std::size_t payload = 1000, std::uint8_t flags = w::tcp::ack) {
        return tcp4(static_cast<std::uint32_t>(1 + i * 1000), payload, flags, static_cast<std::uint16_t>(100 + i));
    };
    Bytes bad = seg(2);
    bad.back() ^= 1;  // damaged on the way: must not come out with a fresh checksum
    Bytes other_ack = seg(2);
    w::store32(other_ack.data() + 20 + 8, 78);
    test::refresh_ipv4_header_checksum(other_ack);
    Bytes recount = seg(2);
    recount[20 + 16] = 0;  // wrong checksum
    const Bytes udp = test::ipv4_udp({test::v4("192.0.2.1"), test::v4("203.0.113.9")}, {1, 2, pattern(100)});
    Bytes no_df = seg(1);
    w::store16(no_df.data() + 6, 0);
    w::store16(no_df.data() + 4, 555);  // not the next identification, and no DF
    test::refresh_ipv4_header_checksum(no_df);
    // The checksum of a TCP segment covers no identification: no_df stays valid.
    const std::vector<Case> cases = {
        {"a gap in the sequence", {seg(0), seg(1), seg(3), seg(4)}, 2},
        {"out of order", {seg(1), seg(0)}, 2},
        {"a damaged segment", {seg(0), seg(1), bad, seg(3)}, 3},
        {"a wrong checksum", {seg(0), seg(1), recount}, 2},
        {"another ACK number", {seg(0), seg(1), other_ack}, 2},
        {"a short segment ends the group", {seg(0), seg(1, 500), seg(2)}, 2},
        {"PSH ends the group", {seg(0, 1000, w::tcp::ack | w::tcp::psh), seg(1)}, 2},
        {"a FIN stays alone", {seg(0), seg(1, 1000, w::tcp::ack | w::tcp::fin), seg(2)}, 3},
        {"a SYN stays alone", {seg(0, 1000, w::tcp::syn), seg(1)}, 2},
        {"a bare ACK in between", {seg(0), seg(1, 0), seg(1), seg(2)}, 3},
        {"UDP in between does not split TCP", {seg(0), udp, seg(1), seg(2)}, 2},
        {"an identification out of step without DF", {seg(0), no_df}, 2},
        {"no more than 64 KiB",
         [&] {
             std::vector<Bytes> v;
             for (std::size_t i = 0; i < 70; ++i) v.push_back(seg(i));
             return v;
         }(),
         2},
    };
    for (const Case& c : cases) {
        std::size_t groups = 0;
        const std::vector<Bytes> out = as_written(c.packets, &groups);
        EXPECT_EQ(groups, c.groups) << c.name;
        EXPECT_EQ(by_flow(out), by_flow(c.packets)) << c.name << ": each flow's packets, bytes and order";
        EXPECT_EQ(out.size(), c.packets.size()) << c.name;
    }
}

// Many flows interleaved, more than the coalescer keeps open, with gaps,
// pushes and damage at random: whatever is joined, each flow leaves with
// exactly its packets in its order, and the damaged ones as they came.
TEST(TunOffload, InterleavedFlowsEachKeepTheirOrder) {
    std::mt19937 rng(5);
    for (int round = 0; round < 200; ++round) {
        const std::size_t flows = 1 + rng() % (Coalescer::kFlows + 4);
        std::vector<std::uint32_t> seq(flows, 1);
        std::vector<std::uint16_t> id(flows, 0);
        std::vector<Bytes> in;
        for (std::size_t n = 0; n < 64; ++n) {
            const std::size_t f = rng() % flows;
            const std::size_t payload = rng() % 8 == 0 ? rng() % 1200 : 1200;
            const std::uint8_t flags = w::tcp::ack | (rng() % 10 == 0 ? w::tcp::psh : 0);
            if (rng() % 20 == 0) seq[f] += 5;  // a gap
            Bytes p = tcp4(seq[f], payload, flags, id[f]++, static_cast<std::uint16_t>(40000 + f),
                           static_cast<std::uint8_t>(n));
            if (rng() % 30 == 0) p[p.size() - 1] ^= 0x40;
            seq[f] += static_cast<std::uint32_t>(payload);
            in.push_back(std::move(p));
        }
        std::size_t groups = 0;
        const std::vector<Bytes> out = as_written(in, &groups);
        ASSERT_EQ(by_flow(out), by_flow(in)) << "round " << round;
        EXPECT_LE(groups, in.size());
    }
}

}  // namespace
}  // namespace dslite::platform::offload
