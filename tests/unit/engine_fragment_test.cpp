// SPDX-License-Identifier: BSD-2-Clause
// Softwire MTU, fragments and ICMPv6 from the path (issue: "Softwire MTU,
// fragmentation and ICMP"). Fragments are split and joined here by the test's
// own code, independent of the engine's.
#include <algorithm>
#include <map>

#include "dslite/checksum.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

namespace w = wire;

// Splits an IPv4 packet (20-byte header) into fragments of at most `mtu`.
std::vector<Bytes> split_ipv4(const Bytes& ip, std::size_t mtu) {
    std::vector<Bytes> out;
    const std::size_t payload = ip.size() - 20, chunk = (mtu - 20) / 8 * 8;
    for (std::size_t off = 0; off < payload; off += chunk) {
        const std::size_t len = std::min(chunk, payload - off);
        Bytes f(ip.begin(), ip.begin() + 20);
        f.insert(f.end(), ip.begin() + 20 + off, ip.begin() + 20 + off + len);
        w::store16(f.data() + 2, static_cast<std::uint16_t>(20 + len));
        w::store16(f.data() + 6, static_cast<std::uint16_t>(off / 8 | (off + len < payload ? w::ipv4::flag_mf : 0)));
        refresh_ipv4_header_checksum(f);
        out.push_back(f);
    }
    return out;
}

// Puts IPv4 fragments back together (any order), or returns nothing.
std::optional<Bytes> join_ipv4(std::vector<Bytes> frags) {
    std::sort(frags.begin(), frags.end(), [](const Bytes& a, const Bytes& b) {
        return (w::load16(a.data() + 6) & 0x1fff) < (w::load16(b.data() + 6) & 0x1fff);
    });
    Bytes whole(frags[0].begin(), frags[0].begin() + 20);
    for (const auto& f : frags) {
        if ((w::load16(f.data() + 6) & 0x1fff) * 8u != whole.size() - 20) return std::nullopt;
        whole.insert(whole.end(), f.begin() + 20, f.begin() + w::load16(f.data() + 2));
    }
    if (w::load16(frags.back().data() + 6) & w::ipv4::flag_mf) return std::nullopt;
    w::store16(whole.data() + 2, static_cast<std::uint16_t>(whole.size()));
    w::store16(whole.data() + 6, 0);
    refresh_ipv4_header_checksum(whole);
    return whole;
}

// IPv6 fragments of a softwire packet, each at most `mtu` bytes.
std::vector<Bytes> split_ipv6(const Bytes& packet, std::size_t mtu, std::uint32_t id) {
    std::vector<Bytes> out;
    const std::size_t payload = packet.size() - 40, chunk = (mtu - 48) / 8 * 8;
    for (std::size_t off = 0; off < payload; off += chunk) {
        const std::size_t len = std::min(chunk, payload - off);
        Bytes f(packet.begin(), packet.begin() + 40);
        f[6] = 44;
        w::store16(f.data() + 4, static_cast<std::uint16_t>(8 + len));
        Bytes fh(8, 0);
        fh[0] = packet[6];
        w::store16(fh.data() + 2, static_cast<std::uint16_t>(off | (off + len < payload ? 1 : 0)));
        w::store32(fh.data() + 4, id);
        f.insert(f.end(), fh.begin(), fh.end());
        f.insert(f.end(), packet.begin() + 40 + off, packet.begin() + 40 + off + len);
        out.push_back(f);
    }
    return out;
}

// Joins IPv6 fragments (any order) into the IPv6 packet they came from.
std::optional<Bytes> join_ipv6(std::vector<Bytes> frags) {
    for (const auto& f : frags)
        if (f.size() < 48 || f[6] != 44) return std::nullopt;
    std::sort(frags.begin(), frags.end(), [](const Bytes& a, const Bytes& b) {
        return (w::load16(a.data() + 42) & 0xfff8) < (w::load16(b.data() + 42) & 0xfff8);
    });
    Bytes whole(frags[0].begin(), frags[0].begin() + 40);
    whole[6] = frags[0][40];
    for (const auto& f : frags) {
        if ((w::load16(f.data() + 42) & 0xfff8) != whole.size() - 40) return std::nullopt;
        if (w::load32(f.data() + 44) != w::load32(frags[0].data() + 44)) return std::nullopt;
        whole.insert(whole.end(), f.begin() + 48, f.end());
    }
    if (w::load16(frags.back().data() + 42) & 1) return std::nullopt;
    w::store16(whole.data() + 4, static_cast<std::uint16_t>(whole.size() - 40));
    return whole;
}

