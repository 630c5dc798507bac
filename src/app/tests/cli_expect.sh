#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs a command and checks how it ends, the way an operator sees it:
#   cli_expect.sh STATUS STDERR [--stdout-matches REGEX] -- COMMAND ARGS...
# STATUS is the exit status, STDERR the whole of stderr (one line, or "" for
# none), REGEX an extended regular expression stdout must match.
set -uo pipefail

expected_status=$1
expected_stderr=$2
shift 2
stdout_regex=
if [[ ${1-} == --stdout-matches ]]; then
  stdout_regex=$2
  shift 2
fi
[[ ${1-} == -- ]] || { echo "usage: cli_expect.sh STATUS STDERR [--stdout-matches REGEX] -- COMMAND..." >&2; exit 2; }
shift

out=$(mktemp)
err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT

"$@" >"$out" 2>"$err" </dev/null
status=$?

failed=0
if [[ $status != "$expected_status" ]]; then
  echo "FAIL: exit status $status, expected $expected_status"
  failed=1
fi
if [[ -z $expected_stderr ]]; then
  if [[ -s $err ]]; then
    echo "FAIL: expected no stderr"
    failed=1
  fi
elif [[ $(wc -l <"$err") != 1 || $(cat "$err") != "$expected_stderr" ]]; then
  echo "FAIL: stderr is not the one expected line"
  echo "  expected: $expected_stderr"
  failed=1
fi
if [[ -n $stdout_regex ]] && ! grep -Eq -- "$stdout_regex" "$out"; then
  echo "FAIL: stdout does not match $stdout_regex"
  failed=1
fi
if [[ $expected_status != 0 && -z $stdout_regex && -s $out ]]; then
  echo "FAIL: a refusal printed to stdout"
  failed=1
fi

echo "command: $*"
echo "--- stderr:"
cat "$err"
echo "--- stdout:"
head -20 "$out"
if ((failed)); then
  exit 1
fi
