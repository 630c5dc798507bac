// SPDX-License-Identifier: BSD-2-Clause
#include "traffic.hpp"

#include <algorithm>
#include <numeric>
#include <random>

#include "dslite/address.hpp"
#include "dslite/checksum.hpp"
#include "dslite/wire.hpp"

namespace dslite::bench {

using namespace wire;

namespace {

constexpr std::uint32_t kInnerAddress = 0xc0a80102;  // 192.168.1.2, the host behind every B4
constexpr std::uint32_t kServers = 0xcb007100;       // 203.0.113.0/24
constexpr std::uint16_t kServerPort = 443;

Ipv6Address aftr_address() { return *parse_ipv6("2001:db8::1"); }

// 2001:db8:NNNN:NN00::1 with N = b + 1, so B4 b is alone in its /56 and none
// is the AFTR's 2001:db8::1.
Ipv6Address b4_address(std::uint32_t b4) {
    Ipv6Address a = *parse_ipv6("2001:db8::1");
    ++b4;
    a[4] = static_cast<std::uint8_t>(b4 >> 16);
    a[5] = static_cast<std::uint8_t>(b4 >> 8);
    a[6] = static_cast<std::uint8_t>(b4);
    return a;
}

std::uint32_t server_of(std::uint32_t key) { return kServers + 1 + key % 200; }

// IPv4 + UDP + payload with correct checksums, at `ip`.
void write_udp(std::uint8_t* ip, std::uint32_t source, std::uint16_t source_port, std::uint32_t destination,
               std::uint16_t destination_port) {
    std::fill(ip, ip + kUplinkPacketSize, std::uint8_t{0});
    ip[0] = 0x45;
    store16(ip + ipv4::total_length, kUplinkPacketSize);
    store16(ip + ipv4::flags_fragment, ipv4::flag_df);
    ip[ipv4::ttl] = 64;
    ip[ipv4::protocol] = proto_udp;
    store32(ip + ipv4::source, source);
    store32(ip + ipv4::destination, destination);
    store16(ip + ipv4::checksum, checksum({ip, ipv4::min_header_size}));

    std::uint8_t* l4 = ip + ipv4::min_header_size;
    const auto length = static_cast<std::uint16_t>(udp::header_size + kPayload);
    store16(l4 + l4::source_port, source_port);
    store16(l4 + l4::destination_port, destination_port);
    store16(l4 + udp::length, length);
    for (std::size_t i = 0; i < kPayload; ++i) l4[udp::header_size + i] = static_cast<std::uint8_t>(i);
    std::uint16_t sum =
        checksum({l4, length}, pseudo_header_ipv4(ip + ipv4::source, ip + ipv4::destination, proto_udp, length));
    store16(l4 + udp::checksum, sum == 0 ? 0xffff : sum);
}

std::vector<std::uint32_t> shuffled(std::uint32_t n, std::uint64_t seed) {
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    return order;
}

}  // namespace

EngineConfig config_for(std::uint32_t flows) {
    EngineConfig c;
    c.aftr_address = aftr_address();
    c.pools = {*parse_ipv4_prefix("192.0.2.0/24"), *parse_ipv4_prefix("198.51.100.0/24")};
    c.max_bindings = flows;
    c.max_subscribers = (flows + kFlowsPerB4 - 1) / kFlowsPerB4;
    // 64 flows per B4 stay well inside the default quota of 2048 UDP ports.
    c.event_ring = 0;  // no binding log, as the daemon runs without --log-bindings
    return c;
}

void write_b4_packet(std::uint32_t flow, std::uint8_t* out) {
    const Ipv6Address aftr = aftr_address();
    const Ipv6Address b4 = b4_address(flow / kFlowsPerB4);
    std::fill(out, out + ipv6::header_size, std::uint8_t{0});
    store32(out, 0x60000000u);
    store16(out + ipv6::payload_length, kUplinkPacketSize);
    out[ipv6::next_header] = proto_ipv4;
    out[ipv6::hop_limit] = 64;
    std::copy(b4.begin(), b4.end(), out + ipv6::source);
    std::copy(aftr.begin(), aftr.end(), out + ipv6::destination);
    write_udp(out + ipv6::header_size, kInnerAddress, static_cast<std::uint16_t>(40000 + flow % kFlowsPerB4),
              server_of(flow), kServerPort);
}

void write_uplink_packet(const BindingInfo& s, std::uint8_t* out) {
    write_udp(out, server_of(s.public_port), kServerPort, s.public_address.value, s.public_port);
}

std::vector<Template> b4_templates(std::uint32_t flows, std::uint64_t seed) {
    std::vector<Template> packets(flows);
    const auto order = shuffled(flows, seed);
    for (std::uint32_t i = 0; i < flows; ++i) write_b4_packet(order[i], packets[i].bytes.data());
    return packets;
}

std::vector<Template> uplink_templates(const Engine& engine, std::uint64_t seed) {
    std::vector<Template> in_table_order;
    in_table_order.reserve(engine.binding_count());
    engine.for_each_binding([&](const BindingInfo& s) {
        in_table_order.emplace_back();
        write_uplink_packet(s, in_table_order.back().bytes.data());
    });
    const auto order = shuffled(static_cast<std::uint32_t>(in_table_order.size()), seed);
    std::vector<Template> packets(in_table_order.size());
    for (std::size_t i = 0; i < packets.size(); ++i) packets[i] = in_table_order[order[i]];
    return packets;
}

}  // namespace dslite::bench
