// The forwarder on its own, a burst at a time: what comes out of one device
// serving both sides leaves in the order it arrived.
#include "forwarder.hpp"

#include <gtest/gtest.h>

#include "lab_packets.hpp"
#include "platform/fake_device.hpp"
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
    shared.push(softwire_udp(kB4a, 5000, "open"));
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
        if (pattern[i] == 'u') shared.push(uplink_udp(opened.ipv4->source, opened.ipv4->l4.source_port, text));
        else shared.push(softwire_udp(kB4a, 5000, text));
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
    probe_device.push(softwire_udp(kB4a, 5000, "open"));
    probing.pump(probe_device, Time{});
    const Decoded opened = decode(probe_device.written().at(0));
    ASSERT_TRUE(opened.ipv4);

    Engine engine(lab_config());
    FakeDevice shared("fake-shared");
    Forwarder forwarder(engine, shared, shared);
    shared.push(softwire_udp(kB4a, 5000, "open"));
    shared.push(uplink_udp(opened.ipv4->source, opened.ipv4->l4.source_port, "answer"));
    EXPECT_EQ(forwarder.pump(shared, Time{}), 2u);
    ASSERT_EQ(shared.written().size(), 2u) << "the answer was taken for unsolicited";
    EXPECT_EQ(payload(shared.written()[0]), "answer");  // the B4 side's burst is written first
    EXPECT_EQ(payload(shared.written()[1]), "open");
    EXPECT_EQ(engine.counters()[Counter::out_b4_packets], 1u);
}

}  // namespace
}  // namespace dslite::daemon
