// SPDX-License-Identifier: BSD-2-Clause
// Saved engine state (--state-file): what Engine::save_state writes and
// Engine::restore_state reads back (src/core/state.cpp has the format).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace dslite {

// CRC-32 (IEEE 802.3, reflected, as zlib's crc32): the state file's check.
std::uint32_t crc32(std::span<const std::uint8_t> data, std::uint32_t crc = 0);

// What Engine::restore_state did. With `refused` nothing was restored: the
// bytes are not a state this engine can use (the reason says why).
struct RestoreResult {
    std::optional<std::string> refused;
    std::uint32_t bindings = 0;     // restored, keeping their public address and port
    std::uint32_t subscribers = 0;  // restored with their learned tunnel MTU
    std::uint32_t holds = 0;        // ports still held (RFC 6888 REQ-8), expired bindings' included
    std::uint32_t blocks = 0;       // port blocks (--port-block-size)
    // Dropped bindings, by reason:
    std::uint32_t expired = 0;      // their timeout (or requested lifetime) ran out while the AFTR was down
    std::uint32_t forbidden = 0;    // the configuration no longer allows them (as a reload would remove them)
    std::uint32_t conflicting = 0;  // a static mapping (or another record) has the port, inside end or address
    std::uint32_t table_full = 0;   // no room in the binding or subscriber table
    // Port blocks that could not be had again (another subscriber's, the
    // subscriber's table full); their release is reported.
    std::uint32_t blocks_dropped = 0;
};

}  // namespace dslite
