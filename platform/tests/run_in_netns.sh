#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs a command as root inside a network namespace made for it, with only
# lo up, and deletes the namespace however the command ends. Needs root: CI
# runs as root, so this fails rather than skips without it.
set -euo pipefail
if [[ $(id -u) -ne 0 ]]; then
    echo "run_in_netns.sh: must run as root (creates a network namespace)" >&2
    exit 1
fi
ns="dslite-dev-$$-$RANDOM"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM  # runs the EXIT trap
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$@"
