// SPDX-License-Identifier: BSD-2-Clause
// libFuzzer target for --state-file: Engine::check_state and restore_state
// read hostile bytes (state_input.hpp). Checks: restore refuses exactly what
// check refuses and then restores nothing; what it restores is in the tables
// (bindings as counted, next to the static mappings); saving that again and
// restoring it into a fresh engine gives the same bindings and subscribers;
// and once every lifetime is over only the static mappings are left, and
// their subscribers, so the restored records were accounted for right.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "dslite/engine.hpp"
#include "state_input.hpp"

namespace {

using namespace dslite;

// Which check failed, before the abort libFuzzer reports.
void require(bool ok, int line = __builtin_LINE()) {
    if (ok) return;
    std::fprintf(stderr, "fuzz_state.cpp:%d: check failed\n", line);
    std::abort();
}

constexpr Time kNow = std::chrono::seconds(50'000);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::uint8_t selector = data[0];
    std::vector<std::uint8_t> state(data + 1, data + size);
    if (selector & fuzz::kStateReseal) fuzz::reseal_state(state);
    const EngineConfig config = fuzz::state_config(selector);
    Engine engine(config);
    const std::size_t statics = engine.binding_count();
    const std::size_t static_subscribers = engine.subscriber_count();
    // The downtime from the input too, so some records expire and some do not.
    const std::uint64_t down = size > 1 ? data[size - 1] % 64 : 0;
    const auto why = engine.check_state(state);
    const RestoreResult r = engine.restore_state(state, kNow, down);
    require(why.has_value() == r.refused.has_value());
    if (r.refused) {
        require(engine.binding_count() == statics);
        return 0;
    }
    require(engine.binding_count() == statics + r.bindings);

    const std::vector<std::uint8_t> again = engine.save_state(kNow);
    Engine second(config);
    require(!second.check_state(again));
    const RestoreResult s = second.restore_state(again, kNow, 0);
    require(!s.refused && s.bindings == r.bindings && s.expired + s.forbidden + s.conflicting + s.table_full == 0);
    require(second.binding_count() == engine.binding_count());
    require(second.subscriber_count() == engine.subscriber_count());

    // Past every timeout, lifetime and hold.
    engine.advance(kNow + std::chrono::hours(48));
    require(engine.binding_count() == statics);
    require(engine.subscriber_count() == static_subscribers);
    return 0;
}
