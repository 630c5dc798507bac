// SPDX-License-Identifier: BSD-2-Clause
// Synthetic DS-Lite traffic for the engine benchmark: an engine configuration
// sized for N UDP flows, and pre-built packets for both directions. Flow f
// belongs to B4 f / kFlowsPerB4, and every B4 is its own /56 subscriber.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "dslite/config.hpp"
#include "dslite/engine.hpp"

namespace dslite::bench {

inline constexpr std::uint32_t kFlowsPerB4 = 64;
inline constexpr std::size_t kPayload = 18;  // inner IPv4 of 46 bytes: a minimal Ethernet frame
inline constexpr std::size_t kUplinkPacketSize = 20 + 8 + kPayload;
inline constexpr std::size_t kB4PacketSize = 40 + kUplinkPacketSize;

// One packet as it arrives; copied into a buffer with headroom before each
// engine call, because the engine rewrites in place.
struct Template {
    alignas(32) std::array<std::uint8_t, 96> bytes{};
};
static_assert(kB4PacketSize <= sizeof(Template::bytes));

// Pools 192.0.2.0/24 and 198.51.100.0/24 (512 addresses x 64512 ports);
// servers live in 203.0.113.0/24 so no flow hairpins.
EngineConfig config_for(std::uint32_t flows);

// The softwire packet (IPv6 + IPv4 + UDP) of flow f, B4 to AFTR.
void write_b4_packet(std::uint32_t flow, std::uint8_t* out);
// A server's UDP reply to the binding `s` (IPv4 + UDP), uplink to AFTR.
void write_uplink_packet(const BindingInfo& s, std::uint8_t* out);

// Packets of flows [0, flows) stored in a shuffled order: read sequentially
// like a receive ring, while the flows they hit are spread over the tables.
std::vector<Template> b4_templates(std::uint32_t flows, std::uint64_t seed);
// One reply per binding the engine holds, shuffled likewise.
std::vector<Template> uplink_templates(const Engine& engine, std::uint64_t seed);

}  // namespace dslite::bench
