// The scenario table: for each scenario in captures/, the counters it must
// end with and the behaviour its output must show, written from the spec
// (not read back from the golden files).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "dslite/counters.hpp"
#include "replay_result.hpp"

namespace dslite::test {

struct Expectation {
    std::string name;
    // Every counter that must be non-zero, with its exact value; all others must be zero.
    std::vector<std::pair<Counter, std::uint64_t>> counters;
    std::function<void(const Result&)> check;
};

const std::vector<Expectation>& expectations();

}  // namespace dslite::test
