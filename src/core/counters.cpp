// SPDX-License-Identifier: BSD-2-Clause
#include "dslite/counters.hpp"

namespace dslite {

namespace {
constexpr std::string_view kNames[] = {
#define DSLITE_COUNTER_NAME(name, help) #name,
    DSLITE_COUNTERS(DSLITE_COUNTER_NAME)
#undef DSLITE_COUNTER_NAME
};
constexpr std::string_view kHelp[] = {
#define DSLITE_COUNTER_HELP(name, help) help,
    DSLITE_COUNTERS(DSLITE_COUNTER_HELP)
#undef DSLITE_COUNTER_HELP
};

constexpr bool disposition(std::string_view name) {
    return name.starts_with("out_") || name.starts_with("drop_") || name.starts_with("held_");
}

// Worked out once, at compile time: the fuzz harness and the tests ask for
// every counter after every packet.
constexpr auto kKinds = [] {
    struct Kinds {
        std::array<bool, kCounterCount> drop{}, disposition{};
    } k;
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        k.drop[i] = kNames[i].starts_with("drop_");
        k.disposition[i] = disposition(kNames[i]);
    }
    return k;
}();

}  // namespace

std::string_view counter_name(Counter c) { return kNames[static_cast<std::size_t>(c)]; }
std::string_view counter_help(Counter c) { return kHelp[static_cast<std::size_t>(c)]; }
bool is_drop(Counter c) { return kKinds.drop[static_cast<std::size_t>(c)]; }
bool is_disposition(Counter c) { return kKinds.disposition[static_cast<std::size_t>(c)]; }

}  // namespace dslite
