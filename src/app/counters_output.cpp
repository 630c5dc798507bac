// SPDX-License-Identifier: BSD-2-Clause
#include "counters_output.hpp"

namespace dslite::app {

void print_counters(std::ostream& out, const Counters& counters) {
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        if (counters[c] != 0) out << counter_name(c) << ' ' << counters[c] << '\n';
    }
}

void write_counters_json(std::ostream& out, const Counters& counters) {
    // Counter names are C identifiers: nothing to escape.
    out << "{\n";
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        const auto c = static_cast<Counter>(i);
        out << "  \"" << counter_name(c) << "\": " << counters[c] << (i + 1 < kCounterCount ? ",\n" : "\n");
    }
    out << "}\n";
}

}  // namespace dslite::app
