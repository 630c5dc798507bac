// SPDX-License-Identifier: BSD-2-Clause
// Engines side by side: who owns which packet, and that the engine a packet
// is steered to is the one holding (or about to make) its binding.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "dslite/fragment_steering.hpp"
#include "dslite/shares.hpp"
#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

Ipv6Address b4_number(unsigned n) {  // one B4 per /56, 2001:db8:N00::2
    Ipv6Address a = net::b4_a;
    a[4] = static_cast<std::uint8_t>(n >> 8);
    a[5] = static_cast<std::uint8_t>(n);
    a[6] = 0;
    return a;
}

Bytes from_b4_bytes(const Ipv6Address& b4, const Bytes& ipv4) {
    Ipv6Header h;
    h.source = b4;
    h.destination = net::aftr;
    return softwire(h, ipv4);
}

Bytes udp_packet(Ipv4Address src, std::uint16_t sport, Ipv4Address dst, std::uint16_t dport) {
    Ipv4Header h;
    h.source = src;
    h.destination = dst;
    return ipv4_udp(h, UdpDatagram{sport, dport, text_bytes("hello"), false});
}

const Ipv4Address kPublic = v4("198.51.100.3");

TEST(Shares, OneEngineKeepsTheConfigurationAsItIs) {
    const EngineConfig c = base_config();
    const Shares shares(c, 1);
    const EngineConfig one = shares.config_of(0);
    EXPECT_EQ(one.port_min, c.port_min);
    EXPECT_EQ(one.port_max, c.port_max);
    EXPECT_EQ(one.max_bindings, c.max_bindings);
    EXPECT_EQ(one.seed, c.seed);
    EXPECT_FALSE(one.pool_shared);
    EXPECT_EQ(shares.from_b4(from_b4_bytes(net::b4_a, udp_packet(net::host, 1, net::server1, 2))), Owner::of(0));
}

TEST(Shares, EachEngineGetsItsSliceAndItsPartOfTheTables) {
    EngineConfig c = base_config();
    c.max_bindings = 1000;
    c.max_subscribers = 100;
    const Shares shares(c, 3);
    std::set<std::uint64_t> seeds;
    std::uint32_t next = c.port_min;
    for (unsigned i = 0; i < 3; ++i) {
        const EngineConfig e = shares.config_of(i);
        EXPECT_FALSE(validate(e).has_value());
        EXPECT_EQ(e.port_min, next);
        next = e.port_max + 1u;
        EXPECT_TRUE(e.pool_shared);
        EXPECT_EQ(e.max_bindings, 334u);
        EXPECT_EQ(e.max_subscribers, 34u);
        seeds.insert(e.seed);
    }
    EXPECT_EQ(next, c.port_max + 1u);
    EXPECT_EQ(seeds.size(), 3u);
}

TEST(Shares, EveryPortIsOwnedByTheEngineWhoseSliceHasIt) {
    EngineConfig c = base_config();
    c.port_min = 1000;
    c.port_max = 65535;
    for (unsigned n : {1u, 2u, 3u, 7u}) {
        const Shares shares(c, n);
        for (std::uint32_t port = 0; port <= 65535; ++port) {
            const Owner owner = shares.of_port(static_cast<std::uint16_t>(port));
            if (port < c.port_min) {
                ASSERT_EQ(owner, Owner{}) << port;
                continue;
            }
            ASSERT_EQ(owner.kind, Owner::engine) << port;
            const EngineConfig e = shares.config_of(owner.index);
            ASSERT_GE(port, e.port_min) << n << " engines, port " << port;
            ASSERT_LE(port, e.port_max) << n << " engines, port " << port;
        }
    }
}

