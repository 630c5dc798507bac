// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for Engine::from_b4 (uplink packets too, to answer): see harness.hpp.
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dslite::fuzz::run_engine_input(dslite::fuzz::Target::b4, {data, size});
    return 0;
}
