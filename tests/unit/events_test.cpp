// SPDX-License-Identifier: BSD-2-Clause
// The events the engine reports for the binding log (events.hpp): what each
// holds, when it comes, that none holds a destination, and that a full ring
// costs records, never forwarding.
#include <thread>

#include "engine_fixture.hpp"

namespace dslite::test {
namespace {

class EventsTest : public EngineTest {
protected:
    std::vector<Event> drain() {
        std::vector<Event> out(engine->events()->capacity());
        out.resize(engine->events()->pop(out));
        return out;
    }
    static std::vector<EventKind> kinds(const std::vector<Event>& events) {
        std::vector<EventKind> out;
        for (const Event& e : events) out.push_back(e.kind);
        return out;
    }
    static constexpr std::int64_t kEpoch = 1'700'000'000;
    static std::int64_t at(std::int64_t second) { return (kEpoch + second) * 1'000'000; }
};

TEST_F(EventsTest, ABindingAndItsSubscriberAreRecordedWhenMadeAndWhenTheyExpire) {
    const Bound b = bind_udp(net::b4_a, 0);
    auto events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::subscriber_created, EventKind::binding_created}));
    const Event& sub = events[0];
    EXPECT_EQ(sub.subscriber, mask_ipv6(net::b4_a, 56));
    EXPECT_EQ(sub.subscriber_length, 56);
    EXPECT_EQ(sub.b4, net::b4_a);
    EXPECT_EQ(sub.public_address, b.pub);
    EXPECT_EQ(sub.time_us, at(0));
    const Event& created = events[1];
    EXPECT_EQ(created.b4, net::b4_a);
    EXPECT_EQ(created.subscriber, mask_ipv6(net::b4_a, 56));
    EXPECT_EQ(created.protocol, Protocol::udp);
    EXPECT_EQ(created.inside_address, net::host);
    EXPECT_EQ(created.inside_port, 5000);
    EXPECT_EQ(created.public_address, b.pub);
    EXPECT_EQ(created.public_port, b.port);
    EXPECT_EQ(created.reason, RemovalReason::none);

    // Refreshed at 100 s, so it expires at 100 + 300 + 1, whenever the clock
    // is next looked at; the record says when it expired.
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 100);
    EXPECT_TRUE(drain().empty());
    engine->advance(std::chrono::seconds(kEpoch + 5000));
    events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::binding_removed, EventKind::subscriber_removed}));
    EXPECT_EQ(events[0].reason, RemovalReason::timeout);
    EXPECT_EQ(events[0].time_us, at(401));
    EXPECT_EQ(events[0].public_port, b.port);
    EXPECT_EQ(events[0].inside_port, 5000);
    EXPECT_EQ(events[1].time_us, at(401));
    EXPECT_EQ(events[1].public_address, b.pub);
    EXPECT_EQ(count(Counter::events_lost), 0u);
}

TEST_F(EventsTest, NoRecordHoldsTheDestination) {
    // RFC 6888 REQ-12: the mapping, not whom the subscriber talked to.
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 0);
    from_b4(net::b4_a, tcp(net::host, 6000, kServer2, 80, wire::tcp::syn), 0);
    engine->shutdown(std::chrono::seconds(kEpoch + 1), 100);
    const auto events = drain();
    ASSERT_EQ(events.size(), 6u);
    for (const Event& e : events) {
        const auto* bytes = reinterpret_cast<const std::uint8_t*>(&e);
        for (const Ipv4Address server : {net::server1, kServer2}) {
            const std::uint32_t be = __builtin_bswap32(server.value);
            for (std::size_t i = 0; i + 4 <= sizeof e; ++i) {
                EXPECT_NE(std::memcmp(bytes + i, &server.value, 4), 0) << event_name(e.kind);
                EXPECT_NE(std::memcmp(bytes + i, &be, 4), 0) << event_name(e.kind);
            }
        }
        EXPECT_NE(e.inside_port, 53);
        EXPECT_NE(e.public_port, 80);
    }
}

