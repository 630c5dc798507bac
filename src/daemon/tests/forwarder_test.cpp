// SPDX-License-Identifier: BSD-2-Clause
// The forwarder on its own, a burst at a time: what comes out of one device
// serving both sides leaves in the order it arrived.
#include "forwarder.hpp"

#include <gtest/gtest.h>

#include "handoffs.hpp"
#include "lab_packets.hpp"
#include "platform/fake_device.hpp"
#include "dslite/wire.hpp"
#include "support/packet_decoder.hpp"

namespace dslite::daemon {
namespace {

using namespace lab;
using platform::FakeDevice;

// The payload of what was written: "b4 N" for a datagram the B4 side sent
// (now IPv4 to the server), "up N" for an answer (now inside IPv6 to the B4).
std::string payload(const Bytes& written) {
    const Decoded d = decode(written);
    if (d.ipv4) return d.ipv4->l4.payload_text();
    if (d.ipv6 && d.ipv6->inner) return d.ipv6->inner->l4.payload_text();
    return "?";
}

TEST(Forwarder, SharedDeviceKeepsArrivalOrderAcrossAndWithinSides) {
    Engine engine(lab_config());
    FakeDevice shared("fake-shared");
    Forwarder forwarder(engine, shared, shared);

    // A binding first, to learn its public address and port.
    shared.push(softwire_udp(net::b4_a, 5000, "open"));
    ASSERT_EQ(forwarder.pump(shared, Time{}), 1u);
    ASSERT_EQ(shared.written().size(), 1u);
    const Decoded opened = decode(shared.written()[0]);
    ASSERT_TRUE(opened.ipv4);
    shared.written().clear();

    // One burst, both sides interleaved unevenly, each packet numbered.
    std::vector<std::string> sent;
    const char* pattern = "uubuuubbubuuuuubbbub";  // 20 < Forwarder::kBurst
    for (std::size_t i = 0; pattern[i] != '\0'; ++i) {
        const std::string text = (pattern[i] == 'u' ? "up " : "b4 ") + std::to_string(i);
        if (pattern[i] == 'u')
            shared.push(uplink_udp(opened.ipv4->source, opened.ipv4->l4.source_port, text));
        else
            shared.push(softwire_udp(net::b4_a, 5000, text));
        sent.push_back(text);
    }
    EXPECT_EQ(forwarder.pump(shared, Time{}), sent.size());

    // Each side's packets leave as one burst, in the order they came.
    std::vector<std::string> want_to_b4;
    std::vector<std::string> want_to_uplink;
    for (const auto& text : sent) (text.starts_with("up") ? want_to_b4 : want_to_uplink).push_back(text);
    std::vector<std::string> got;
    for (const auto& w : shared.written()) got.push_back(payload(w));
    std::vector<std::string> want = want_to_b4;
    want.insert(want.end(), want_to_uplink.begin(), want_to_uplink.end());
    EXPECT_EQ(got, want);
}

TEST(Forwarder, AnAnswerInTheBurstThatOpensItsBindingGetsThrough) {
    // Only the packet opening the binding tells its public port; the seed
    // fixes the port choice, so a first engine shows what it will be.
    Engine probe(lab_config());
    FakeDevice probe_device("probe");
    Forwarder probing(probe, probe_device, probe_device);
    probe_device.push(softwire_udp(net::b4_a, 5000, "open"));
    probing.pump(probe_device, Time{});
    const Decoded opened = decode(probe_device.written().at(0));
    ASSERT_TRUE(opened.ipv4);

    Engine engine(lab_config());
    FakeDevice shared("fake-shared");
    Forwarder forwarder(engine, shared, shared);
    shared.push(softwire_udp(net::b4_a, 5000, "open"));
    shared.push(uplink_udp(opened.ipv4->source, opened.ipv4->l4.source_port, "answer"));
    EXPECT_EQ(forwarder.pump(shared, Time{}), 2u);
    ASSERT_EQ(shared.written().size(), 2u) << "the answer was taken for unsolicited";
    EXPECT_EQ(payload(shared.written()[0]), "answer");  // the B4 side's burst is written first
    EXPECT_EQ(payload(shared.written()[1]), "open");
    EXPECT_EQ(engine.counters()[Counter::out_b4_packets], 1u);
}

}  // namespace
}  // namespace dslite::daemon