TEST(Shares, SharesAreWholePortBlocksOrDeterministicRanges) {
    EngineConfig blocks = base_config();
    blocks.port_block_size = 512;
    EngineConfig deterministic = base_config();
    deterministic.port_mapping = PortMapping::deterministic;
    // 256 subscribers on 16 addresses: ranges 0-15 of 2048 ports are in use.
    deterministic.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48")};
    for (const auto& [c, unit] : {std::pair{blocks, 512u}, std::pair{deterministic, 2048u}}) {
        ASSERT_EQ(Shares::split(c, 3).size(), 3u);
        const Shares shares(c, 3);
        for (unsigned i = 0; i < 3; ++i) {
            const EngineConfig e = shares.config_of(i);
            EXPECT_EQ((e.port_min - c.port_min) % unit, 0u) << unit << " engine " << i;
            if (i < 2) {
                EXPECT_EQ((e.port_max + 1u - c.port_min) % unit, 0u) << unit << " engine " << i;
            }
        }
        EXPECT_EQ(shares.config_of(2).port_max, c.port_max) << "the last share takes the tail";
    }
    // The ranges in use split evenly (6, 5 and 5 of them), not the whole port range.
    const Shares shares(deterministic, 3);
    EXPECT_EQ(shares.config_of(1).port_min, 1024 + 6 * 2048);
    EXPECT_EQ(shares.config_of(2).port_min, 1024 + 11 * 2048);
    EXPECT_GE(shares.config_of(0).max_subscribers, 6u * 16) << "room for every subscriber it serves";
    EXPECT_EQ(split_port_range(1024, 2047, 3, 512).size(), 2u) << "fewer shares than engines: refused by the daemon";
    deterministic.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/56")};
    EXPECT_EQ(Shares::split(deterministic, 2).size(), 1u) << "one subscriber, one range in use: one engine at most";
}

// RFC 7422 on several engines: a subscriber is the engine whose share holds
// its range, that engine binds it inside the range, and the answers come back
// to it.
TEST(Shares, UnderDeterministicMappingASubscriberIsTheEngineOfItsRange) {
    EngineConfig c = base_config();
    c.port_mapping = PortMapping::deterministic;
    c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48")};  // 256 subscribers
    ASSERT_FALSE(validate(c).has_value()) << *validate(c);
    const Shares shares(c, 3);
    const auto map = std::get<DeterministicMap>(DeterministicMap::make(c));
    std::vector<std::unique_ptr<Engine>> engines;
    for (unsigned i = 0; i < 3; ++i) engines.push_back(std::make_unique<Engine>(shares.config_of(i)));
    std::set<unsigned> used;
    Extra extra;
    for (unsigned n = 0; n < 256; ++n) {
        Ipv6Address b4 = net::b4_a;
        b4[6] = static_cast<std::uint8_t>(n);
        const Bytes packet = from_b4_bytes(b4, udp_packet(net::host, 5000, net::server1, 53));
        const Owner owner = shares.from_b4(packet);
        ASSERT_EQ(owner.kind, Owner::engine);
        used.insert(owner.index);
        const auto range = map.range_of(*map.number_of(mask_ipv6(b4, 56)));
        EXPECT_EQ(shares.of_port(range.first), owner) << n;
        EXPECT_EQ(shares.of_port(range.last), owner) << n;
        auto buffer = std::make_unique<PacketBuffer>();
        Packet p = buffer->holding(packet);
        ASSERT_EQ(engines[owner.index]->from_b4(p, Time{0}, extra), Verdict::to_uplink) << n;
        const Decoded out = decode(Bytes(p.data(), p.data() + p.size()));
        ASSERT_NE(out.ip4(), nullptr);
        EXPECT_EQ(out.ip4()->source, range.address) << n;
        EXPECT_GE(out.ip4()->l4.source_port, range.first) << n;
        EXPECT_LE(out.ip4()->l4.source_port, range.last) << n;
        EXPECT_EQ(shares.from_uplink(udp_packet(net::server1, 53, range.address, out.ip4()->l4.source_port)), owner);
    }
    EXPECT_EQ(used.size(), 3u);
}

TEST(Shares, ASubscriberIsOneEngineAndSubscribersSpreadOverAll) {
    const Shares shares(base_config(), 3);
    std::map<unsigned, unsigned> per_engine;
    for (unsigned n = 0; n < 900; ++n) {
        Ipv6Address b4 = b4_number(n);
        const Owner owner = shares.from_b4(from_b4_bytes(b4, udp_packet(net::host, 1, net::server1, 2)));
        ASSERT_EQ(owner.kind, Owner::engine);
        ++per_engine[owner.index];
        b4[7] = 0x42;  // another B4 address inside the same /56
        b4[15] = 0x99;
        ASSERT_EQ(shares.from_b4(from_b4_bytes(b4, udp_packet(net::host, 7, net::server1, 8))), owner);
    }
    ASSERT_EQ(per_engine.size(), 3u);
    for (const auto& [engine, count] : per_engine) EXPECT_GT(count, 200u) << "engine " << engine;
}

