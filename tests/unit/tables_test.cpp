// SPDX-License-Identifier: BSD-2-Clause
// The engine's tables on their own: index, timer wheel, port allocator.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <vector>

#include "flat_index.hpp"
#include "huge_page_allocator.hpp"
#include "port_allocator.hpp"
#include "subscriber_table.hpp"
#include "timer_wheel.hpp"

namespace dslite {
namespace {

// A subscriber record is one aligned cache line, small table or large (the
// small ones are not huge-page allocations and once came back 16-aligned).
TEST(SubscriberTable, RecordsAreCacheLinesAtAnySize) {
    for (std::uint32_t capacity : {1u, 16u, 1u << 16}) {
        SubscriberTable table(capacity, 2, 7);
        const std::uint32_t id = table.insert(Ipv6Address{}, 0, 1500);
        ASSERT_NE(id, SubscriberTable::npos);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(&table[id]) % 64, 0u) << capacity;
    }
    HugePageAllocator<Subscriber> allocator;
    Subscriber* three = allocator.allocate(3);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(three) % alignof(Subscriber), 0u);
    allocator.deallocate(three, 3);
}

TEST(FlatIndex, AgreesWithAMapUnderChurnAndCollisions) {
    FlatIndex index(512);
    std::map<std::uint32_t, std::uint32_t> model;  // id -> hash
    std::mt19937 rng(3);
    for (int step = 0; step < 20000; ++step) {
        // Few distinct hashes: long clusters make backward-shift deletion work hard.
        const std::uint32_t id = rng() % 600;
        const std::uint32_t hash = (rng() % 8) * 1024 + (id % 3);
        if (model.count(id)) {
            index.erase(model[id], id);
            model.erase(id);
        } else if (model.size() < 512) {
            index.insert(hash, id);
            model[id] = hash;
        }
        if (step % 97 == 0) {
            for (std::uint32_t probe = 0; probe < 600; ++probe) {
                const auto it = model.find(probe);
                const std::uint32_t h = it == model.end() ? (probe % 3) : it->second;
                const std::uint32_t found = index.find(h, [&](std::uint32_t candidate) { return candidate == probe; });
                ASSERT_EQ(found, it == model.end() ? FlatIndex::npos : probe) << "step " << step;
            }
        }
    }
}

TEST(TimerWheel, ExpiresAtDueAndAsksAgainWhenRefreshed) {
    TimerWheel wheel(8);
    wheel.start(1000);
    std::vector<std::uint32_t> due = {1010, 1005, 0, 0, 0, 0, 0, 0};
    wheel.schedule(0, due[0]);
    wheel.schedule(1, due[1]);
    std::vector<std::uint32_t> expired;
    auto run = [&](std::uint32_t now) {
        wheel.advance(
            now, [&](std::uint32_t id) { return due[id]; }, [&](std::uint32_t id) { expired.push_back(id); });
    };
    run(1004);
    EXPECT_TRUE(expired.empty());
    due[1] = 1020;  // refreshed: the wheel must reschedule, not expire
    run(1005);
    EXPECT_TRUE(expired.empty());
    run(1010);
    EXPECT_EQ(expired, std::vector<std::uint32_t>{0});
    run(1019);
    EXPECT_EQ(expired.size(), 1u);
    run(1020);
    EXPECT_EQ(expired, (std::vector<std::uint32_t>{0, 1}));
}

TEST(TimerWheel, LongJumpsAndLongTimeoutsStillExpireOnce) {
    TimerWheel wheel(4);
    wheel.start(0);
    std::vector<std::uint32_t> due = {20000, 7441, 3, 9000};
    for (std::uint32_t id = 0; id < 4; ++id) wheel.schedule(id, due[id]);
    std::multiset<std::uint32_t> expired;
    std::vector<std::uint32_t> at(4, 0);
    std::uint32_t now = 0;
    auto run = [&](std::uint32_t to) {
        wheel.advance(
            to, [&](std::uint32_t id) { return due[id]; },
            [&](std::uint32_t id) {
                expired.insert(id);
                at[id] = wheel.current();
            });
        now = to;
    };
    run(7440);
    EXPECT_EQ(expired, (std::multiset<std::uint32_t>{2}));
    run(7441);
    EXPECT_EQ(expired.count(1), 1u);
    run(50000);  // one jump past every slot
    EXPECT_EQ(expired, (std::multiset<std::uint32_t>{0, 1, 2, 3}));
    EXPECT_GE(at[0], due[0]);
    EXPECT_GE(at[3], due[3]);
}

