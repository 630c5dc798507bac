#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Reads Google Benchmark JSON (--benchmark_format=json, with repetitions) on
stdin and prints each benchmark's median real time divided by that of the
benchmark named BASELINE (default: the first one), one run's ratios on one line.

    bench/dslite-bench-engine ... --benchmark_format=json | bench/medians.py ['BM_NewBindings<false>']
"""
import json
import sys

medians = {}
for b in json.load(sys.stdin)["benchmarks"]:
    if b.get("aggregate_name") == "median":
        medians[b["run_name"].split("/")[0]] = b["real_time"]
if not medians:
    sys.exit("medians.py: no medians: run with --benchmark_repetitions")
baseline = sys.argv[1] if len(sys.argv) > 1 else next(iter(medians))
base = medians[baseline]
print("  ".join(f"{name}={time:.0f}({time / base:.2f})" for name, time in sorted(medians.items())))
