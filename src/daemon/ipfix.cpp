// SPDX-License-Identifier: BSD-2-Clause
#include "ipfix.hpp"

#include <array>

#include "dslite/wire.hpp"

namespace dslite::daemon {

namespace {

// Information Elements (IANA IPFIX registry; RFC 8158 Table 1).
enum Ie : std::uint16_t {
    protocolIdentifier = 4,
    sourceTransportPort = 7,
    sourceIPv4Address = 8,
    sourceIPv6Address = 27,
    postNATSourceIPv4Address = 225,
    postNAPTSourceTransportPort = 227,
    natEvent = 230,
    natPoolId = 283,
    portRangeStart = 361,
    portRangeEnd = 362,
    observationTimeMilliseconds = 323,  // RFC 8158's timeStamp
    natQuotaExceededEvent = 466,
    maxBIBEntries = 472,
    maxEntriesPerUser = 473,
    maxSubscribers = 474,
};

struct Field {
    Ie ie;
    std::uint16_t length;
};

// Every record starts with the time and the natEvent.
constexpr Field kTime{observationTimeMilliseconds, 8};
constexpr Field kEvent{natEvent, 1};

enum Template : std::size_t {
    bib,
    address_binding,
    addresses_exhausted,
    ports_exhausted,
    per_user,
    max_bib,
    max_subs,
    port_block,
};

const std::array<std::vector<Field>, IpfixExporter::kTemplates>& templates() {
    static const std::array<std::vector<Field>, IpfixExporter::kTemplates> t = {{
        {kTime,
         kEvent,
         {sourceIPv6Address, 16},
         {sourceIPv4Address, 4},
         {postNATSourceIPv4Address, 4},
         {protocolIdentifier, 1},
         {sourceTransportPort, 2},
         {postNAPTSourceTransportPort, 2}},
        {kTime, kEvent, {sourceIPv6Address, 16}, {postNATSourceIPv4Address, 4}},
        {kTime, kEvent, {natPoolId, 4}},
        {kTime, kEvent, {postNATSourceIPv4Address, 4}, {protocolIdentifier, 1}},
        {kTime,
         kEvent,
         {natQuotaExceededEvent, 4},
         {maxEntriesPerUser, 4},
         {sourceIPv6Address, 16},
         {sourceIPv4Address, 4}},
        {kTime, kEvent, {natQuotaExceededEvent, 4}, {maxBIBEntries, 4}},
        {kTime, kEvent, {natQuotaExceededEvent, 4}, {maxSubscribers, 4}},
        {kTime, kEvent, {sourceIPv6Address, 16}, {postNATSourceIPv4Address, 4}, {portRangeStart, 2}, {portRangeEnd, 2}},
    }};
    return t;
}

std::size_t record_size(std::size_t t) {
    std::size_t n = 0;
    for (const Field& f : templates()[t]) n += f.length;
    return n;
}

void put8(IpfixExporter::Bytes& b, std::uint8_t v) { b.push_back(v); }
void put16(IpfixExporter::Bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}
void put32(IpfixExporter::Bytes& b, std::uint32_t v) {
    put16(b, static_cast<std::uint16_t>(v >> 16));
    put16(b, static_cast<std::uint16_t>(v));
}
void put64(IpfixExporter::Bytes& b, std::uint64_t v) {
    put32(b, static_cast<std::uint32_t>(v >> 32));
    put32(b, static_cast<std::uint32_t>(v));
}
constexpr std::size_t kMessageHeader = 16;
constexpr std::size_t kSetHeader = 4;
constexpr std::uint16_t kTemplateSet = 2;
// RFC 8158 4.4, Table 3.
constexpr std::uint32_t kQuotaMaxBib = 2, kQuotaPerUser = 3, kQuotaSubscribers = 4;

}  // namespace

IpfixExporter::IpfixExporter(IpfixLimits limits, std::uint32_t observation_domain, std::size_t max_message)
    : limits_(limits), domain_(observation_domain), max_message_(max_message) {}

void IpfixExporter::add(const Event& e, std::chrono::system_clock::time_point at) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    std::size_t t = bib;
    std::uint8_t event = 0;
    switch (e.kind) {
    case EventKind::binding_created: event = 8; break;
    case EventKind::binding_removed: event = 9; break;
    case EventKind::subscriber_created: t = address_binding, event = 14; break;
    case EventKind::subscriber_removed: t = address_binding, event = 15; break;
    case EventKind::pool_exhausted:
        t = e.public_address.value ? ports_exhausted : addresses_exhausted;
        event = e.public_address.value ? 12 : 3;
        break;
    case EventKind::quota_exhausted: t = per_user, event = 13; break;
    case EventKind::binding_table_full: t = max_bib, event = 13; break;
    case EventKind::subscriber_table_full: t = max_subs, event = 13; break;
    case EventKind::port_block_allocated: t = port_block, event = 16; break;
    case EventKind::port_block_released: t = port_block, event = 17; break;
    case EventKind::softwire_moved: return;  // RFC 8158 has no event for it
    }
    Bytes& b = queued_[t];
    put64(b, static_cast<std::uint64_t>(ms < 0 ? 0 : ms));
    put8(b, event);
    const auto b4 = [&] { b.insert(b.end(), e.b4.begin(), e.b4.end()); };
    const auto proto = static_cast<std::uint8_t>(e.protocol);
    switch (t) {
    case bib:
        b4();
        put32(b, e.inside_address.value);
        put32(b, e.public_address.value);
        put8(b, proto);
        put16(b, e.inside_port);
        put16(b, e.public_port);
        break;
    case address_binding:
        b4();
        put32(b, e.public_address.value);
        break;
    case addresses_exhausted: put32(b, 1); break;  // one pool (all of --pool)
    case ports_exhausted:
        put32(b, e.public_address.value);
        put8(b, proto);
        break;
    case per_user:
        put32(b, kQuotaPerUser);
        put32(b, e.protocol == Protocol::tcp   ? limits_.quota_tcp
                 : e.protocol == Protocol::udp ? limits_.quota_udp
                                               : limits_.quota_icmp);
        b4();
        put32(b, e.inside_address.value);
        break;
    case max_bib:
        put32(b, kQuotaMaxBib);
        put32(b, limits_.max_bindings);
        break;
    case max_subs:
        put32(b, kQuotaSubscribers);
        put32(b, limits_.max_subscribers);
        break;
    case port_block:
        b4();
        put32(b, e.public_address.value);
        put16(b, e.public_port);
        put16(b, e.public_port_last);
        break;
    }
    ++queued_records_[t];
}