namespace dslite::daemon {
namespace {

using namespace lab;
using platform::FakeDevice;

Ipv6Address b4_number(unsigned n) {  // one B4 per /56
    Ipv6Address a = net::b4_a;
    a[4] = static_cast<std::uint8_t>(n >> 8);
    a[5] = static_cast<std::uint8_t>(n);
    return a;
}

// Two workers as --threads 2 makes them, each with its engine and its own
// queue of each device, driven by hand: what one reads that the other's
// engine owns is forwarded by the other.
struct Workers {
    explicit Workers(EngineConfig config = lab_config()) : shares(config, 2) {
        auto made = Handoffs::open(shares, 1 << 16);
        handoffs = std::move(std::get<std::unique_ptr<Handoffs>>(made));
        for (unsigned i = 0; i < 2; ++i) {
            engines.push_back(std::make_unique<Engine>(shares.config_of(i)));
            b4.push_back(std::make_unique<FakeDevice>("b4-" + std::to_string(i)));
            uplink.push_back(std::make_unique<FakeDevice>("uplink-" + std::to_string(i)));
            forwarders.push_back(std::make_unique<Forwarder>(*engines[i], *b4[i], *uplink[i], *handoffs, i));
        }
    }
    unsigned owner_of(const Ipv6Address& b4_address) const {
        return shares.from_b4(softwire_udp(b4_address, 1, "x")).index;
    }
    // Pumps every device and ring of both workers until nothing moves.
    void settle(Time now = Time{}) {
        for (bool moved = true; moved;) {
            moved = false;
            for (unsigned i = 0; i < 2; ++i) {
                moved |= forwarders[i]->pump(*b4[i], now) > 0;
                moved |= forwarders[i]->pump(*uplink[i], now) > 0;
                moved |= forwarders[i]->pump_handoffs(now) > 0;
            }
        }
    }

