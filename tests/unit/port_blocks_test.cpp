// SPDX-License-Identifier: BSD-2-Clause
// Port blocks (--port-block-size): a subscriber's ports come from blocks of
// consecutive ports of its address, one record per block given and released
// (RFC 8158 4.6.10), released only after the last binding's port hold
// (RFC 6888 REQ-8), random block and random port within it (RFC 6056).
#include <map>
#include <set>

#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

constexpr std::uint16_t kBlock = 64;

class PortBlocksTest : public EngineTest {
protected:
    void SetUp() override {
        make_with([](EngineConfig& c) {
            c.port_block_size = kBlock;
            c.quota = {128, 128, 64};  // two blocks each
            c.new_bindings_per_second = 0;
        });
    }
    std::vector<Event> drain() {
        std::vector<Event> out(engine->events()->capacity());
        out.resize(engine->events()->pop(out));
        return out;
    }
    static std::vector<Event> of_kind(const std::vector<Event>& events, EventKind kind) {
        std::vector<Event> out;
        for (const Event& e : events)
            if (e.kind == kind) out.push_back(e);
        return out;
    }
    // UDP from host:`port` behind `b4`; the public end it got, or nothing.
    std::optional<std::pair<Ipv4Address, std::uint16_t>> send(const Ipv6Address& b4, std::uint16_t port,
                                                              std::int64_t second) {
        const Out out = from_b4(b4, udp(net::host, port, net::server1, 53), second);
        if (out.verdict != Verdict::to_uplink) return std::nullopt;
        const Ipv4Info* ip = out.decoded.ip4();
        if (ip == nullptr) return std::nullopt;
        return std::pair{ip->source, ip->l4.source_port};
    }
    static std::uint16_t block_start(std::uint16_t port) {
        return static_cast<std::uint16_t>(1024 + (port - 1024) / kBlock * kBlock);
    }
    static constexpr std::int64_t kEpoch = 1'700'000'000;
    static std::int64_t at(std::int64_t second) { return (kEpoch + second) * 1'000'000; }
};

TEST_F(PortBlocksTest, ASubscribersPortsComeFromOneBlockAndOneRecordStandsForThem) {
    std::vector<std::uint16_t> ports;
    Ipv4Address address{};
    for (std::uint16_t p = 5000; p < 5020; ++p) {
        const auto bound = send(net::b4_a, p, 0);
        ASSERT_TRUE(bound);
        if (address.value == 0) address = bound->first;
        EXPECT_EQ(bound->first, address) << "paired pooling: one address";
        EXPECT_EQ(bound->second % 2, p % 2) << "UDP keeps its parity (RFC 4787 REQ-4)";
        ports.push_back(bound->second);
    }
    ASSERT_EQ(std::set<std::uint16_t>(ports.begin(), ports.end()).size(), 20u);
    const std::uint16_t first = block_start(ports[0]);
    for (const std::uint16_t port : ports) EXPECT_EQ(block_start(port), first) << "all in one block of 64";
    EXPECT_FALSE(std::is_sorted(ports.begin(), ports.end())) << "random within the block (RFC 6056), not in order";

    const auto events = drain();
    EXPECT_TRUE(of_kind(events, EventKind::binding_created).empty()) << "the block's record stands for them";
    const auto blocks = of_kind(events, EventKind::port_block_allocated);
    ASSERT_EQ(blocks.size(), 1u);
    EXPECT_EQ(blocks[0].b4, net::b4_a);
    EXPECT_EQ(blocks[0].subscriber, mask_ipv6(net::b4_a, 56));
    EXPECT_EQ(blocks[0].public_address, address);
    EXPECT_EQ(blocks[0].public_port, first);
    EXPECT_EQ(blocks[0].public_port_last, first + kBlock - 1);
    EXPECT_EQ(blocks[0].time_us, at(0));
    EXPECT_EQ(count(Counter::port_blocks_allocated), 1u);

    // Replies reach the host through the block's ports like any binding's.
    const Out reply = from_uplink(udp(net::server1, 53, address, ports[0]), 1);
    EXPECT_EQ(reply.verdict, Verdict::to_b4);
}

