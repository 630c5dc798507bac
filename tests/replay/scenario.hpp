// SPDX-License-Identifier: BSD-2-Clause
// A replay scenario, all in one place: one function in
// tests/replay/scenarios.cpp builds its input capture and names its replay flags, the counters it must
// end with (keyed by Counter; every other counter must be zero) and the
// behaviour its output must show, written from the spec rather than read
// back from the golden files. dslite-capgen writes each input and its flags
// to captures/<name>/; the replay tests rebuild them in memory to prove the
// committed inputs still match this code. Adding a scenario is one function
// there and scripts/gen-captures.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dslite/counters.hpp"
#include "replay_result.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_file.hpp"

namespace dslite::test {

struct Scenario {
    std::string name;
    std::string summary;
    std::vector<std::string> flags;  // engine flags for dslite-aftr --replay
    Capture input;
    std::vector<std::pair<Counter, std::uint64_t>> counters;  // each non-zero counter, exactly
    std::function<void(const Result&)> check;
};

// scenarios.cpp registers the functions that make its scenarios, at start:
// `const Registration registered{quota, quota_prefix_64, ...};`. They are
// called when the scenarios are first asked for, not before.
class Registration {
public:
    Registration(std::initializer_list<Scenario (*)()> makers);
};

// Every registered scenario, by name.
std::vector<Scenario> all_scenarios();

// Capture timestamps start here; only differences matter to the engine.
inline constexpr std::int64_t kEpochMicros = std::int64_t{1'700'000'000} * 1'000'000;
std::int64_t at(double seconds);  // kEpochMicros + seconds

// A payload of `size` bytes that starts with `tag` (so outputs can be found
// by their tag) and goes on with a position-dependent pattern, so a lost,
// doubled or misplaced 8-byte block changes it.
Bytes tagged_payload(std::string_view tag, std::size_t size);

// Flags joined by single spaces, as in captures/<name>/flags.
std::string flags_line(const std::vector<std::string>& flags);

// Writes <dir>/<name>/in.pcap and <dir>/<name>/flags.
bool write_scenario(const std::string& dir, const Scenario& scenario, std::string& error);

}  // namespace dslite::test