TEST(Shares, AnIcmpv6ErrorFromTheAccessNetworkIsTheOwnersOfTheB4ItIsAbout) {
    const Shares shares(base_config(), 4);
    // A router says our packet toward B4 n was too big: the quoted packet goes AFTR -> B4 n.
    for (unsigned n = 0; n < 64; ++n) {
        Ipv6Header quoted_header;
        quoted_header.source = net::aftr;
        quoted_header.destination = b4_number(n);
        const Bytes quoted = softwire(quoted_header, udp_packet(net::server1, 53, net::host, 1000));
        Ipv6Header h;
        h.source = v6("2001:db8:ee::1");
        h.destination = net::aftr;
        const Bytes error = ipv6_packet(h, wire::proto_icmpv6, [&] {
            Bytes m{2, 0, 0, 0, 0, 0, 0x05, 0x00};
            m.insert(m.end(), quoted.begin(), quoted.end());
            return m;
        }());
        EXPECT_EQ(shares.from_b4(error),
                  shares.from_b4(from_b4_bytes(b4_number(n), udp_packet(net::host, 1, net::server1, 2))));
    }
}

TEST(Shares, UplinkPacketsGoToTheEngineOfTheirPort) {
    const Shares shares(base_config(), 2);
    const std::uint16_t low = 2000, high = 60000;  // one in each slice
    ASSERT_NE(shares.of_port(low), shares.of_port(high));
    EXPECT_EQ(shares.from_uplink(udp_packet(net::server1, 53, kPublic, low)), shares.of_port(low));
    EXPECT_EQ(shares.from_uplink(udp_packet(net::server1, 53, kPublic, high)), shares.of_port(high));
    Ipv4Header h;
    h.source = net::server1;
    h.destination = kPublic;
    TcpSegment s;
    s.source_port = 80;
    s.destination_port = high;
    EXPECT_EQ(shares.from_uplink(ipv4_tcp(h, s)), shares.of_port(high));
    EXPECT_EQ(shares.from_uplink(ipv4_icmp(h, IcmpMessage{0, 0, low, 1, {}})), shares.of_port(low));
    // An error quotes the packet we sent, from the public port.
    EXPECT_EQ(shares.from_uplink(ipv4_icmp(h, IcmpMessage{3, 3, 0, 0, udp_packet(kPublic, high, net::server1, 53)})),
              shares.of_port(high));
    EXPECT_EQ(shares.from_uplink(ipv4_icmp(h, IcmpMessage{11, 0, 0, 0,
                                                          [&] {
                                                              Ipv4Header q;
                                                              q.source = kPublic;
                                                              q.destination = net::server1;
                                                              return ipv4_icmp(q, IcmpMessage{8, 0, low, 1, {}});
                                                          }()})),
              shares.of_port(low));
    // Not bound anywhere: whoever has it drops it.
    EXPECT_EQ(shares.from_uplink(udp_packet(net::server1, 53, v4("203.0.113.99"), low)), Owner{});
    EXPECT_EQ(shares.from_uplink(ipv4_icmp(h, IcmpMessage{8, 0, low, 1, {}})), Owner{});
    EXPECT_EQ(shares.from_uplink(udp_packet(net::server1, 53, kPublic, 80)), Owner{});
    Bytes truncated = udp_packet(net::server1, 53, kPublic, low);
    truncated.resize(21);
    EXPECT_EQ(shares.from_uplink(truncated), Owner{});
    h.more_fragments = true;
    EXPECT_EQ(shares.from_uplink(ipv4_udp(h, UdpDatagram{53, low, text_bytes("first"), false})).kind, Owner::fragment);
}

