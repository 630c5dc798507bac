// SPDX-License-Identifier: BSD-2-Clause
// IPFIX messages (RFC 7011) of the binding log, read back field by field
// here; libfixbuf's ipfixDump reads them in the e2e case binding_log.
#include "ipfix.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sample_event.hpp"

namespace dslite::daemon {
namespace {

namespace net = test::net;
using Bytes = IpfixExporter::Bytes;

std::uint16_t u16(const Bytes& b, std::size_t at) { return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]); }
std::uint32_t u32(const Bytes& b, std::size_t at) { return std::uint32_t{u16(b, at)} << 16 | u16(b, at + 2); }
std::uint64_t u64(const Bytes& b, std::size_t at) { return std::uint64_t{u32(b, at)} << 32 | u32(b, at + 4); }

using test_events::kAt;

// A UDP binding of net::host:5000 behind net::b4_a, as 198.51.100.3:40123.
Event binding(EventKind kind = EventKind::binding_created) {
    Event e = test_events::sample(kind);
    e.protocol = Protocol::udp;
    e.inside_port = 5000;
    return e;
}

// The sets of a message: (set id, offset of its first record, length of its records).
struct Set {
    std::uint16_t id;
    std::size_t at;
    std::size_t length;
};
std::vector<Set> sets_of(const Bytes& m) {
    std::vector<Set> sets;
    for (std::size_t at = 16; at + 4 <= m.size();) {
        const std::uint16_t length = u16(m, at + 2);
        EXPECT_GE(length, 4u);
        if (length < 4) break;
        sets.push_back({u16(m, at), at + 4, length - 4u});
        at += length;
    }
    return sets;
}

TEST(Ipfix, AFirstMessageHasTheHeaderTheTemplatesAndTheRecord) {
    IpfixExporter exporter({.quota_udp = 2048}, 7);
    exporter.add(binding(), kAt);
    const auto messages = exporter.take(kAt + std::chrono::seconds(1));
    ASSERT_EQ(messages.size(), 1u);
    const Bytes& m = messages[0].bytes;
    EXPECT_EQ(messages[0].records, 1u);
    // RFC 7011 3.1: version 10, length, export time, sequence, domain.
    EXPECT_EQ(u16(m, 0), 10);
    EXPECT_EQ(u16(m, 2), m.size());
    EXPECT_EQ(u32(m, 4), 1'700'000'001u);
    EXPECT_EQ(u32(m, 8), 0u);
    EXPECT_EQ(u32(m, 12), 7u);
    const auto sets = sets_of(m);
    ASSERT_EQ(sets.size(), 2u);
    EXPECT_EQ(sets[0].id, 2) << "a template set first";
    // Template 256: the BIB record, 8 fields.
    EXPECT_EQ(u16(m, sets[0].at), 256);
    EXPECT_EQ(u16(m, sets[0].at + 2), 8);
    const std::uint16_t fields[][2] = {{323, 8}, {230, 1}, {27, 16}, {8, 4}, {225, 4}, {4, 1}, {7, 2}, {227, 2}};
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(u16(m, sets[0].at + 4 + 4 * i), fields[i][0]) << i;
        EXPECT_EQ(u16(m, sets[0].at + 6 + 4 * i), fields[i][1]) << i;
    }
    ASSERT_EQ(sets[1].id, 256);
    ASSERT_EQ(sets[1].length, 38u);
    const std::size_t r = sets[1].at;
    EXPECT_EQ(u64(m, r), 1'700'000'000'250u);
    EXPECT_EQ(m[r + 8], 8) << "natEvent: NAT44 BIB create";
    EXPECT_TRUE(std::equal(net::b4_a.begin(), net::b4_a.end(), m.begin() + r + 9));
    EXPECT_EQ(u32(m, r + 25), net::host.value);
    EXPECT_EQ(u32(m, r + 29), test::v4("198.51.100.3").value);
    EXPECT_EQ(m[r + 33], 17);
    EXPECT_EQ(u16(m, r + 34), 5000);
    EXPECT_EQ(u16(m, r + 36), 40123);
}