    Shares shares;
    std::unique_ptr<Handoffs> handoffs;
    std::vector<std::unique_ptr<Engine>> engines;
    std::vector<std::unique_ptr<FakeDevice>> b4, uplink;
    std::vector<std::unique_ptr<Forwarder>> forwarders;
};

TEST(ForwarderWorkers, APacketReadByTheWrongWorkerIsForwardedByItsOwnerInOrder) {
    Workers w;
    const Ipv6Address site = b4_number(1);
    const unsigned owner = w.owner_of(site), other = 1 - owner;
    std::vector<std::string> sent;
    for (int i = 0; i < 40; ++i) {
        sent.push_back("b4 " + std::to_string(i));
        w.b4[other]->push(softwire_udp(site, 5000, sent.back()));
    }
    EXPECT_EQ(w.forwarders[other]->pump(*w.b4[other], Time{}), 40u);
    EXPECT_TRUE(w.uplink[other]->written().empty());
    EXPECT_EQ(w.forwarders[other]->stats().handed_off, 40u);
    EXPECT_EQ(w.forwarders[owner]->pump_handoffs(Time{}), 40u);
    std::vector<std::string> got;
    for (const auto& p : w.uplink[owner]->written()) got.push_back(payload(p));
    EXPECT_EQ(got, sent);
    EXPECT_EQ(w.engines[owner]->binding_count(), 1u);
    EXPECT_EQ(w.engines[other]->binding_count(), 0u);

    // The answer, read by the other worker's uplink queue, reaches the B4 from the owner.
    const Decoded opened = decode(w.uplink[owner]->written().at(0));
    w.uplink[other]->push(uplink_udp(opened.ipv4->source, opened.ipv4->l4.source_port, "up"));
    w.settle();
    ASSERT_EQ(w.b4[owner]->written().size(), 1u);
    EXPECT_EQ(payload(w.b4[owner]->written()[0]), "up");
    EXPECT_TRUE(w.b4[other]->written().empty());
    EXPECT_EQ(w.engines[other]->counters()[Counter::drop_uplink_no_binding], 0u);
}

TEST(ForwarderWorkers, QuotasHoldPerSubscriberWhicheverWorkerReadsItsPackets) {
    EngineConfig config = lab_config();
    config.quota.udp = 6;
    Workers w(config);
    const Ipv6Address site = b4_number(3);
    for (std::uint16_t port = 1; port <= 10; ++port)
        w.b4[port % 2]->push(softwire_udp(site, static_cast<std::uint16_t>(6000 + port), "q"));
    w.settle();
    const unsigned owner = w.owner_of(site);
    EXPECT_EQ(w.engines[owner]->counters()[Counter::bindings_created], 6u);
    EXPECT_EQ(w.engines[owner]->counters()[Counter::drop_quota_exhausted], 4u);
    EXPECT_EQ(w.engines[1 - owner]->counters()[Counter::in_b4_packets], 0u);
}

TEST(ForwarderWorkers, HairpinBetweenSubscribersOfTwoEngines) {
    Workers w;
    unsigned a = 0, b = 1;
    while (w.owner_of(b4_number(b)) == w.owner_of(b4_number(a))) ++b;
    const unsigned owner_a = w.owner_of(b4_number(a)), owner_b = w.owner_of(b4_number(b));
    w.b4[owner_b]->push(softwire_udp(b4_number(b), 6000, "open"));
    w.settle();
    const Decoded bound = decode(w.uplink[owner_b]->written().at(0));

    // Site A sends to site B's public address and port.
    const Bytes inner = ipv4_udp(Ipv4Header{net::host, bound.ipv4->source},
                                 UdpDatagram{7000, bound.ipv4->l4.source_port, text_bytes("hairpin")});
    w.b4[owner_a]->push(softwire(Ipv6Header{b4_number(a), net::aftr}, inner));
    w.settle();
    EXPECT_TRUE(w.uplink[owner_a]->written().empty()) << "written to the uplink instead of handed on";
    ASSERT_EQ(w.b4[owner_b]->written().size(), 1u);
    const Decoded delivered = decode(w.b4[owner_b]->written()[0]);
    ASSERT_TRUE(delivered.ipv6 && delivered.ipv6->inner);
    EXPECT_EQ(delivered.ipv6->destination, b4_number(b));
    EXPECT_EQ(delivered.ipv6->inner->l4.payload_text(), "hairpin");
    EXPECT_EQ(w.forwarders[owner_a]->stats().handed_off, 1u);
}

TEST(ForwarderWorkers, UplinkFragmentsBeforeTheirFirstWaitAndFollowIt) {
    Workers w;
    const Ipv6Address site = b4_number(1);
    const unsigned owner = w.owner_of(site), other = 1 - owner;
    w.b4[owner]->push(softwire_udp(site, 5000, "open"));
    w.settle();
    const Decoded opened = decode(w.uplink[owner]->written().at(0));

    // A 3000-byte answer in three fragments, the last first, all read by the other worker.
    const Bytes whole = ipv4_udp(Ipv4Header{net::server1, opened.ipv4->source},
                                 UdpDatagram{7, opened.ipv4->l4.source_port, Bytes(3000, 0x5a)});
    const std::size_t payload_bytes = whole.size() - 20;
    std::vector<Bytes> fragments;
    for (std::size_t at = 0; at < payload_bytes; at += 1480) {
        Ipv4Header h{net::server1, opened.ipv4->source};
        h.identification = 77;
        h.fragment_offset = static_cast<std::uint16_t>(at / 8);
        h.more_fragments = at + 1480 < payload_bytes;
        const std::size_t n = std::min<std::size_t>(1480, payload_bytes - at);
        fragments.push_back(ipv4_packet(h, wire::proto_udp, std::span(whole).subspan(20 + at, n)));
    }
    ASSERT_EQ(fragments.size(), 3u);
    w.uplink[other]->push(fragments[2]);
    w.uplink[other]->push(fragments[1]);
    w.forwarders[other]->pump(*w.uplink[other], Time{});
    EXPECT_EQ(w.forwarders[other]->stats().handed_off, 0u) << "handed on before anyone knew whose";
    w.uplink[other]->push(fragments[0]);
    w.settle();
    EXPECT_EQ(w.forwarders[other]->stats().handed_off, 3u);
    EXPECT_EQ(w.engines[other]->counters()[Counter::in_uplink_packets], 0u);
    EXPECT_EQ(w.engines[owner]->counters()[Counter::in_uplink_packets], 3u);
    EXPECT_FALSE(w.b4[owner]->written().empty());
    EXPECT_EQ(w.engines[owner]->counters()[Counter::fragment_datagrams_expired], 0u);
}

TEST(ForwarderWorkers, AFullRingLosesThePacketAndCountsIt) {
    EngineConfig config = lab_config();
    Shares shares(config, 2);
    auto handoffs = std::move(std::get<std::unique_ptr<Handoffs>>(Handoffs::open(shares, 4096)));
    Engine engine(shares.config_of(0));
    FakeDevice b4("b4"), uplink("uplink");
    Forwarder forwarder(engine, b4, uplink, *handoffs, 0);
    unsigned n = 0;
    while (shares.from_b4(softwire_udp(b4_number(n), 1, "x")).index != 1) ++n;
    for (int i = 0; i < 60; ++i) b4.push(softwire_udp(b4_number(n), 5000, std::string(100, 'x')));
    forwarder.pump(b4, Time{});
    EXPECT_GT(forwarder.stats().handoff_refused, 0u);
    EXPECT_EQ(forwarder.stats().handed_off + forwarder.stats().handoff_refused, 60u);
}

}  // namespace
}  // namespace dslite::daemon