Bytes big_udp(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport, std::size_t payload,
              bool df = false) {
    Ipv4Header h;
    h.source = src;
    h.destination = dst;
    h.identification = 0x1234;
    h.dont_fragment = df;
    Bytes body(payload);
    for (std::size_t i = 0; i < payload; ++i) body[i] = static_cast<std::uint8_t>(i * 7);
    return ipv4_udp(h, UdpDatagram{sport, dport, body, false});
}

class FragmentTest : public EngineTest {
protected:
    Bytes softwire_of(const Ipv6Address& b4, const Bytes& ipv4) {
        Ipv6Header h;
        h.source = b4;
        h.destination = net::aftr;
        return softwire(h, ipv4);
    }
    // What the B4 receives for one engine call: the in-place packet plus the
    // emitted fragments, reassembled.
    std::optional<Bytes> to_b4_joined(const Out& out) {
        std::vector<Bytes> frags;
        for (auto& [side, bytes] : extra.packets)
            if (side == Side::b4) frags.push_back(bytes);
        extra.packets.clear();
        if (frags.empty()) return out.bytes;
        frags.push_back(out.bytes);
        for (const auto& f : frags) EXPECT_LE(f.size(), engine->config().tunnel_mtu);
        return join_ipv6(frags);
    }
};

TEST_F(FragmentTest, SoftwireFragmentsAreReassembledInAnyOrder) {
    // 1368 bytes over a 1280-byte IPv6 path; the inner 1328 fits the uplink.
    const Bytes whole = softwire_of(net::b4_a, big_udp(net::host, 5000, net::server1, 53, 1300));
    for (bool reversed : {false, true}) {
        auto frags = split_ipv6(whole, 1280, reversed ? 7 : 8);
        ASSERT_EQ(frags.size(), 2u);
        if (reversed) std::reverse(frags.begin(), frags.end());
        EXPECT_EQ(run(Side::b4, frags[0], 0).verdict, Verdict::drop);
        auto out = run(Side::b4, frags[1], 0);
        ASSERT_EQ(out.verdict, Verdict::to_uplink);
        EXPECT_EQ(out.decoded.ipv4->l4.payload.size(), 1300u);
        EXPECT_TRUE(out.decoded.ipv4->l4.checksum_ok);
    }
    EXPECT_EQ(count(Counter::held_fragments), 2u);
    expect_balanced();
}

TEST_F(FragmentTest, ALostFragmentGivesNothingAndTimesOut) {
    auto frags = split_ipv6(softwire_of(net::b4_a, big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, 9);
    EXPECT_EQ(run(Side::b4, frags[0], 0).verdict, Verdict::drop);
    EXPECT_EQ(engine->binding_count(), 0u);
    run(Side::b4, softwire_of(net::b4_b, udp(net::host, 1, net::server1, 2)), 11);  // time passes
    EXPECT_EQ(count(Counter::fragment_datagrams_expired), 1u);
    // The second fragment alone, after the timeout, starts a new datagram that never completes.
    EXPECT_EQ(run(Side::b4, frags[1], 12).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::out_uplink_packets), 1u);
    expect_balanced();
}

TEST_F(FragmentTest, InnerFragmentsFromAHostAreTranslatedAndRefragmentedForTheUplink) {
    // An 8000-byte UDP datagram the host fragmented at its 1460-byte MTU, sent last-first.
    auto frags = split_ipv4(big_udp(net::host, 5000, net::server1, 7, 8000), 1460);
    std::reverse(frags.begin(), frags.end());
    Out last{};
    for (const auto& f : frags) last = run(Side::b4, softwire_of(net::b4_a, f), 0, false);
    ASSERT_EQ(last.verdict, Verdict::to_uplink);
    std::vector<Bytes> up{last.bytes};
    for (auto& [side, bytes] : extra.packets) {
        EXPECT_EQ(side, Side::uplink);
        up.push_back(bytes);
    }
    for (const auto& f : up) EXPECT_LE(f.size(), 1500u);
    auto whole = join_ipv4(up);
    ASSERT_TRUE(whole);
    const auto d = decode(*whole);
    EXPECT_TRUE(d.problems.empty()) << describe(d);
    EXPECT_EQ(d.ipv4->l4.payload.size(), 8000u);
    EXPECT_TRUE(parse_ipv4_prefix("198.51.100.0/28")->contains(d.ipv4->source));
    EXPECT_EQ(engine->binding_count(), 1u);
    expect_balanced();
}

