// SPDX-License-Identifier: BSD-2-Clause
// The input of dslite-fuzz-state: [selector][state bytes]. Selector bits 0-2
// choose the engine configuration below; bit 7 asks the target to write the
// state's length and CRC-32 itself, so mutations get past the checksum to
// the records. Shared with the seed generator, which writes valid states.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dslite/config.hpp"
#include "dslite/shares.hpp"
#include "dslite/state.hpp"

namespace dslite::fuzz {

inline constexpr std::uint8_t kStateConfigs = 5;
inline constexpr std::uint8_t kStateReseal = 0x80;

// Small tables, so a fuzzed count runs into them; every feature the state
// has records for: port blocks, NAT-PMP/PCP with ADF, a static mapping,
// several softwires per subscriber, one engine of two.
inline EngineConfig state_config(std::uint8_t selector) {
    EngineConfig c;
    c.aftr_address = *parse_ipv6("2001:db8:ff::1");
    c.pools = {*parse_ipv4_prefix("198.51.100.0/30")};
    c.port_min = 1024;
    c.port_max = 4095;
    c.max_bindings = 64;
    c.max_subscribers = 8;
    c.port_hold_seconds = 30;
    c.event_ring = 256;  // the records are made; a small ring keeps each input fast
    switch ((selector & 7) % kStateConfigs) {
    case 1: c.port_block_size = 256; break;
    case 2:
        c.pcp_max_mappings = 4;
        c.filtering = Filtering::address_dependent;
        break;
    case 3:
        c.softwires_per_subscriber = 2;
        c.static_mappings = {{Protocol::tcp, *parse_ipv6("2001:db8:a::2"), *parse_ipv4("192.168.1.10"), 80,
                              *parse_ipv4("198.51.100.1"), 2080}};
        break;
    case 4: return Shares(c, 2).config_of(1);
    default: break;
    }
    return c;
}

// The length field (bytes 12-15) and the trailer made right for `state`.
inline void reseal_state(std::vector<std::uint8_t>& state) {
    if (state.size() < 20) return;
    const auto total = static_cast<std::uint32_t>(state.size());
    for (int n = 0; n < 4; ++n) state[12 + n] = static_cast<std::uint8_t>(total >> (24 - 8 * n));
    const std::uint32_t crc = crc32(std::span(state).first(state.size() - 4));
    for (int n = 0; n < 4; ++n) state[state.size() - 4 + n] = static_cast<std::uint8_t>(crc >> (24 - 8 * n));
}

}  // namespace dslite::fuzz
