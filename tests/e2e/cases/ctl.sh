# SPDX-License-Identifier: BSD-2-Clause
# dslite-ctl against the running daemon after real traffic from both sites.

case_main() {
    local s
    for s in a b; do
        lab_in "host$s" ping -c 2 -i 0.2 -W 2 "$LAB_SERVER" >/dev/null
        lab_in "host$s" "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:6000" --to "$LAB_SERVER:7" \
            --tag "site-$s" --count 5 >/dev/null
    done

    local bindings subscribers json stats
    bindings=$(lab_ctl bindings)
    check "bindings has a header" contains "$bindings" "B4             PROTO  INSIDE"
    check "bindings shows B4 A" contains "$bindings" "2001:db8:a::2"
    check "bindings shows B4 B" contains "$bindings" "2001:db8:b::2"
    check "bindings counts 4 (ICMP and UDP per site)" contains "$bindings" $'\n4 bindings'
    check "sessions, the old name, shows the same table" test "$(lab_ctl sessions)" = "$bindings"
    check "bindings --protocol icmp leaves out UDP" lacks "$(lab_ctl bindings --protocol icmp)" " udp "

    subscribers=$(lab_ctl subscribers)
    check "subscribers shows site A's subscriber and softwire" contains "$subscribers" "2001:db8:a::/56  2001:db8:a::2"
    check "subscribers shows site B's subscriber and softwire" contains "$subscribers" "2001:db8:b::/56  2001:db8:b::2"
    check "subscribers counts 2" contains "$subscribers" "2 subscribers"
    check "b4s, its old name, says the same" test "$(lab_ctl b4s)" = "$subscribers"

    json=$(lab_ctl --json bindings)
    check "--json bindings is JSON with one entry per binding" \
        json_check "$json" 'd["count"] == len(d["bindings"]) == 4'
    check "--json subscribers: each subscriber has 2 bindings" \
        json_check "$(lab_ctl --json subscribers)" '[b["bindings"] for b in d["subscribers"]] == [2, 2]'
    stats=$(lab_ctl --json stats)
    check "stats: every packet in ended in one out_ or drop_ counter" json_check "$stats" \
        'sum(v for k, v in d["counters"].items() if k.startswith(("out_", "drop_", "held_"))) == d["counters"]["in_b4_packets"] + d["counters"]["in_uplink_packets"]'
    check "stats: 4 bindings created, 4 open" \
        json_check "$stats" 'd["counters"]["bindings_created"] == 4 and d["bindings"] == 4'
    check "stats as a table names every counter" contains "$(lab_ctl stats)" "drop_uplink_no_binding"

    check "the control socket is mode 0600" test "$(stat -c %a "$LAB_CONTROL")" = 600
    local out status
    out=$(lab_ctl bindings --protocol sctp 2>&1) && status=0 || status=$?
    check "a bad filter is refused with status 2" test "$status" -eq 2
    check "... and says why" contains "$out" "dslite-ctl: bindings: --protocol: 'sctp' is not tcp, udp or icmp"
    out=$("$LAB_CTL" --control "$LAB_DIR/nothing.sock" stats 2>&1) && status=0 || status=$?
    check "no daemon: status 1 and a hint" test "$status" -eq 1
    check "... naming the socket" contains "$out" "nothing.sock: No such file or directory (is dslite-aftr running?"
}