// The whole point: with each B4 packet given to its owner, every binding's
// port is in that engine's slice, so the answer comes back to the same engine.
TEST(Shares, AnswersAreSteeredToTheEngineHoldingTheBinding) {
    const EngineConfig c = base_config();
    const Shares shares(c, 2);
    std::vector<std::unique_ptr<Engine>> engines;
    for (unsigned i = 0; i < 2; ++i) engines.push_back(std::make_unique<Engine>(shares.config_of(i)));
    Extra extra;
    const Time t = std::chrono::seconds(100);
    for (unsigned n = 0; n < 64; ++n) {
        auto buffer = std::make_unique<PacketBuffer>();
        const Bytes in = from_b4_bytes(b4_number(n), udp_packet(net::host, 5000, net::server1, 53));
        Packet p = buffer->holding(in);
        const Owner owner = shares.from_b4(p.bytes());
        ASSERT_EQ(engines[owner.index]->from_b4(p, t, extra), Verdict::to_uplink);
        const Decoded out = decode(Bytes(p.data(), p.data() + p.size()));
        const std::uint16_t port = out.ipv4->l4.source_port;

        const Bytes answer = udp_packet(net::server1, 53, out.ipv4->source, port);
        Packet q = buffer->holding(answer);
        ASSERT_EQ(shares.from_uplink(q.bytes()), owner) << "B4 " << n << " port " << port;
        EXPECT_EQ(engines[owner.index]->from_uplink(q, t, extra), Verdict::to_b4);
    }
    EXPECT_GT(engines[0]->binding_count(), 0u);
    EXPECT_GT(engines[1]->binding_count(), 0u);
}

// Hairpinning between subscribers of two engines: the sender's engine sends
// the packet toward the uplink, the driver hands it to the owner of the port.
TEST(Shares, AHairpinToAnotherEnginesPortLeavesTowardTheUplink) {
    const Shares shares(base_config(), 2);
    std::vector<std::unique_ptr<Engine>> engines;
    for (unsigned i = 0; i < 2; ++i) engines.push_back(std::make_unique<Engine>(shares.config_of(i)));
    Extra extra;
    const Time t = std::chrono::seconds(100);
    auto buffer = std::make_unique<PacketBuffer>();
    auto push = [&](const Bytes& bytes) { return buffer->holding(bytes); };
    // Two B4s owned by different engines.
    unsigned a = 0, b = 1;
    while (shares.from_b4(from_b4_bytes(b4_number(b), {})) == shares.from_b4(from_b4_bytes(b4_number(a), {}))) ++b;
    const unsigned owner_a =
        shares.from_b4(from_b4_bytes(b4_number(a), udp_packet(net::host, 1, net::server1, 2))).index;
    const unsigned owner_b = 1 - owner_a;
    Packet p = push(from_b4_bytes(b4_number(b), udp_packet(net::host, 6000, net::server1, 53)));
    ASSERT_EQ(engines[owner_b]->from_b4(p, t, extra), Verdict::to_uplink);
    const Decoded bound = decode(Bytes(p.data(), p.data() + p.size()));

    p = push(from_b4_bytes(b4_number(a), udp_packet(net::host, 7000, bound.ipv4->source, bound.ipv4->l4.source_port)));
    ASSERT_EQ(engines[owner_a]->from_b4(p, t, extra), Verdict::to_uplink);
    EXPECT_EQ(shares.from_uplink(p.bytes()), Owner::of(owner_b));
    ASSERT_EQ(engines[owner_b]->from_uplink(p, t, extra), Verdict::to_b4);
    const Decoded delivered = decode(Bytes(p.data(), p.data() + p.size()));
    ASSERT_TRUE(delivered.ipv6 && delivered.ipv6->inner);
    EXPECT_EQ(delivered.ipv6->destination, b4_number(b));
    EXPECT_EQ(delivered.ipv6->inner->l4.destination_port, 6000);
    EXPECT_EQ(engines[owner_a]->counters()[Counter::drop_uplink_no_binding], 0u);
}

Bytes fragment_of(std::uint16_t id, std::uint16_t offset_units, bool more, std::uint16_t port) {
    Ipv4Header h;
    h.source = net::server1;
    h.destination = kPublic;
    h.identification = id;
    h.fragment_offset = offset_units;
    h.more_fragments = more;
    if (offset_units == 0) return ipv4_udp(h, UdpDatagram{53, port, Bytes(64, 0xab), false});
    return ipv4_packet(h, wire::proto_udp, Bytes(64, 0xcd));
}

