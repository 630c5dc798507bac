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
}  // namespace

std::string_view counter_name(Counter c) { return kNames[static_cast<std::size_t>(c)]; }
std::string_view counter_help(Counter c) { return kHelp[static_cast<std::size_t>(c)]; }
bool is_drop(Counter c) { return counter_name(c).starts_with("drop_"); }
bool is_disposition(Counter c) {
    const auto name = counter_name(c);
    return name.starts_with("out_") || name.starts_with("drop_") || name.starts_with("held_");
}

}  // namespace dslite
