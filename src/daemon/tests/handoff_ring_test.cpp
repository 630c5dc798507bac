// SPDX-License-Identifier: BSD-2-Clause
// The ring between two workers: records come out as they went in, across the
// wrap, never more than it holds, and with two threads at full speed.
#include "handoff_ring.hpp"

#include <gtest/gtest.h>
#include <poll.h>

#include <thread>

#include "platform/posix/wakeup.hpp"

namespace dslite::daemon {
namespace {

std::vector<std::uint8_t> record(std::uint32_t n) {
    std::vector<std::uint8_t> bytes(1 + n % 1500);  // 1..1500 bytes, not multiples of 8
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(n + i);
    std::memcpy(bytes.data(), &n, std::min<std::size_t>(4, bytes.size()));
    return bytes;
}

TEST(HandoffRing, RecordsComeOutInOrderAcrossTheWrap) {
    HandoffRing ring(4096);
    std::uint32_t pushed = 0, popped = 0;
    for (int round = 0; round < 200; ++round) {
        while (ring.push(pushed % 3 ? Side::uplink : Side::b4, record(pushed))) ++pushed;
        ring.pop(3, [&](Side side, std::span<const std::uint8_t> bytes) {
            EXPECT_EQ(side, popped % 3 ? Side::uplink : Side::b4);
            const auto want = record(popped);
            ASSERT_EQ(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), want) << "record " << popped;
            ++popped;
        });
    }
    EXPECT_GT(pushed, 600u);  // it wrapped many times
    ring.pop(1000, [&](Side, std::span<const std::uint8_t>) { ++popped; });
    EXPECT_EQ(popped, pushed);
    EXPECT_TRUE(ring.empty());
}

TEST(HandoffRing, RefusesWhatItCannotHold) {
    HandoffRing ring(1024);
    EXPECT_FALSE(ring.push(Side::b4, std::vector<std::uint8_t>(1024)));
    EXPECT_TRUE(ring.push(Side::b4, std::vector<std::uint8_t>(500)));
    EXPECT_TRUE(ring.push(Side::b4, std::vector<std::uint8_t>(500)));
    EXPECT_FALSE(ring.push(Side::b4, std::vector<std::uint8_t>(8)));
    EXPECT_EQ(ring.pop(10, [](Side, std::span<const std::uint8_t> b) { EXPECT_EQ(b.size(), 500u); }), 2u);
    EXPECT_TRUE(ring.push(Side::b4, std::vector<std::uint8_t>(1000)));
}

TEST(HandoffRing, TwoThreadsLoseAndReorderNothing) {
    HandoffRing ring(1 << 16);
    auto wakeup = std::get<platform::Wakeup>(platform::Wakeup::open());
    constexpr std::uint32_t kCount = 200'000;
    std::atomic<bool> done{false};
    std::thread producer([&] {
        for (std::uint32_t n = 0; n < kCount; ++n) {
            const auto bytes = record(n);
            while (!ring.push(Side::uplink, bytes)) {
                wakeup.notify();  // full: the consumer must run
                std::this_thread::yield();
            }
            wakeup.notify();  // most of these find a wakeup pending and write nothing
        }
        done = true;
    });
    std::uint32_t next = 0;
    bool ok = true;
    int lost = 0;  // waits that timed out with something pushed and notified: a lost wakeup
    while (next < kCount && ok && lost < 3) {
        pollfd p{wakeup.wait_handle(), POLLIN, 0};
        if (::poll(&p, 1, 1000) == 0 && !ring.empty()) ++lost;
        wakeup.clear();
        while (ring.pop(64, [&](Side, std::span<const std::uint8_t> bytes) {
            const auto want = record(next);
            ok = ok && std::equal(bytes.begin(), bytes.end(), want.begin(), want.end());
            ++next;
        }) > 0) {}
    }
    while (!done) ring.pop(kCount, [](Side, std::span<const std::uint8_t>) {});
    producer.join();
    EXPECT_TRUE(ok) << "record " << next - 1 << " came out changed";
    EXPECT_EQ(lost, 0);
    EXPECT_EQ(next, kCount);
}

TEST(Wakeup, PollsReadableFromNotifyUntilCleared) {
    auto wakeup = std::get<platform::Wakeup>(platform::Wakeup::open());
    auto readable = [&] {
        pollfd p{wakeup.wait_handle(), POLLIN, 0};
        return ::poll(&p, 1, 0) == 1;
    };
    EXPECT_FALSE(readable());
    wakeup.notify();
    wakeup.notify();
    EXPECT_TRUE(readable());
    wakeup.clear();
    EXPECT_FALSE(readable());
    wakeup.notify();
    EXPECT_TRUE(readable());
}

}  // namespace
}  // namespace dslite::daemon
