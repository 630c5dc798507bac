#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# e2e.demo_unprivileged: scripts/demo run by an ordinary user, as on a desktop
# whose /dev/net/tun is mode 0666, with the programs of a build dir that user
# cannot write. CI runs as root, so this makes a throwaway user and opens
# /dev/net/tun to users for the run only, and undoes both afterwards, also on
# failure or interrupt.
#   demo_unprivileged.sh BUILD-DIR
# Fails, it does not skip, when it cannot do its job.
set -euo pipefail

build=$1
repo=$(cd "$(dirname "$0")/../.." && pwd)
name=e2e.demo_unprivileged
fail() { echo "$name: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "must run as root (it makes a throwaway user and opens /dev/net/tun to users)"
for command in useradd userdel runuser timeout; do
    command -v "$command" >/dev/null || fail "$command is missing"
done
[[ -c /dev/net/tun ]] || fail "no /dev/net/tun"

user=dslite-t$$
tun_mode=$(stat -c %a /dev/net/tun)
created=0
cleanup() {
    local status=$?
    chmod "$tun_mode" /dev/net/tun || status=1
    if ((created)); then
        # Its mail spool never existed: userdel's only complaint worth hiding.
        userdel -r "$user" 2>&1 | grep -v 'mail spool' >&2 || true
        if id "$user" >/dev/null 2>&1; then echo "$name: could not remove user $user" >&2; status=1; fi
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

useradd --create-home --shell /bin/bash "$user" || fail "useradd $user failed"
created=1
uid=$(id -u "$user")
home=$(getent passwd "$user" | cut -d: -f6)
((uid != 0)) || fail "$user got uid 0"

# The user reads the checkout and runs the programs in place: every directory
# above them must let others through.
for path in "$repo/scripts/demo" "$repo/tests/e2e/lab.sh" "$repo/tests/e2e/lab_server.py" \
    "$repo/tests/e2e/lab_udp.py" "$build/src/app/dslite-aftr" "$build/src/b4/dslite-b4" "$build/src/ctl/dslite-ctl"; do
    runuser -u "$user" -- test -r "$path" && continue
    blocker=$path dir=$path
    while [[ $dir != / ]]; do
        dir=$(dirname "$dir")
        runuser -u "$user" -- test -x "$dir" || blocker=$dir
    done
    fail "an ordinary user cannot read $path: $blocker is mode $(stat -c %a "$blocker" 2>/dev/null || echo missing) (others need r-x on the checkout, the build dir and every directory above them)"
done

chmod 0666 /dev/net/tun
# A clean environment, as a user's login would give; timeout as the user, so
# the demo still removes its lab when it takes too long.
status=0
out=$(cd / && runuser -u "$user" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$user" \
    DSLITE_BUILD_DIR="$build" timeout -k 10 90 bash "$repo/scripts/demo" 2>&1) || status=$?
sed 's/^/  | /' <<<"$out"

failures=0
expect() {  # DESCRIPTION EXTENDED-REGEX: some line of the demo's output matches
    if grep -qE -- "$2" <<<"$out"; then echo "ok    $1"; else echo "FAIL  $1 (no line matching '$2')"; failures=$((failures + 1)); fi
}
check() {  # DESCRIPTION CMD...
    local what=$1
    shift
    if "$@"; then echo "ok    $what"; else echo "FAIL  $what"; failures=$((failures + 1)); fi
}
check "scripts/demo exits 0 (it exited $status)" test "$status" -eq 0
expect "it ran in a user namespace whose root is $user (uid $uid) outside" \
    "^   without root: in a user namespace whose root is uid $uid outside\$"
expect "it used the programs in $build without rebuilding" "^scripts/demo: using the programs in $build as they are "
for s in A B; do
    expect "site $s gets its HTTP whoami answer" "^   ok    site $s \(inside 192\.168\.1\.10\) reaches the server as 198\.51\.100\.[0-9]+:[0-9]+\$"
    expect "site $s gets its own UDP echoes" "^   ok    site $s: sent 100 received 100 foreign 0 "
done
seen() { sed -nE "s/^   ok    site $1 \(inside 192\.168\.1\.10\) reaches the server as //p" <<<"$out"; }
check "the two sites are two bindings at the server ($(seen A) and $(seen B))" test "$(seen A)" != "$(seen B)"
check "no process of $user is left" sh -c "! pgrep -u $uid >/dev/null"
check "its lab files are gone" test ! -e "/tmp/dslite-demo-$uid"
((failures == 0)) || fail "$failures check(s) failed"