TEST_F(PortBlocksTest, ANewBlockWhenTheLastIsFullUpToTheQuota) {
    make_with([](EngineConfig& c) {
        c.pools = {*parse_ipv4_prefix("198.51.100.1/32")};  // both subscribers on one address
        c.port_block_size = kBlock;
        c.quota = {128, 128, 64};
        c.new_bindings_per_second = 0;
    });
    std::map<std::uint16_t, int> per_block;
    for (std::uint16_t p = 0; p < 128; ++p) {
        const auto bound = send(net::b4_a, static_cast<std::uint16_t>(5000 + p), 0);
        ASSERT_TRUE(bound) << p;
        ++per_block[block_start(bound->second)];
    }
    ASSERT_EQ(per_block.size(), 2u);
    for (const auto& [start, n] : per_block) EXPECT_EQ(n, kBlock) << start;
    EXPECT_EQ(count(Counter::port_blocks_allocated), 2u);
    EXPECT_FALSE(send(net::b4_a, 6000, 0)) << "the quota";
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 1u);

    // Another subscriber's ports on the same address never fall in A's blocks.
    std::set<std::uint16_t> b_blocks;
    for (std::uint16_t p = 0; p < 100; ++p) {
        const auto bound = send(net::b4_b, static_cast<std::uint16_t>(5000 + p), 0);
        ASSERT_TRUE(bound);
        EXPECT_EQ(per_block.count(block_start(bound->second)), 0u) << bound->second;
        b_blocks.insert(block_start(bound->second));
    }
    EXPECT_EQ(b_blocks.size(), 2u);
    // The blocks are chosen at random, not the lowest free ones in turn.
    std::set<std::uint16_t> all = b_blocks;
    for (const auto& [start, n] : per_block) all.insert(start);
    EXPECT_NE(all, (std::set<std::uint16_t>{1024, 1088, 1152, 1216}));
}

TEST_F(PortBlocksTest, BlocksAreHeldWithTheirPortsAndReleasedAfterTheLastBindingsHold) {
    const auto bound = send(net::b4_a, 5000, 0);
    ASSERT_TRUE(bound);
    drain();
    // UDP: expires at 0 + 300 + 1; its port, and so its block, is held 120 s more.
    engine->advance(std::chrono::seconds(kEpoch + 420));
    auto events = drain();
    EXPECT_TRUE(of_kind(events, EventKind::port_block_released).empty());
    EXPECT_TRUE(of_kind(events, EventKind::subscriber_removed).empty()) << "kept while it holds a block";
    EXPECT_EQ(engine->subscriber_count(), 1u);
    engine->advance(std::chrono::seconds(kEpoch + 422));
    events = drain();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, EventKind::port_block_released);
    EXPECT_EQ(events[0].time_us, at(421));
    EXPECT_EQ(events[0].public_port, block_start(bound->second));
    EXPECT_EQ(events[0].public_port_last, block_start(bound->second) + kBlock - 1);
    EXPECT_EQ(events[0].b4, net::b4_a);
    EXPECT_EQ(events[1].kind, EventKind::subscriber_removed);
    EXPECT_EQ(events[1].time_us, at(421));
    EXPECT_EQ(engine->subscriber_count(), 0u);
    EXPECT_EQ(count(Counter::port_blocks_released), 1u);
}

TEST_F(PortBlocksTest, ABlockUsedAgainWithinItsHoldStaysWithItsSubscriber) {
    const auto first = send(net::b4_a, 5000, 0);
    ASSERT_TRUE(first);
    engine->advance(std::chrono::seconds(kEpoch + 350));  // expired at 301, held until 421
    const auto again = send(net::b4_a, 5002, 350);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->first, first->first);
    EXPECT_EQ(block_start(again->second), block_start(first->second));
    EXPECT_NE(again->second, first->second) << "the held port itself is not reused";
    engine->advance(std::chrono::seconds(kEpoch + 500));
    EXPECT_EQ(count(Counter::port_blocks_allocated), 1u);
    EXPECT_EQ(count(Counter::port_blocks_released), 0u) << "its binding lives until 651";
    engine->advance(std::chrono::seconds(kEpoch + 651 + 120 + 1));
    EXPECT_EQ(count(Counter::port_blocks_released), 1u);
    const auto released = of_kind(drain(), EventKind::port_block_released);
    ASSERT_EQ(released.size(), 1u);
    EXPECT_EQ(released[0].time_us, at(651 + 120));
}