TEST_F(EventsTest, ATcpBindingClosedByFinsSaysSo) {
    const Out syn = from_b4(net::b4_a, tcp(net::host, 6000, net::server1, 80, wire::tcp::syn), 0);
    const Ipv4Info* ip = syn.decoded.ip4();
    ASSERT_NE(ip, nullptr);
    from_uplink(tcp(net::server1, 80, ip->source, ip->l4.source_port, wire::tcp::syn | wire::tcp::ack), 0);
    from_b4(net::b4_a, tcp(net::host, 6000, net::server1, 80, wire::tcp::fin | wire::tcp::ack), 1);
    from_uplink(tcp(net::server1, 80, ip->source, ip->l4.source_port, wire::tcp::fin | wire::tcp::ack), 1);
    drain();
    engine->advance(std::chrono::seconds(kEpoch + 1000));  // past the transitory 240 s, not 7440 s
    const auto events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::binding_removed, EventKind::subscriber_removed}));
    EXPECT_EQ(events[0].reason, RemovalReason::tcp_closed);
    EXPECT_EQ(events[0].protocol, Protocol::tcp);
    EXPECT_EQ(events[0].time_us, at(1 + 240 + 1));
}

TEST_F(EventsTest, ShutdownRemovesInStepsSoTheRingCanBeDrained) {
    make_with([](EngineConfig& c) { c.event_ring = 64; });
    for (std::uint16_t port = 1; port <= 100; ++port)
        from_b4(net::b4_a, udp(net::host, static_cast<std::uint16_t>(1000 + port), net::server1, 53), 0);
    // 1 subscriber + 100 bindings into a ring of 64: 37 lost, and counted.
    EXPECT_EQ(count(Counter::events_lost), 37u);
    drain();
    std::size_t removed = 0;
    std::size_t left = 100;
    while (left != 0) {
        left = engine->shutdown(std::chrono::seconds(kEpoch + 2), 30);
        for (const Event& e : drain()) {
            if (e.kind != EventKind::binding_removed) continue;
            EXPECT_EQ(e.reason, RemovalReason::shutdown);
            EXPECT_EQ(e.time_us, at(2));
            ++removed;
        }
    }
    EXPECT_EQ(removed, 100u);
    EXPECT_EQ(engine->binding_count(), 0u);
    EXPECT_EQ(engine->subscriber_count(), 0u);
    EXPECT_EQ(count(Counter::events_lost), 37u) << "drained between steps, nothing more is lost";
    expect_balanced();
}

TEST_F(EventsTest, ExhaustionIsRecordedOncePerSecondAndARefusedFirstPacketLeavesNoSubscriber) {
    make_with([](EngineConfig& c) {
        c.quota.udp = 1;
        c.max_subscribers = 1;
    });
    bind_udp(net::b4_a, 0);
    drain();
    for (int i = 0; i < 50; ++i)
        from_b4(net::b4_a, udp(net::host, static_cast<std::uint16_t>(6000 + i), net::server1, 53), 0);
    for (int i = 0; i < 50; ++i) from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53), 0);
    auto events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::quota_exhausted, EventKind::subscriber_table_full}));
    EXPECT_EQ(events[0].b4, net::b4_a);
    EXPECT_EQ(events[0].subscriber, mask_ipv6(net::b4_a, 56));
    EXPECT_EQ(events[0].protocol, Protocol::udp);
    EXPECT_EQ(events[0].inside_port, 6000);
    EXPECT_NE(events[0].public_address, Ipv4Address{});
    EXPECT_EQ(events[1].b4, net::b4_b);
    EXPECT_EQ(count(Counter::drop_quota_exhausted), 50u);
    EXPECT_EQ(count(Counter::drop_subscriber_table_full), 50u);
    // The next second, once more each.
    from_b4(net::b4_a, udp(net::host, 7000, net::server1, 53), 1);
    from_b4(net::b4_a, udp(net::host, 7001, net::server1, 53), 1);
    from_b4(net::b4_b, udp(net::host, 5000, net::server1, 53), 1);
    EXPECT_EQ(kinds(drain()), (std::vector{EventKind::quota_exhausted, EventKind::subscriber_table_full}));
}

