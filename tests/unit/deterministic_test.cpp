// SPDX-License-Identifier: BSD-2-Clause
// Deterministic NAT (RFC 7422): the formula, its refusals, and the engine
// keeping every subscriber to its address and range whatever its seed.
#include "dslite/deterministic.hpp"

#include <set>

#include "engine_fixture.hpp"
#include "port_allocator.hpp"
#include "rng.hpp"

namespace dslite::test {
namespace {

// 2001:db8:a::/48 in /56s: 256 subscribers; 16 addresses x 31 ranges of 2048 ports.
EngineConfig mapped() {
    EngineConfig c = base_config();
    c.port_mapping = PortMapping::deterministic;
    c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/48")};
    c.pools = {net::pool_prefix};
    return c;
}

DeterministicMap map_of(const EngineConfig& c) {
    auto made = DeterministicMap::make(c);
    EXPECT_TRUE(std::holds_alternative<DeterministicMap>(made)) << std::get<std::string>(made);
    return std::get<DeterministicMap>(made);
}

TEST(DeterministicMap, NumbersSubscribersAndSpreadsNeighboursOverAddresses) {
    const DeterministicMap map = map_of(mapped());
    EXPECT_EQ(map.subscribers(), 256u);
    EXPECT_EQ(map.ports_each(), 2048u);
    EXPECT_EQ(map.number_of(v6("2001:db8:a:500::")), 5u);
    EXPECT_EQ(map.number_of(v6("2001:db8:b::")), std::nullopt);
    auto r = map.range_of(5);
    EXPECT_EQ(r.address, v4("198.51.100.5"));
    EXPECT_EQ(r.first, 1024);
    EXPECT_EQ(r.last, 3071);
    r = map.range_of(17);  // the second round of addresses: the second range
    EXPECT_EQ(r.address, v4("198.51.100.1"));
    EXPECT_EQ(r.first, 3072);
    EXPECT_EQ(r.last, 5119);
    EXPECT_EQ(map.owner_of(v4("198.51.100.1"), 4000), 17u);
    EXPECT_EQ(map.owner_of(v4("198.51.100.1"), 1000), std::nullopt) << "below --port-range";
    EXPECT_EQ(map.owner_of(v4("198.51.100.1"), 65535), std::nullopt) << "past the last full range";
    EXPECT_EQ(map.owner_of(v4("203.0.113.1"), 4000), std::nullopt) << "not a pool address";
    // Every subscriber's range is its own: the formula runs both ways.
    std::set<std::pair<std::uint32_t, std::uint16_t>> starts;
    for (std::uint64_t n = 0; n < map.subscribers(); ++n) {
        const auto range = map.range_of(n);
        const Ipv6Prefix prefix = map.prefix_of(n);
        ASSERT_EQ(map.number_of(prefix.address), n);
        ASSERT_EQ(map.owner_of(range.address, range.first), n);
        ASSERT_EQ(map.owner_of(range.address, range.last), n);
        ASSERT_TRUE(starts.insert({range.address.value, range.first}).second);
    }
    EXPECT_EQ(to_string(map.prefix_of(255)), "2001:db8:a:ff00::/56");
}

TEST(DeterministicMap, IsRefusedWhenSomeSubscriberCouldNotHaveItsRange) {
    const auto refusal = [](auto edit) {
        EngineConfig c = mapped();
        edit(c);
        return validate(c).value_or("");
    };
    EXPECT_EQ(refusal([](EngineConfig& c) { c.b4_prefixes.clear(); }),
              "port-mapping: needs --b4-prefix: the subscribers it maps are that prefix's /56s");
    EXPECT_EQ(refusal([](EngineConfig& c) { c.b4_prefixes = {*parse_ipv6_prefix("2001:db8::/44")}; }),
              "port-mapping: 4096 subscribers (/56s of --b4-prefix) need as many ranges of 2048 ports, but the pool "
              "has 16 addresses x 31 = 496");
    EXPECT_EQ(refusal([](EngineConfig& c) { c.b4_prefixes.push_back(*parse_ipv6_prefix("2001:db8:a:100::/56")); }),
              "port-mapping: --b4-prefix 2001:db8:a:100::/56 overlaps 2001:db8:a::/48: a subscriber would have two "
              "ranges");
    EXPECT_EQ(refusal([](EngineConfig& c) { c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/64")}; }),
              "port-mapping: --b4-prefix 2001:db8:a::/64 is longer than --subscriber-prefix-length 56");
    EXPECT_EQ(refusal([](EngineConfig& c) { c.quota.udp = 65535; }),
              "port-mapping: a range of 65535 ports (the largest quota) does not fit --port-range");
    EXPECT_EQ(refusal([](EngineConfig&) {}), "");
}

class DeterministicEngine : public EngineTest {
protected:
    void SetUp() override { make(mapped()); }
    // The public ends `flows` UDP flows of `b4` get.
    std::vector<std::pair<Ipv4Address, std::uint16_t>> open(const Ipv6Address& b4, int flows) {
        std::vector<std::pair<Ipv4Address, std::uint16_t>> ends;
        for (int i = 0; i < flows; ++i) {
            const Out out = from_b4(b4, udp(net::host, static_cast<std::uint16_t>(5000 + i), net::server1, 53));
            EXPECT_EQ(out.verdict, Verdict::to_uplink);
            if (const Ipv4Info* ip = out.decoded.ip4()) ends.push_back({ip->source, ip->l4.source_port});
        }
        return ends;
    }
};

TEST_F(DeterministicEngine, EverySubscriberStaysInItsRangeWhateverTheSeed) {
    const DeterministicMap map = map_of(mapped());
    const Ipv6Address b4s[] = {net::b4_a, v6("2001:db8:a:1100::2"), v6("2001:db8:a:ff00::7")};
    for (const std::uint64_t seed : {1u, 2u}) {
        EngineConfig c = mapped();
        c.seed = seed;
        make(c);
        for (const Ipv6Address& b4 : b4s) {
            const auto range = map.range_of(*map.number_of(mask_ipv6(b4, 56)));
            std::set<std::uint16_t> ports;
            for (const auto& [address, port] : open(b4, 300)) {
                EXPECT_EQ(address, range.address) << to_string(b4);
                EXPECT_GE(port, range.first) << to_string(b4);
                EXPECT_LE(port, range.last) << to_string(b4);
                ports.insert(port);
            }
            EXPECT_EQ(ports.size(), 300u);
        }
    }
    EXPECT_EQ(count(Counter::drop_pool_exhausted), 0u);
}

TEST_F(DeterministicEngine, ASubscriberUsesItsWholeRangeThenIsRefused) {
    EngineConfig c = mapped();
    c.quota.udp = 2048;
    c.new_bindings_per_second = 0;
    make(c);
    const auto ends = open(net::b4_a, 2048);
    std::set<std::uint16_t> ports;
    for (const auto& end : ends) ports.insert(end.second);
    EXPECT_EQ(ports.size(), 2048u) << "every port of the range";
    EXPECT_EQ(*ports.begin(), 1024);
    EXPECT_EQ(*ports.rbegin(), 3071);
    const Out refused = from_b4(net::b4_a, udp(net::host, 9000, net::server1, 53));
    EXPECT_NE(refused.verdict, Verdict::to_uplink);
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 1u);
}

TEST(PortAllocator, AllocatesWithinAWindowWithParityAndSaysWhenItIsFull) {
    PortAllocator ports(1, 1024, 65535, 0, 0);
    Rng rng(3);
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 50; ++i) {
        const auto port = ports.allocate_in(0, Protocol::udp, rng, 1, 2000, 2099);
        ASSERT_TRUE(port);
        EXPECT_GE(*port, 2000);
        EXPECT_LE(*port, 2099);
        EXPECT_EQ(*port % 2, 1) << "RFC 4787 REQ-4 parity, while the window has one";
        seen.insert(*port);
    }
    for (int i = 0; i < 50; ++i) seen.insert(*ports.allocate_in(0, Protocol::udp, rng, 1, 2000, 2099));
    EXPECT_EQ(seen.size(), 100u) << "then the other parity";
    EXPECT_EQ(ports.allocate_in(0, Protocol::udp, rng, std::nullopt, 2000, 2099), std::nullopt);
    EXPECT_TRUE(ports.allocate_in(0, Protocol::udp, rng, std::nullopt, 2100, 2100));
    EXPECT_TRUE(ports.allocate(0, Protocol::udp, rng)) << "the rest of the range is free";
}

}  // namespace
}  // namespace dslite::test