TEST_F(FragmentTest, BigRepliesReachTheB4AsIpv6FragmentsAndDfGets3_4) {
    auto first = run(Side::b4, softwire_of(net::b4_a, udp(net::host, 5000, net::server1, 7)), 0);
    const auto pub = first.decoded.ipv4->source;
    const auto port = first.decoded.ipv4->l4.source_port;
    // 8000 bytes from the server, fragmented on its 1500-byte link, out of order.
    auto frags = split_ipv4(big_udp(net::server1, 7, pub, port, 8000), 1500);
    std::swap(frags[0], frags[3]);
    Out last{};
    for (const auto& f : frags) last = run(Side::uplink, f, 1, false);
    ASSERT_EQ(last.verdict, Verdict::to_b4);
    auto joined = to_b4_joined(last);
    ASSERT_TRUE(joined);
    const auto d = decode(*joined);
    EXPECT_TRUE(d.problems.empty()) << describe(d);
    EXPECT_EQ(d.ipv6->destination, net::b4_a);
    EXPECT_EQ(d.ipv6->inner->destination, net::host);
    EXPECT_EQ(d.ipv6->inner->l4.payload.size(), 8000u);

    // A 1500-byte DF=1 packet does not fit 1500 - 40: 3/4 with 1460 to the sender (row 34).
    auto df = run(Side::uplink, big_udp(net::server1, 7, pub, port, 1472, true), 2);
    ASSERT_EQ(df.verdict, Verdict::to_uplink);
    EXPECT_EQ(df.decoded.ipv4->source, pub);
    EXPECT_EQ(df.decoded.ipv4->destination, net::server1);
    EXPECT_EQ(df.decoded.ipv4->l4.icmp_type, 3);
    EXPECT_EQ(df.decoded.ipv4->l4.icmp_code, 4);
    EXPECT_EQ(w::load16(df.bytes.data() + 20 + 6), 1460);
    // DF=0, 1500 bytes: two IPv6 fragments, inner packet whole (row 4).
    auto nodf = run(Side::uplink, big_udp(net::server1, 7, pub, port, 1472, false), 3, false);
    auto j = to_b4_joined(nodf);
    ASSERT_TRUE(j);
    EXPECT_EQ(decode(*j).ipv6->inner->total_length, 1500);
    expect_balanced();
}

TEST_F(FragmentTest, PacketTooBigLowersTheTunnelMtuAndRelays3_4) {
    auto first = run(Side::b4, softwire_of(net::b4_a, udp(net::host, 5000, net::server1, 7)), 0);
    const auto pub = first.decoded.ipv4->source;
    const auto port = first.decoded.ipv4->l4.source_port;
    auto sent = run(Side::uplink, big_udp(net::server1, 7, pub, port, 1400, true), 1);  // 1428 + 40 fits 1500
    ASSERT_EQ(sent.verdict, Verdict::to_b4);
    // A router on the IPv6 path says 1400.
    Ipv6Header h;
    h.source = v6("2001:db8:ff:1::1");
    h.destination = net::aftr;
    IcmpMessage ptb{2, 0, 0, 1400, Bytes(sent.bytes.begin(), sent.bytes.begin() + 1232)};
    auto relayed = run(Side::b4, ipv6_icmp(h, ptb), 2);
    ASSERT_EQ(relayed.verdict, Verdict::to_uplink);
    const auto& e = *relayed.decoded.ipv4;
    EXPECT_EQ(e.destination, net::server1);
    EXPECT_EQ(e.source, pub);
    EXPECT_EQ(e.l4.icmp_code, 4);
    EXPECT_EQ(w::load16(relayed.bytes.data() + 20 + 6), 1360);
    ASSERT_EQ(e.quoted.size(), 1u);
    EXPECT_EQ(e.quoted[0].destination, pub);  // the server sees its own packet
    EXPECT_EQ(e.quoted[0].l4.destination_port, port);
    EXPECT_EQ(count(Counter::tunnel_mtu_lowered), 1u);
    // Now DF=0 packets to that B4 are cut at 1400 (row 33).
    auto next = run(Side::uplink, big_udp(net::server1, 7, pub, port, 1400, false), 3, false);
    ASSERT_EQ(next.verdict, Verdict::to_b4);
    EXPECT_LE(next.bytes.size(), 1400u);
    ASSERT_TRUE(to_b4_joined(next));
    // A later, larger PTB cannot raise it again, and relays what is in force.
    IcmpMessage ptb_bigger{2, 0, 0, 1450, Bytes(sent.bytes.begin(), sent.bytes.begin() + 1232)};
    auto again = run(Side::b4, ipv6_icmp(h, ptb_bigger), 3);
    ASSERT_EQ(again.verdict, Verdict::to_uplink);
    EXPECT_EQ(w::load16(again.bytes.data() + 20 + 6), 1360);
    EXPECT_EQ(count(Counter::tunnel_mtu_lowered), 1u);
    // Other ICMPv6 errors about a softwire packet: 3/1 to the sender (row 36).
    IcmpMessage te{3, 0, 0, 0, Bytes(sent.bytes.begin(), sent.bytes.begin() + 100)};
    auto unreachable = run(Side::b4, ipv6_icmp(h, te), 4);
    ASSERT_EQ(unreachable.verdict, Verdict::to_uplink);
    EXPECT_EQ(unreachable.decoded.ipv4->l4.icmp_type, 3);
    EXPECT_EQ(unreachable.decoded.ipv4->l4.icmp_code, 1);
    expect_balanced();
}

