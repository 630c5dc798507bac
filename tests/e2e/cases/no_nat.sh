# SPDX-License-Identifier: BSD-2-Clause
# Public prefixes without NAT (issue 12): site B is a business subscriber
# with 192.0.2.0/28 routed over its softwire untranslated (--no-nat). Its
# host holds 192.0.2.5 beside its private address: a ping from the server
# reaches it and one from it reaches the server, both ways untranslated (the
# server sees 192.0.2.5 itself); its private address is still translated;
# site A cannot send from 192.0.2.5; an overlap with the pool is refused.

OFFICE_PREFIX=192.0.2.0/28
OFFICE=192.0.2.5

office_network() {
    ip -n "$(lab_ns_host b)" addr add "$OFFICE/32" dev eth0
    ip -n "$(lab_ns_b4 b)" route add "$OFFICE_PREFIX" via "$LAB_HOST" dev lan
    ip -n "$LAB_NS_INET" route add "$OFFICE_PREFIX" via 203.0.113.1
    # Site A's host has it too, to try to spoof it.
    ip -n "$(lab_ns_host a)" addr add "$OFFICE/32" dev eth0
}

refused_overlap() {
    local out status=0
    out=$(ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        --no-nat "2001:db8:b::2 198.51.100.0/29" --b4-device tun:x6 --uplink-device tun:x4 2>&1) || status=$?
    [[ $status -eq 2 && $out == "dslite-aftr: no-nat: 198.51.100.0/29 overlaps --pool $LAB_POOL" ]] ||
        { echo "status $status: $out"; return 1; }
}

case_main() {
    check "the office prefix is set up on site B" office_network
    check "dslite-aftr starts with a no-nat prefix for site B" lab_restart_aftr --no-nat "2001:db8:b::2 $OFFICE_PREFIX"
    check "the AFTR routes the prefix into its uplink" \
        contains "$(ip -n "$LAB_NS_AFTR" route show "$OFFICE_PREFIX")" "dev aftr4"
    check "the server pings the office host" lab_in inet ping -c 2 -i 0.2 -W 2 "$OFFICE"
    check "the office host pings the server from its public address" \
        lab_in hostb ping -c 2 -i 0.2 -W 2 -I "$OFFICE" "$LAB_SERVER"
    check "the server sees the office address itself" test \
        "$(lab_in hostb curl -sS --max-time 10 --interface "$OFFICE" "http://$LAB_SERVER/whoami" | cut -d: -f1)" = \
        "$OFFICE"
    check "site B's private address is still translated" contains \
        "$(lab_in hostb curl -sS --max-time 10 "http://$LAB_SERVER/whoami")" "198.51.100."
    check "no binding for the office traffic" test \
        "$(lab_ctl --json bindings | "$LAB_PYTHON" -c \
            'import json, sys; print(sum(b["inside"].startswith("192.0.2.") for b in json.load(sys.stdin)["bindings"]))')" \
        = 0
    check "counted both ways" test "$(lab_counter out_b4_no_nat_packets)" -ge 2 -a \
        "$(lab_counter out_uplink_no_nat_packets)" -ge 2
    lab_in hosta ping -c 1 -W 1 -I "$OFFICE" "$LAB_SERVER" >/dev/null 2>&1 || true
    check "site A cannot send from the office address" test "$(lab_counter drop_inner_bad_source)" -ge 1
    check "a no-nat prefix overlapping the pool is refused" refused_overlap
}
