// SPDX-License-Identifier: BSD-2-Clause
// The byte format of an engine fuzzer input, shared by the harness that
// reads it and dslite-fuzz-seeds that writes the seed corpus:
//
//   input    := selector record*
//   selector := bit 0: the second engine (address-dependent filtering, B4
//               prefix list, /64 subscribers); bits 1-3: burst size index
//               (burst target); bits 4-5: 1 the port-block engine, 2 the
//               deterministic engine (bit 0 then ignored); bit 7: the rest
//               is a saved history (32-bit big-endian length + input, repeated)
//   record   := ctl len_hi len_lo bytes[len]   (a short last record takes
//               what is left)
//   ctl      := bit 0: the other side than the target's own; bit 1: aim at an
//               existing binding; bit 2: fix lengths and checksums; bit 3:
//               answer what went to the uplink; bits 4-7: clock step index
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dslite::fuzz {

inline constexpr std::uint8_t kSelectorAdf = 0x01;
inline constexpr unsigned kSelectorBurstShift = 1;
inline constexpr unsigned kSelectorModeShift = 4;
inline constexpr std::uint8_t kSelectorPortBlocks = 1 << kSelectorModeShift;
inline constexpr std::uint8_t kSelectorDeterministic = 2 << kSelectorModeShift;
inline constexpr std::uint8_t kSelectorHistory = 0x80;
inline constexpr std::array<std::size_t, 8> kBurstSizes = {1, 2, 3, 4, 8, 16, 32, 64};

inline constexpr std::uint8_t kCtlOtherSide = 0x01;
inline constexpr std::uint8_t kCtlAim = 0x02;
inline constexpr std::uint8_t kCtlFix = 0x04;
inline constexpr std::uint8_t kCtlReflect = 0x08;
inline constexpr unsigned kCtlTimeShift = 4;

// How far the clock moves before a record, by ctl bits 4-7: mostly small
// steps, sometimes past a port hold or an idle timeout so expiry runs too.
inline constexpr std::array<std::chrono::microseconds, 16> kTimeSteps = {
    std::chrono::microseconds{0},           std::chrono::microseconds{0},
    std::chrono::microseconds{0},           std::chrono::microseconds{0},
    std::chrono::microseconds{1'000},       std::chrono::microseconds{1'000},
    std::chrono::microseconds{10'000},      std::chrono::microseconds{100'000},
    std::chrono::microseconds{1'000'000},   std::chrono::microseconds{1'000'000},
    std::chrono::microseconds{3'000'000},   std::chrono::microseconds{61'000'000},
    std::chrono::microseconds{121'000'000}, std::chrono::microseconds{241'000'000},
    std::chrono::microseconds{301'000'000}, std::chrono::microseconds{7'441'000'000},
};

// The largest step not longer than `gap`, as ctl bits.
inline std::uint8_t time_bits(std::chrono::microseconds gap) {
    std::size_t best = 0;
    for (std::size_t i = 0; i < kTimeSteps.size(); ++i)
        if (kTimeSteps[i] <= gap && kTimeSteps[i] >= kTimeSteps[best]) best = i;
    return static_cast<std::uint8_t>(best << kCtlTimeShift);
}

inline void append_record(std::vector<std::uint8_t>& input, std::uint8_t ctl, std::span<const std::uint8_t> bytes) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 0xffff);
    input.push_back(ctl);
    input.push_back(static_cast<std::uint8_t>(n >> 8));
    input.push_back(static_cast<std::uint8_t>(n));
    input.insert(input.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace dslite::fuzz
