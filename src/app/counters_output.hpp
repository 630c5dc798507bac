// SPDX-License-Identifier: BSD-2-Clause
// Counters as text for people (non-zero ones, `name value` per line) and as
// a flat JSON object for tools (every counter).
#pragma once

#include <ostream>

#include "dslite/counters.hpp"

namespace dslite::app {

void print_counters(std::ostream& out, const Counters& counters);
void write_counters_json(std::ostream& out, const Counters& counters);

}  // namespace dslite::app
