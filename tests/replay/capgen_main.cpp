// SPDX-License-Identifier: BSD-2-Clause
// dslite-capgen DIR [SCENARIO...]: writes DIR/<scenario>/in.pcap and flags
// for every scenario (or the named ones). The expected outputs next to them
// come from scripts/gen-captures.
#include <cstdio>
#include <string>

#include "scenario.hpp"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: dslite-capgen DIR [SCENARIO...]\n");
        return 2;
    }
    const std::string dir = argv[1];
    const auto scenarios = dslite::test::all_scenarios();
    for (int i = 2; i < argc; ++i) {
        bool known = false;
        for (const auto& scenario : scenarios) known |= scenario.name == argv[i];
        if (!known) {
            std::fprintf(stderr, "dslite-capgen: unknown scenario %s\n", argv[i]);
            return 2;
        }
    }
    for (const auto& scenario : scenarios) {
        bool wanted = argc == 2;
        for (int i = 2; i < argc; ++i) wanted |= scenario.name == argv[i];
        if (!wanted) continue;
        std::string error;
        if (!dslite::test::write_scenario(dir, scenario, error)) {
            std::fprintf(stderr, "dslite-capgen: %s\n", error.c_str());
            return 1;
        }
        std::printf("%s/%s: %zu packets\n", dir.c_str(), scenario.name.c_str(), scenario.input.records.size());
    }
    return 0;
}
