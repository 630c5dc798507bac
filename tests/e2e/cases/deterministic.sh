# SPDX-License-Identifier: BSD-2-Clause
# Deterministic NAT (RFC 7422): --print-deterministic-map says which public
# address and port range each site's subscriber has, and every binding the
# running AFTR makes is inside it, before and after a restart (which draws a
# new random seed, so only the formula can make them agree) and on two
# threads; dslite-ctl whois gives the same answer both ways.

DET_ARGS=(--port-mapping deterministic --b4-prefix 2001:db8:a::/56 --b4-prefix 2001:db8:b::/56)

# Every binding `dslite-ctl bindings --json` shows is inside its subscriber's line of the map.
bindings_in_map() {  # MAP-FILE
    lab_ctl --json bindings | "$LAB_PYTHON" -c '
import ipaddress, json, sys
ranges = {}
for line in open(sys.argv[1]):
    prefix, address, ports = line.split()
    first, last = map(int, ports.split("-"))
    ranges[ipaddress.ip_network(prefix)] = (address, first, last)
bindings = json.load(sys.stdin)["bindings"]
bad = 0
for b in bindings:
    net = next(n for n in ranges if ipaddress.ip_address(b["b4"]) in n)
    address, first, last = ranges[net]
    public, port = b["public"].rsplit(":", 1)
    if public != address or not first <= int(port) <= last:
        print(f"{b} is outside {net} {address} {first}-{last}")
        bad += 1
print(f"{len(bindings)} bindings checked")
sys.exit(1 if bad or len(bindings) < 2 else 0)' "$1"
}

case_main() {
    ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        "${DET_ARGS[@]}" --print-deterministic-map >"$LAB_DIR/map.txt"
    check "the map has one line per subscriber" test "$(wc -l <"$LAB_DIR/map.txt")" -eq 2
    check "... the sites' /56s" contains "$(<"$LAB_DIR/map.txt")" "2001:db8:b::/56 "
    check "dslite-aftr starts with deterministic mapping" lab_restart_aftr "${DET_ARGS[@]}"
    lab_mixed_traffic 5000 20
    check "every binding is in its subscriber's range of the map" bindings_in_map "$LAB_DIR/map.txt"
    local site_b_end
    site_b_end=$(lab_ctl --json bindings --b4 2001:db8:b::2 --protocol udp |
        "$LAB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["bindings"][0]["public"])')
    check "whois of site B's public end names site B's subscriber" \
        contains "$(lab_ctl whois "$site_b_end")" "2001:db8:b::/56"
    check "... and its live binding" contains "$(lab_ctl whois "$site_b_end")" "2001:db8:b::2  udp"
    check "whois of site A's B4 gives its line of the map" test \
        "$(lab_ctl --json whois 2001:db8:a::2 | "$LAB_PYTHON" -c \
            'import json, sys; d = json.load(sys.stdin); print(d["subscriber"], d["public_address"], d["ports"])')" = \
        "$(grep '^2001:db8:a::/56 ' "$LAB_DIR/map.txt")"

    check "restarted (a new seed)" lab_restart_aftr "${DET_ARGS[@]}"
    lab_udp_both_sites 6000 5
    check "site a's UDP again" wait "${LAB_UDP_PIDS[0]}"
    check "site b's UDP again" wait "${LAB_UDP_PIDS[1]}"
    check "the same ranges after the restart" bindings_in_map "$LAB_DIR/map.txt"

    # Two threads: the ranges in use are split between the engines, each
    # serving the subscribers whose range is in its share. With the /52s
    # (32 subscribers on 16 addresses) site A's subscriber has the first
    # range, site B's the second: one on each engine.
    local two=(--port-mapping deterministic --b4-prefix 2001:db8:a::/52 --b4-prefix 2001:db8:b::/52)
    ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        "${two[@]}" --print-deterministic-map >"$LAB_DIR/map2.txt"
    check "restarted on two threads" lab_restart_aftr "${two[@]}" --threads 2
    lab_mixed_traffic 7000 5 " on two threads"
    check "every binding is in its range on two threads" bindings_in_map "$LAB_DIR/map2.txt"
    check "... and the two sites are on different engines" sites_on_two_engines
    check "three threads are refused: only two ranges are in use" refused_threads "${two[@]}"
}

sites_on_two_engines() {
    lab_ctl --json bindings | "$LAB_PYTHON" -c '
import json, sys
engines = {b["b4"]: b["engine"] for b in json.load(sys.stdin)["bindings"]}
sys.exit(0 if len(set(engines.values())) == 2 and len(engines) == 2 else 1)'
}

refused_threads() {
    local out status=0
    out=$(ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        "$@" --b4-device tun:x6 --uplink-device tun:x4 --threads 3 2>&1) || status=$?
    [[ $status -eq 2 && $out == "dslite-aftr: threads: 3 threads need at least as many deterministic ranges in use"* ]] ||
        { echo "status $status: $out"; return 1; }
}
