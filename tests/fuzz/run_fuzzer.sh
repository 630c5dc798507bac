#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# run_fuzzer.sh FUZZER TARGET SECONDS SEEDS REGRESSIONS WORK
# Replays every input under REGRESSIONS (each on a fresh engine), then fuzzes
# for SECONDS starting from SEEDS, the minimized corpus kept in the repository
# (tests/fuzz/corpus/TARGET, read only) and the one grown in WORK/corpus.
# Fails if any input crashes or breaks an invariant; says where it is.
set -euo pipefail
fuzzer=$1 target=$2 seconds=$3 seeds=$4 regressions=$5 work=$6
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$work/corpus" "$work/artifacts"
export DSLITE_FUZZ_HISTORY="$work/artifacts/history"
rm -f "$DSLITE_FUZZ_HISTORY"
common=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1)
# The engine targets keep state across inputs on purpose, so libFuzzer's
# per-input leak check would flag every input (and cost most of the time);
# LeakSanitizer still checks at exit.
[[ $target != options ]] && common+=(-detect_leaks=0)
[[ -f $here/$target.dict ]] && common+=("-dict=$here/$target.dict")

shopt -s nullglob
inputs=("$regressions"/*)
if ((${#inputs[@]})); then
  echo "== replaying ${#inputs[@]} regression inputs from $regressions"
  if ! DSLITE_FUZZ_FRESH=1 "$fuzzer" "${common[@]}" "${inputs[@]}"; then
    echo "FAIL: a regression input of $target still fails (see above)" >&2
    exit 1
  fi
fi

kept=()
[[ -d $here/corpus/$target ]] && kept=("$here/corpus/$target")
echo "== fuzzing $target for $seconds s (corpus $work/corpus, ${kept[*]:+$kept, }seeds $seeds)"
status=0
# New inputs go to the first directory: the build's, never the repository's.
# No allocation stacks while fuzzing (ASan unwinds one per malloc: 10 % of a
# run); a failing input is replayed with them, below and by hand.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}malloc_context_size=0 "$fuzzer" "${common[@]}" -max_len=4096 -max_total_time="$seconds" -artifact_prefix="$work/artifacts/" \
  "$work/corpus" "${kept[@]}" "$seeds" || status=$?
if ((status != 0)); then
  echo "FAIL: $target found a failing input; it is in $work/artifacts/:" >&2
  ls -l "$work/artifacts/" >&2
  for artifact in "$work/artifacts/"crash-* "$work/artifacts/"timeout-* "$work/artifacts/"oom-*; do
    [[ -f $artifact ]] && DSLITE_FUZZ_FRESH=1 "$fuzzer" "${common[@]}" "$artifact" >&2 || true
  done
  [[ -f $DSLITE_FUZZ_HISTORY ]] && echo "($DSLITE_FUZZ_HISTORY replays every input the engine saw)" >&2
  echo "Keep it as a regression: cp <file> $regressions/<name> (see tests/fuzz/README.md)" >&2
  exit 1
fi