TEST(Ipfix, EachEventHasItsNatEventAndNoDestination) {
    IpfixExporter exporter({.quota_tcp = 1, .quota_udp = 2, .quota_icmp = 3, .max_bindings = 4, .max_subscribers = 5});
    const std::pair<EventKind, std::uint8_t> kinds[] = {
        {EventKind::binding_created, 8},       {EventKind::binding_removed, 9},
        {EventKind::subscriber_created, 14},   {EventKind::subscriber_removed, 15},
        {EventKind::quota_exhausted, 13},      {EventKind::pool_exhausted, 12},
        {EventKind::binding_table_full, 13},   {EventKind::subscriber_table_full, 13},
        {EventKind::port_block_allocated, 16}, {EventKind::port_block_released, 17}};
    for (const auto& [kind, _] : kinds) {
        Event e = binding(kind);
        if (kind == EventKind::port_block_allocated || kind == EventKind::port_block_released)
            e.public_port_last = 40123 + 63;
        exporter.add(e, kAt);
    }
    Event no_address = binding(EventKind::pool_exhausted);
    no_address.public_address = {};
    exporter.add(no_address, kAt);
    const auto messages = exporter.take(kAt);
    ASSERT_EQ(messages.size(), 1u);
    const Bytes& m = messages[0].bytes;
    std::multiset<std::uint8_t> events;
    std::map<std::uint16_t, std::size_t> records;
    for (const Set& s : sets_of(m)) {
        if (s.id == 2) continue;
        const std::size_t size = std::map<std::uint16_t, std::size_t>{{256, 38}, {257, 29}, {258, 13}, {259, 14},
                                                                      {260, 37}, {261, 17}, {262, 17}, {263, 33}}
                                     .at(s.id);
        ASSERT_EQ(s.length % size, 0u) << s.id;
        for (std::size_t at = s.at; at < s.at + s.length; at += size) {
            events.insert(m[at + 8]);
            ++records[s.id];
            if (s.id == 260) {
                EXPECT_EQ(u32(m, at + 9), 3u) << "max entries per user";
                EXPECT_EQ(u32(m, at + 13), 2u) << "the UDP quota";
            } else if (s.id == 261) {
                EXPECT_EQ(u32(m, at + 13), 4u);
            } else if (s.id == 262) {
                EXPECT_EQ(u32(m, at + 13), 5u);
            } else if (s.id == 263) {
                // RFC 8158 4.6.10: the B4, the public address, portRangeStart and portRangeEnd.
                EXPECT_TRUE(std::equal(net::b4_a.begin(), net::b4_a.end(), m.begin() + at + 9));
                EXPECT_EQ(u32(m, at + 25), test::v4("198.51.100.3").value);
                EXPECT_EQ(u16(m, at + 29), 40123);
                EXPECT_EQ(u16(m, at + 31), 40123 + 63);
            }
        }
    }
    EXPECT_EQ(events, (std::multiset<std::uint8_t>{3, 8, 9, 12, 13, 13, 13, 14, 15, 16, 17}));
    EXPECT_EQ(records[256], 2u);
    EXPECT_EQ(records[258], 1u) << "no address to give: addresses exhausted";
    EXPECT_EQ(records[259], 1u) << "the subscriber's address is out of ports";
    EXPECT_EQ(records[263], 2u);
    EXPECT_EQ(messages[0].records, 11u);
}

TEST(Ipfix, SequenceNumbersCountRecordsAndMessagesStayUnderTheLimit) {
    IpfixExporter exporter({}, 1, 512);
    for (int i = 0; i < 100; ++i) exporter.add(binding(), kAt);
    auto messages = exporter.take(kAt);
    ASSERT_GT(messages.size(), 1u);
    std::uint32_t expected_sequence = 0;
    std::size_t records = 0;
    for (const auto& m : messages) {
        EXPECT_LE(m.bytes.size(), 512u);
        EXPECT_EQ(u16(m.bytes, 2), m.bytes.size());
        EXPECT_EQ(u32(m.bytes, 8), expected_sequence);
        std::size_t here = 0;
        for (const Set& s : sets_of(m.bytes))
            if (s.id == 256) here += s.length / 38;
        EXPECT_EQ(here, m.records);
        expected_sequence += static_cast<std::uint32_t>(m.records);
        records += m.records;
    }
    EXPECT_EQ(records, 100u);
    exporter.add(binding(), kAt);
    messages = exporter.take(kAt + std::chrono::seconds(1));
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(u32(messages[0].bytes, 8), 100u);
    EXPECT_NE(sets_of(messages[0].bytes).front().id, 2) << "templates only when due";
}

TEST(Ipfix, TemplatesAreResentPeriodicallyAndOnRequest) {
    IpfixExporter exporter({});
    EXPECT_EQ(exporter.take(kAt).size(), 1u) << "templates alone, the first time";
    EXPECT_TRUE(exporter.take(kAt + std::chrono::seconds(1)).empty()) << "nothing to say";
    auto due = exporter.take(kAt + exporter.refresh);
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(sets_of(due[0].bytes).front().id, 2);
    EXPECT_EQ(due[0].records, 0u);
    exporter.resend_templates();
    exporter.add(binding(), kAt);
    due = exporter.take(kAt + exporter.refresh + std::chrono::seconds(1));
    ASSERT_EQ(due.size(), 1u);
    EXPECT_EQ(sets_of(due[0].bytes).front().id, 2);
    EXPECT_EQ(due[0].records, 1u);
}

}  // namespace
}  // namespace dslite::daemon