class FragmentSteeringTest : public ::testing::Test {
protected:
    FragmentSteeringTest() : shares(base_config(), 2), steering(shares, {4, 3, 2}) {}
    Shares shares;
    FragmentSteering steering;
    std::vector<FragmentSteering::Released> released;
};

TEST_F(FragmentSteeringTest, InOrderFragmentsFollowTheFirst) {
    const Owner owner = shares.of_port(60000);
    EXPECT_EQ(steering.steer(fragment_of(1, 0, true, 60000), 10, released), owner);
    EXPECT_EQ(steering.steer(fragment_of(1, 9, true, 0), 10, released), owner);
    EXPECT_EQ(steering.steer(fragment_of(1, 18, false, 0), 11, released), owner);
    EXPECT_TRUE(released.empty());
    EXPECT_EQ(steering.held(), 0u);
}

TEST_F(FragmentSteeringTest, LaterFragmentsWaitForTheFirstThenGoWithIt) {
    const Owner owner = shares.of_port(2000);
    EXPECT_EQ(steering.steer(fragment_of(7, 18, false, 0), 10, released).kind, Owner::fragment);
    EXPECT_EQ(steering.steer(fragment_of(7, 9, true, 0), 10, released).kind, Owner::fragment);
    EXPECT_EQ(steering.held(), 2u);
    // Another datagram meanwhile is not mixed in.
    EXPECT_EQ(steering.steer(fragment_of(8, 0, true, 60000), 10, released), shares.of_port(60000));
    EXPECT_TRUE(released.empty());
    EXPECT_EQ(steering.steer(fragment_of(7, 0, true, 2000), 11, released), owner);
    ASSERT_EQ(released.size(), 2u);
    EXPECT_EQ(released[0].owner, owner);
    EXPECT_EQ(Bytes(released[0].packet.begin(), released[0].packet.end()), fragment_of(7, 18, false, 0));
    EXPECT_EQ(Bytes(released[1].packet.begin(), released[1].packet.end()), fragment_of(7, 9, true, 0));
    EXPECT_EQ(steering.held(), 0u);
}

TEST_F(FragmentSteeringTest, WhatWaitsTooLongOrCannotBeHeldGoesWhereItWasRead) {
    EXPECT_EQ(steering.steer(fragment_of(1, 9, true, 0), 10, released).kind, Owner::fragment);
    EXPECT_EQ(steering.steer(fragment_of(2, 9, true, 0), 10, released).kind, Owner::fragment);
    EXPECT_EQ(steering.steer(fragment_of(3, 9, true, 0), 10, released).kind, Owner::fragment);
    // Three buffers: a fourth fragment cannot be held.
    EXPECT_EQ(steering.steer(fragment_of(4, 9, true, 0), 10, released), Owner{});
    steering.expire(12, released);
    EXPECT_TRUE(released.empty());
    steering.expire(13, released);
    ASSERT_EQ(released.size(), 3u);
    for (const auto& r : released) EXPECT_EQ(r.owner, Owner{});
    EXPECT_EQ(steering.held(), 0u);
    released.clear();
    // The buffers are free again, and the first fragment of an expired datagram starts afresh.
    EXPECT_EQ(steering.steer(fragment_of(1, 0, true, 2000), 13, released), shares.of_port(2000));
    EXPECT_TRUE(released.empty());
    EXPECT_EQ(steering.steer(fragment_of(5, 9, true, 0), 13, released).kind, Owner::fragment);
}

TEST_F(FragmentSteeringTest, WaitingDatagramsAreNotForgottenForNewerOnes) {
    for (std::uint16_t id = 1; id <= 3; ++id)
        EXPECT_EQ(steering.steer(fragment_of(id, 9, true, 0), 10, released).kind, Owner::fragment);
    // The fourth entry is told; told entries make room for others.
    for (std::uint16_t id = 10; id < 20; ++id)
        EXPECT_EQ(steering.steer(fragment_of(id, 0, true, 60000), 10, released), shares.of_port(60000));
    EXPECT_EQ(steering.steer(fragment_of(2, 0, true, 2000), 10, released), shares.of_port(2000));
    ASSERT_EQ(released.size(), 1u);
    EXPECT_EQ(released[0].owner, shares.of_port(2000));
}

}  // namespace
}  // namespace dslite::test