std::vector<std::uint8_t> IpfixExporter::template_set() const {
    Bytes set;
    put16(set, kTemplateSet);
    put16(set, 0);
    for (std::size_t t = 0; t < kTemplates; ++t) {
        put16(set, static_cast<std::uint16_t>(kFirstTemplate + t));
        put16(set, static_cast<std::uint16_t>(templates()[t].size()));
        for (const Field& f : templates()[t]) {
            put16(set, f.ie);
            put16(set, f.length);
        }
    }
    wire::store16(set.data() + 2, static_cast<std::uint16_t>(set.size()));
    return set;
}

std::vector<IpfixExporter::Message> IpfixExporter::take(std::chrono::system_clock::time_point now) {
    std::vector<Message> out;
    const bool templates = templates_due_ || now - templates_sent_ >= refresh;
    bool any = templates;
    for (std::size_t r : queued_records_) any |= r != 0;
    if (!any) return out;

    const auto export_time =
        static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
    Message m;
    const auto start = [&] {
        m = Message{};
        m.bytes.resize(kMessageHeader);
    };
    const auto finish = [&] {
        wire::store16(m.bytes.data() + 0, 10);  // IPFIX
        wire::store16(m.bytes.data() + 2, static_cast<std::uint16_t>(m.bytes.size()));
        wire::store32(m.bytes.data() + 4, export_time);
        wire::store32(m.bytes.data() + 8, sequence_);
        wire::store32(m.bytes.data() + 12, domain_);
        sequence_ += static_cast<std::uint32_t>(m.records);
        out.push_back(std::move(m));
    };
    start();
    if (templates) {
        const Bytes set = template_set();
        m.bytes.insert(m.bytes.end(), set.begin(), set.end());
        templates_due_ = false;
        templates_sent_ = now;
    }
    for (std::size_t t = 0; t < kTemplates; ++t) {
        const std::size_t size = record_size(t);
        std::size_t done = 0;
        while (done < queued_records_[t]) {
            if (m.bytes.size() + kSetHeader + size > max_message_) {
                finish();
                start();
            }
            const std::size_t fit = (max_message_ - m.bytes.size() - kSetHeader) / size;
            const std::size_t n = std::min(fit, queued_records_[t] - done);
            put16(m.bytes, static_cast<std::uint16_t>(kFirstTemplate + t));
            put16(m.bytes, static_cast<std::uint16_t>(kSetHeader + n * size));
            const auto* first = queued_[t].data() + done * size;
            m.bytes.insert(m.bytes.end(), first, first + n * size);
            m.records += n;
            done += n;
        }
        queued_[t].clear();
        queued_records_[t] = 0;
    }
    finish();
    return out;
}

}  // namespace dslite::daemon