// Against a model: after advance(now) exactly the ids due by `now` have
// expired, each once, at a second no earlier than its due time and exactly
// at it when the wheel could hold it and the clock stepped over it. Jumps of
// every length (one second, past a 64-slot word, past the whole wheel) and
// refreshes that reschedule ids into later seconds of the same pass.
TEST(TimerWheel, MatchesAModelThroughJumpsRefreshesAndCancels) {
    constexpr std::uint32_t kIds = 256;
    TimerWheel wheel(kIds);
    std::mt19937 random(7);
    std::vector<std::uint32_t> due(kIds), scheduled_at(kIds), expired_at(kIds);
    std::vector<bool> live(kIds), refreshed(kIds);
    std::uint32_t now = 100, expiries = 0;
    wheel.start(now);
    const std::uint32_t jumps[] = {1, 2, 63, 64, 65, 700, 8191, 8192, 8193, 20000};
    for (int step = 0; step < 4000; ++step) {
        const std::uint32_t id = random() % kIds;
        switch (random() % 4) {
        case 0:
            if (!live[id]) {
                due[id] = now + 1 + random() % 9000;
                scheduled_at[id] = now;
                live[id] = true;
                refreshed[id] = false;
                wheel.schedule(id, due[id]);
            }
            break;
        case 1:
            if (live[id]) {  // the owner saw traffic: the wheel finds out when it comes round
                due[id] += random() % 300;
                refreshed[id] = true;
            }
            break;
        case 2:
            if (live[id] && random() % 4 == 0) {
                wheel.cancel(id);
                live[id] = false;
            }
            break;
        default: {
            const std::uint32_t to =
                now + jumps[random() % std::size(jumps)] * (random() % 3 == 0 ? 1 : 0) + random() % 3;
            const bool stepped = to - now <= TimerWheel::kSlots;
            wheel.advance(
                to, [&](std::uint32_t i) { return due[i]; },
                [&](std::uint32_t i) {
                    ASSERT_TRUE(live[i]) << "id " << i << " expired twice or after a cancel";
                    live[i] = false;
                    expired_at[i] = wheel.current();
                    ++expiries;
                    EXPECT_GE(expired_at[i], due[i]);
                    EXPECT_LE(expired_at[i], to);
                    if (stepped && !refreshed[i] && due[i] - scheduled_at[i] < TimerWheel::kSlots && due[i] > now) {
                        EXPECT_EQ(expired_at[i], due[i]) << "id " << i;
                    }
                });
            now = std::max(now, to);
            EXPECT_EQ(wheel.current(), now);
            for (std::uint32_t i = 0; i < kIds; ++i) {
                if (live[i]) {
                    EXPECT_GT(due[i], now) << "id " << i << " is due but still in the wheel";
                }
            }
        }
        }
    }
    EXPECT_GT(expiries, 500u);
}

TEST(TimerWheel, CancelRemovesOnlyThatId) {
    TimerWheel wheel(3);
    wheel.start(0);
    for (std::uint32_t id = 0; id < 3; ++id) wheel.schedule(id, 5);
    wheel.cancel(1);
    std::set<std::uint32_t> expired;
    wheel.advance(
        5, [](std::uint32_t) { return 5u; }, [&](std::uint32_t id) { expired.insert(id); });
    EXPECT_EQ(expired, (std::set<std::uint32_t>{0, 2}));
}

