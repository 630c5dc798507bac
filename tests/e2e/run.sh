#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs one end-to-end case in a lab of its own and always tears it down:
#   run.sh CASE DSLITE-AFTR DSLITE-B4 DSLITE-CTL
# CASE is a file in cases/ defining case_main; it uses check/expect below.
# As root (CI runs as root) it builds the lab right here. As an ordinary user
# it reruns itself in a user namespace of its own where /dev/net/tun is open to
# users (mode 0666) and unprivileged user namespaces are on; elsewhere it fails,
# it does not skip.
set -euo pipefail

case_name=$1
LAB_AFTR=$2
LAB_B4=$3
LAB_CTL=$4
here=$(cd "$(dirname "$0")" && pwd)

source "$here/lab.sh"
if [[ $(id -u) -ne 0 ]]; then
    problem=$(lab_rootless_problem)
    if [[ -n $problem ]]; then
        echo "e2e/$case_name: $problem, so without root it cannot build the lab: run the e2e tests as root" >&2
        exit 1
    fi
    lab_unshare bash "$here/run.sh" "$@"
fi
source "$here/cases/$case_name.sh"

failures=0
check_output=$(mktemp)
# check DESCRIPTION CMD...: runs CMD, records a failure if it fails (and
# shows what CMD printed only then).
check() {
    local what=$1
    shift
    if "$@" >"$check_output" 2>&1; then
        echo "ok    $what"
    else
        echo "FAIL  $what"
        sed 's/^/      | /' "$check_output"
        failures=$((failures + 1))
    fi
}
# contains TEXT NEEDLE: for check.
contains() { [[ $1 == *"$2"* ]] || { echo "expected to find '$2' in:"; echo "$1"; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "expected no '$2' in:"; echo "$1"; return 1; }; }
# Both sites download the lab's 8 MiB file at once; every byte is checked.
check_downloads_from_both_sites() {
    local want s
    want=$(sha256sum <"$LAB_DIR/www/big.bin" | cut -d' ' -f1)
    lab_download_both_sites
    check "site a downloads 8 MiB" wait "${LAB_DOWNLOAD_PIDS[0]}"
    check "site b downloads 8 MiB at the same time" wait "${LAB_DOWNLOAD_PIDS[1]}"
    for s in a b; do
        check "site $s got every byte" test "$(sha256sum <"$LAB_DIR/down-$s.bin" | cut -d' ' -f1)" = "$want"
    done
}
# json_check JSON-TEXT PYTHON-EXPRESSION-ON-d: true when the expression holds.
json_check() {
    "$LAB_PYTHON" -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2" ||
        { echo "not true of $1:"; echo "    $2"; return 1; }
}

finish() {
    local status=$?
    if ((status != 0 || failures != 0)) && [[ -n ${LAB_DIR:-} && -d ${LAB_DIR:-} ]]; then
        for log in "$LAB_DIR"/*.log; do
            [[ -f $log ]] || continue
            echo "--- $(basename "$log")"
            tail -n 30 "$log"
        done
    fi
    lab_down
    rm -f "$check_output"
    if ((status == 0 && failures != 0)); then
        echo "e2e/$case_name: $failures check(s) failed"
        exit 1
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

lab_clean_leftovers "$case_name"
if [[ $(type -t case_needs_lab) != function ]] || case_needs_lab; then
    lab_init "$case_name-$$"
    lab_up
fi
case_main
