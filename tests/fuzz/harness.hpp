// SPDX-License-Identifier: BSD-2-Clause
// Drives Engines with fuzzer input and checks what must hold after every
// input, whatever the bytes were: every packet handed in is counted exactly
// once, what goes to a B4 is an IPv6 packet from the AFTR to a B4 that spoke
// first, what goes to the uplink is an IPv4 packet whose header checksum
// verifies, and the tables stay within their configured sizes.
//
// The input format is in input_format.hpp.
//
// Engines persist across inputs (bindings made by one input are there for
// the next), each for at most kInputsPerEngine inputs. The inputs since the
// engine was made are kept as one equivalent input; it is written to the
// file named by $DSLITE_FUZZ_HISTORY when a check fails or a sanitizer
// reports, and replays the failure with DSLITE_FUZZ_FRESH=1 (a new engine
// for every input).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "input_format.hpp"

namespace dslite::fuzz {

enum class Target : std::uint8_t {
    b4,      // records go to Engine::from_b4 unless ctl bit 0 says otherwise
    uplink,  // records go to Engine::from_uplink unless ctl bit 0 says otherwise
    burst,   // runs of same-side records go to the burst entry points, checked
             // against a second engine fed one packet at a time
};

inline constexpr unsigned kInputsPerEngine = 2048;

// Runs one fuzzer input; traps when a check fails.
void run_engine_input(Target target, std::span<const std::uint8_t> input);

}  // namespace dslite::fuzz