TEST_F(EventsTest, AFullPoolIsRecordedWithTheSubscriberThatAskedAndTheAddressItHas) {
    EngineConfig c = base_config();
    c.pools = {Ipv4Prefix{v4("192.0.2.1"), 32}};
    c.port_min = 1024;
    c.port_max = 1027;
    make(c);
    for (std::uint16_t port = 1; port <= 4; ++port)
        from_b4(net::b4_a, udp(net::host, static_cast<std::uint16_t>(1000 + port), net::server1, 53), 0);
    drain();
    from_b4(net::b4_a, udp(net::host, 2000, net::server1, 53), 0);
    const auto events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::pool_exhausted}));
    EXPECT_EQ(events[0].public_address, v4("192.0.2.1"));
    EXPECT_EQ(events[0].inside_port, 2000);
}

// RFC 7785 4: a softwire taken over by a new B4 address takes its bindings
// along; the record says from which address to which, so a binding's
// record naming the old B4 can be followed.
TEST_F(EventsTest, ASoftwireMoveIsRecordedWithBothAddresses) {
    make_with([](EngineConfig& c) { c.softwire_move_hold = 10; });
    const Ipv6Address renumbered = v6("2001:db8:a:1::7");  // net::b4_a's /56
    const Bound b = bind_udp(net::b4_a, 0);
    drain();
    from_b4(renumbered, udp(net::host, 5000, net::server1, 53), 1);
    const auto events = drain();
    ASSERT_EQ(kinds(events), (std::vector{EventKind::softwire_moved}));
    EXPECT_EQ(events[0].b4, renumbered);
    EXPECT_EQ(events[0].previous_b4, net::b4_a);
    EXPECT_EQ(events[0].subscriber, mask_ipv6(net::b4_a, 56));
    EXPECT_EQ(events[0].public_address, b.pub);
    EXPECT_EQ(events[0].time_us, at(1));
    // Refused within the hold: no move, no record.
    from_b4(net::b4_a, udp(net::host, 5000, net::server1, 53), 2);
    EXPECT_TRUE(drain().empty());
}

TEST_F(EventsTest, WithoutARingTheEngineRecordsNothingAndCountsNothing) {
    make_with([](EngineConfig& c) { c.event_ring = 0; });
    EXPECT_EQ(engine->events(), nullptr);
    bind_udp();
    EXPECT_EQ(count(Counter::events_lost), 0u);
}

// One thread pushes, another pops: every event arrives once, in order.
TEST(EventRing, CarriesEveryEventOnceInOrderAcrossThreads) {
    EventRing ring(1024);
    EXPECT_EQ(ring.capacity(), 1024u);
    constexpr std::uint32_t kEvents = 1'000'000;
    std::thread producer([&] {
        for (std::uint32_t i = 0; i < kEvents;) {
            Event e;
            e.public_address = Ipv4Address{i};
            if (ring.push(e)) ++i;
        }
    });
    std::vector<Event> out(100);
    std::uint32_t expected = 0;
    bool in_order = true;
    while (expected < kEvents) {
        const std::size_t n = ring.pop(out);
        for (std::size_t i = 0; i < n; ++i) in_order &= out[i].public_address.value == expected++;
    }
    producer.join();
    EXPECT_TRUE(in_order);
    EXPECT_EQ(ring.size(), 0u);
}

TEST(EventRing, RefusesWhenFullAndRoundsUpToAPowerOfTwo) {
    EventRing ring(3);
    EXPECT_EQ(ring.capacity(), 4u);
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(ring.push(Event{}));
    EXPECT_FALSE(ring.push(Event{}));
    std::vector<Event> out(2);
    EXPECT_EQ(ring.pop(out), 2u);
    EXPECT_TRUE(ring.push(Event{}));
    EXPECT_EQ(ring.size(), 3u);
}

TEST(EventNames, EveryKindAndReasonHasAName) {
    for (const EventKind k : {EventKind::binding_created, EventKind::binding_removed, EventKind::subscriber_created,
                              EventKind::subscriber_removed, EventKind::quota_exhausted, EventKind::pool_exhausted,
                              EventKind::binding_table_full, EventKind::subscriber_table_full})
        EXPECT_NE(event_name(k), "unknown");
    EXPECT_EQ(event_name(EventKind::binding_removed), "binding_removed");
    EXPECT_EQ(reason_name(RemovalReason::tcp_closed), "tcp_closed");
}

}  // namespace
}  // namespace dslite::test
