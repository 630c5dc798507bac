// SPDX-License-Identifier: BSD-2-Clause
#include "replay_result.hpp"

#include <gtest/gtest.h>

#include "dslite/wire.hpp"

namespace dslite::test {

namespace w = dslite::wire;

std::string OutPacket::payload_text() const {
    if (const auto* p = ip4()) return p->l4.payload_text();
    if (d.ipv6 && d.ipv6->icmpv6) return d.ipv6->icmpv6->payload_text();
    return {};
}

std::uint16_t source_port(const Ipv4Info& p) {
    return p.protocol == w::proto_icmp ? p.l4.icmp_identifier : p.l4.source_port;
}
std::uint16_t destination_port(const Ipv4Info& p) {
    return p.protocol == w::proto_icmp ? p.l4.icmp_identifier : p.l4.destination_port;
}

std::uint64_t Result::counter(const std::string& name) const {
    auto it = counters.find(name);
    return it == counters.end() ? 0 : it->second;
}

std::vector<const OutPacket*> Result::find(const std::vector<OutPacket>& side, std::string_view tag,
                                           bool prefix) const {
    std::vector<const OutPacket*> found;
    for (const auto& p : side) {
        auto text = p.payload_text();
        if (prefix ? std::string_view(text).starts_with(tag) : text == tag) found.push_back(&p);
    }
    return found;
}

namespace {
const OutPacket* one(const Result& r, const std::vector<OutPacket>& side, std::string_view tag, const char* name) {
    auto found = r.find(side, tag);
    if (found.size() == 1) return found.front();
    ADD_FAILURE() << "expected exactly one packet with payload '" << tag << "' towards the " << name << ", found "
                  << found.size() << "\n"
                  << r.dump();
    return nullptr;
}
void none(const Result& r, const std::vector<OutPacket>& side, std::string_view prefix, const char* name) {
    auto found = r.find(side, prefix, true);
    if (found.empty()) return;
    ADD_FAILURE() << "expected no packet with payload '" << prefix << "...' towards the " << name << ", found "
                  << found.front()->text();
}
}  // namespace

const OutPacket* Result::one_b4(std::string_view tag) const { return one(*this, b4, tag, "B4s"); }
const OutPacket* Result::one_uplink(std::string_view tag) const { return one(*this, uplink, tag, "uplink"); }
void Result::none_b4(std::string_view prefix) const { none(*this, b4, prefix, "B4s"); }
void Result::none_uplink(std::string_view prefix) const { none(*this, uplink, prefix, "uplink"); }

std::string Result::dump() const {
    std::string s = "  to B4s:\n";
    for (const auto& p : b4) s += "    " + p.text() + "\n";
    s += "  to uplink:\n";
    for (const auto& p : uplink) s += "    " + p.text() + "\n";
    return s;
}

Result decode_result(const Capture& input, const Capture& b4, const Capture& uplink,
                     std::map<std::string, std::uint64_t> counters) {
    Result r;
    r.input = input;
    r.counters = std::move(counters);
    for (const auto& rec : b4.records) r.b4.push_back({rec.micros, decode(rec.data)});
    for (const auto& rec : uplink.records) r.uplink.push_back({rec.micros, decode(rec.data)});
    return r;
}

}  // namespace dslite::test
