// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for the burst entry points, both sides, against one-at-a-time calls: see harness.hpp.
#include <cstddef>
#include <cstdint>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    dslite::fuzz::run_engine_input(dslite::fuzz::Target::burst, {data, size});
    return 0;
}