TEST_F(PortBlocksTest, HeldPortsCountInTheirBlockSoChurnMeetsTheBlockLimit) {
    // 128 bindings fill both blocks; once they expire their ports are held
    // for 120 s, and a subscriber may hold no third block.
    for (std::uint16_t p = 0; p < 128; ++p) ASSERT_TRUE(send(net::b4_a, static_cast<std::uint16_t>(5000 + p), 0));
    engine->advance(std::chrono::seconds(kEpoch + 310));
    EXPECT_EQ(engine->binding_count(), 0u);
    drain();
    EXPECT_FALSE(send(net::b4_a, 7000, 310));
    EXPECT_EQ(count(Counter::drop_port_blocks_full), 1u);
    const auto refused = drain();
    ASSERT_EQ(refused.size(), 1u);
    EXPECT_EQ(refused[0].kind, EventKind::quota_exhausted);
    // After the hold both blocks go back, and the next binding takes a new one.
    engine->advance(std::chrono::seconds(kEpoch + 430));
    EXPECT_EQ(count(Counter::port_blocks_released), 2u);
    EXPECT_TRUE(send(net::b4_a, 7000, 430));
    EXPECT_EQ(count(Counter::port_blocks_allocated), 3u);
}

TEST_F(PortBlocksTest, WithoutAHoldABlockGoesWithItsLastBinding) {
    make_with([](EngineConfig& c) {
        c.port_block_size = kBlock;
        c.port_hold_seconds = 0;
    });
    ASSERT_TRUE(send(net::b4_a, 5000, 0));
    engine->advance(std::chrono::seconds(kEpoch + 302));
    const auto events = drain();
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[2].kind, EventKind::port_block_released);
    EXPECT_EQ(events[2].time_us, at(301));
    EXPECT_EQ(events[3].kind, EventKind::subscriber_removed);
}

TEST_F(PortBlocksTest, ShutdownReleasesEveryBlockAfterTheBindings) {
    for (std::uint16_t p = 0; p < 100; ++p) ASSERT_TRUE(send(net::b4_a, static_cast<std::uint16_t>(5000 + p), 0));
    ASSERT_TRUE(send(net::b4_b, 5000, 0));
    drain();
    std::vector<Event> events;
    std::size_t left = 0;
    int steps = 0;
    do {
        left = engine->shutdown(std::chrono::seconds(kEpoch + 5), 16);
        for (const Event& e : drain()) events.push_back(e);
        ++steps;
    } while (left != 0 && steps < 100);
    EXPECT_EQ(left, 0u);
    EXPECT_EQ(steps, 7) << "101 bindings and 3 blocks, 16 a step";
    const auto released = of_kind(events, EventKind::port_block_released);
    ASSERT_EQ(released.size(), 3u);
    for (const Event& e : released) EXPECT_EQ(e.time_us, at(5));
    EXPECT_EQ(of_kind(events, EventKind::subscriber_removed).size(), 2u);
    EXPECT_TRUE(of_kind(events, EventKind::binding_removed).empty());
    EXPECT_EQ(engine->subscriber_count(), 0u);
    // Every record of a block is paired: what was given was released.
    EXPECT_EQ(count(Counter::port_blocks_allocated), count(Counter::port_blocks_released));
}

TEST_F(PortBlocksTest, TheOptionIsRefusedWhereBlocksCannotWork) {
    const auto problem = [](auto edit) {
        EngineConfig c = base_config();
        edit(c);
        return validate(c).value_or("");
    };
    EXPECT_EQ(problem([](EngineConfig& c) { c.port_block_size = 32; }),
              "port-block-size: must be 0 (off) or 64 to 32768");
    EXPECT_EQ(problem([](EngineConfig& c) {
                  c.port_block_size = 64;
                  c.port_min = 40000;
                  c.port_max = 40031;
              }),
              "port-block-size: a block of 64 ports does not fit the 32 of --port-range");
    EXPECT_EQ(problem([](EngineConfig& c) {
                  c.port_block_size = 64;
                  c.quota.tcp = 8192;
              }),
              "port-block-size: the largest quota, 8192 ports, would take more than 64 blocks of 64: make the "
              "blocks at least 128");
    EXPECT_EQ(problem([](EngineConfig& c) {
                  c.port_block_size = 512;
                  c.port_mapping = PortMapping::deterministic;
                  c.b4_prefixes = {*parse_ipv6_prefix("2001:db8:a::/56")};
              }),
              "port-block-size: not with --port-mapping deterministic: its ranges need no records at all");
    EXPECT_EQ(problem([](EngineConfig& c) { c.port_block_size = 512; }), "");
}

}  // namespace
}  // namespace dslite::test