TEST(PortAllocator, GivesEveryPortOnceInRangeThenRunsOut) {
    PortAllocator ports(2, 1024, 1123, 120, 1000);  // 100 ports, not a multiple of 64
    Rng rng(1);
    std::set<std::uint16_t> seen;
    for (int i = 0; i < 100; ++i) {
        auto p = ports.allocate(1, Protocol::udp, rng);
        ASSERT_TRUE(p);
        EXPECT_GE(*p, 1024);
        EXPECT_LE(*p, 1123);
        EXPECT_TRUE(seen.insert(*p).second) << "port handed out twice: " << *p;
    }
    EXPECT_FALSE(ports.allocate(1, Protocol::udp, rng));
    EXPECT_EQ(ports.free_count(1, Protocol::udp), 0u);
    // Other addresses and protocols are separate spaces.
    EXPECT_EQ(ports.free_count(0, Protocol::udp), 100u);
    EXPECT_EQ(ports.free_count(1, Protocol::tcp), 100u);
}

// RFC 4787 REQ-4 [row 40]: the parity asked for while a port of it is free,
// then any port rather than none.
TEST(PortAllocator, KeepsParityUntilThatHalfRunsOut) {
    for (const std::uint16_t first : {1024, 1025}) {
        PortAllocator ports(1, first, static_cast<std::uint16_t>(first + 99), 120, 1000);  // 100 ports
        Rng rng(7);
        for (const std::uint8_t parity : {0, 1}) {
            for (int i = 0; i < 30; ++i) {
                auto p = ports.allocate(0, Protocol::udp, rng, parity);
                ASSERT_TRUE(p);
                EXPECT_EQ(*p & 1, parity) << "from " << first << ": " << *p;
            }
        }
        for (int i = 0; i < 20; ++i) ASSERT_EQ(*ports.allocate(0, Protocol::udp, rng, 0) & 1, 0);
        // The even half is gone: odd ports rather than a refusal.
        for (int i = 0; i < 20; ++i) ASSERT_EQ(*ports.allocate(0, Protocol::udp, rng, 0) & 1, 1);
        EXPECT_FALSE(ports.allocate(0, Protocol::udp, rng, 0));
    }
}

TEST(PortAllocator, HoldsAFreedPortFor120Seconds) {
    PortAllocator ports(1, 2000, 2000, 120, 16);  // one port: reuse is observable
    Rng rng(1);
    ASSERT_EQ(ports.allocate(0, Protocol::tcp, rng), std::optional<std::uint16_t>(2000));
    EXPECT_TRUE(ports.release(0, Protocol::tcp, 2000, 500));
    ports.advance(619);
    EXPECT_FALSE(ports.allocate(0, Protocol::tcp, rng)) << "freed port reused within 120 s (RFC 6888 REQ-8)";
    ports.advance(620);
    EXPECT_EQ(ports.allocate(0, Protocol::tcp, rng), std::optional<std::uint16_t>(2000));
}

TEST(PortAllocator, FullHoldQueueReleasesTheOldestEarly) {
    PortAllocator ports(1, 3000, 3001, 120, 1);
    Rng rng(1);
    auto a = ports.allocate(0, Protocol::udp, rng);
    auto b = ports.allocate(0, Protocol::udp, rng);
    ASSERT_TRUE(a && b);
    EXPECT_TRUE(ports.release(0, Protocol::udp, *a, 10));
    EXPECT_FALSE(ports.release(0, Protocol::udp, *b, 11));  // queue of one: a goes early
    EXPECT_EQ(ports.allocate(0, Protocol::udp, rng), a);
}

TEST(PortAllocator, RandomChoiceSpreadsOverTheRange) {
    PortAllocator ports(1, 1024, 65535, 0, 1);
    Rng rng(42);
    std::uint32_t low = 0;
    for (int i = 0; i < 1000; ++i) {
        auto p = ports.allocate(0, Protocol::udp, rng);
        ASSERT_TRUE(p);
        if (*p < 1024 + 64512 / 2) ++low;
    }
    EXPECT_GT(low, 400u);  // sequential allocation would give 1000
    EXPECT_LT(low, 600u);
}

}  // namespace
}  // namespace dslite