TEST_F(FragmentTest, NoRoomForAFragmentHeaderIsADropNotACorruptPacket) {
    auto first = run(Side::b4, softwire_of(net::b4_a, udp(net::host, 5000, net::server1, 7)), 0);
    const Bytes big = big_udp(net::server1, 7, first.decoded.ipv4->source, first.decoded.ipv4->l4.source_port, 1472);
    // A driver that leaves room for the IPv6 header only.
    std::vector<std::uint8_t> storage(40 + big.size() + 64);
    std::copy(big.begin(), big.end(), storage.begin() + 40);
    Packet p(storage, 40, big.size());
    EXPECT_EQ(engine->from_uplink(p, std::chrono::seconds(1'700'000'001), extra), Verdict::drop);
    EXPECT_EQ(count(Counter::drop_no_headroom), 1u);
    EXPECT_TRUE(extra.packets.empty());
    expect_balanced();
}

TEST_F(FragmentTest, TooBigForTheUplinkWithDfAnswers3_4ToTheHost) {
    make_with([](EngineConfig& c) { c.uplink_mtu = 1400; });
    auto out = run(Side::b4, softwire_of(net::b4_a, big_udp(net::host, 5000, net::server1, 7, 1422, true)), 0);
    ASSERT_EQ(out.verdict, Verdict::to_b4);
    const auto& e = *out.decoded.ipv6->inner;
    EXPECT_EQ(e.source, v4("192.0.0.1"));
    EXPECT_EQ(e.destination, net::host);
    EXPECT_EQ(e.l4.icmp_code, 4);
    EXPECT_EQ(w::load16(out.bytes.data() + 40 + 20 + 6), 1400);
}

TEST_F(FragmentTest, FloodsOfIncompleteDatagramsDoNotHurtOthers) {
    make_with([](EngineConfig& c) {
        c.reassembly.slots = 8;
        c.reassembly.per_owner = 4;
    });
    // B4 a opens many datagrams it never completes: only 4 slots are its.
    for (std::uint32_t id = 0; id < 20; ++id)
        run(Side::b4, split_ipv6(softwire_of(net::b4_a, big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, id)[0],
            0);
    EXPECT_EQ(count(Counter::held_fragments), 4u);
    EXPECT_EQ(count(Counter::drop_fragment_owner_limit), 16u);
    // B4 b still gets its fragmented datagram through.
    auto frags = split_ipv6(softwire_of(net::b4_b, big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, 99);
    run(Side::b4, frags[1], 1);
    EXPECT_EQ(run(Side::b4, frags[0], 1).verdict, Verdict::to_uplink);
    // Overlapping fragments discard the datagram (RFC 5722).
    auto o = split_ipv6(softwire_of(net::b4_b, big_udp(net::host, 6000, net::server1, 53, 3000)), 1280, 100);
    run(Side::b4, o[0], 2);
    EXPECT_EQ(run(Side::b4, o[0], 2).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_fragment_overlap), 1u);
    expect_balanced();
}

// RFC 6333 2.2 [row 18]: with the access path sized for the IPv6 header
// (tunnel MTU 1540), a full 1500-byte IPv4 packet goes whole, both ways.
TEST_F(FragmentTest, ATunnelMtuOf1540CarriesFull1500BytePacketsWhole) {
    make_with([](EngineConfig& c) { c.tunnel_mtu = 1540; });
    const Bytes up = big_udp(net::host, 5000, net::server1, 53, 1500 - 28);
    auto out = run(Side::b4, softwire_of(net::b4_a, up), 0);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    EXPECT_EQ(out.bytes.size(), 1500u);
    const Bytes down =
        big_udp(net::server1, 53, out.decoded.ip4()->source, out.decoded.ip4()->l4.source_port, 1500 - 28);
    auto back = run(Side::uplink, down, 1);
    ASSERT_EQ(back.verdict, Verdict::to_b4);
    EXPECT_EQ(back.bytes.size(), 1540u);
    EXPECT_TRUE(extra.packets.empty()) << "fragmented";
    EXPECT_EQ(count(Counter::sent_fragments), 0u);
}

// When every slot is taken, a new datagram is refused, not an old one evicted.
TEST_F(FragmentTest, ANewDatagramFindsNoSlotWhenAllAreTaken) {
    make_with([](EngineConfig& c) {
        c.reassembly.slots = 8;
        c.reassembly.per_owner = 4;
    });
    for (const auto& b4 : {net::b4_a, net::b4_b})
        for (std::uint32_t id = 0; id < 4; ++id)
            run(Side::b4, split_ipv6(softwire_of(b4, big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, id)[0],
                0);
    EXPECT_EQ(count(Counter::held_fragments), 8u);
    const auto third =
        split_ipv6(softwire_of(v6("2001:db8:c::2"), big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, 7);
    EXPECT_EQ(run(Side::b4, third[0], 0).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_fragment_no_slot), 1u);
    EXPECT_EQ(count(Counter::drop_fragment_owner_limit), 0u);
    // The held ones still complete.
    const auto first = split_ipv6(softwire_of(net::b4_a, big_udp(net::host, 5000, net::server1, 53, 2000)), 1280, 0);
    EXPECT_EQ(run(Side::b4, first[1], 1).verdict, Verdict::to_uplink);
    expect_balanced();
}

TEST_F(FragmentTest, MssIsClampedOnSynsBothWays) {
    make_with([](EngineConfig& c) { c.mss_clamp = 1400; });
    Ipv4Header h;
    h.source = net::host;
    h.destination = net::server1;
    TcpSegment syn;
    syn.source_port = 40000;
    syn.destination_port = 80;
    syn.flags = w::tcp::syn;
    Bytes pkt = ipv4_tcp(h, syn);
    // Add an MSS option of 1460 by hand: data offset 6.
    Bytes opt = {2, 4, 0x05, 0xb4};
    pkt.insert(pkt.begin() + 40, opt.begin(), opt.end());
    pkt[32] = 0x60;
    w::store16(pkt.data() + 2, static_cast<std::uint16_t>(pkt.size()));
    refresh_ipv4_header_checksum(pkt);
    w::store16(pkt.data() + 36, 0);
    const std::uint32_t pseudo =
        pseudo_header_ipv4(pkt.data() + 12, pkt.data() + 16, 6, static_cast<std::uint16_t>(pkt.size() - 20));
    w::store16(pkt.data() + 36, checksum({pkt.data() + 20, pkt.size() - 20}, pseudo));
    auto out = run(Side::b4, softwire_of(net::b4_a, pkt), 0);
    ASSERT_EQ(out.verdict, Verdict::to_uplink);
    EXPECT_TRUE(out.decoded.ipv4->l4.checksum_ok);
    EXPECT_EQ(w::load16(out.bytes.data() + 20 + 22), 1400);
    EXPECT_EQ(count(Counter::mss_clamped), 1u);
}

}  // namespace
}  // namespace dslite::test

namespace dslite::test {
namespace {

TEST_F(FragmentTest, FragmentsFromARefusedSourceHoldNoReassemblySlot) {
    auto frags = split_ipv4(big_udp(v4("203.0.113.5"), 5000, net::server1, 7, 3000), 1460);
    for (const auto& f : frags) EXPECT_EQ(run(Side::b4, softwire_of(net::b4_a, f), 0, false).verdict, Verdict::drop);
    EXPECT_EQ(count(Counter::drop_inner_bad_source), frags.size());
    EXPECT_EQ(count(Counter::held_fragments), 0u);
    expect_balanced();
}

}  // namespace
}  // namespace dslite::test
