# SPDX-License-Identifier: BSD-2-Clause
# Soak: 80 misbehaving B4s (each its own /56) open flows far past their
# quota and rate limit while site A, a real dslite-b4, downloads 8 MiB over
# TCP and exchanges UDP with the server. Afterwards site A lost nothing, the
# counters add up, no answer reached the wrong B4, the ICMP bindings timed
# out (back to the starting binding and subscriber counts for them), the
# daemon's resident memory stayed flat, and it still answers dslite-ctl.
#
# The flood comes from one extra namespace (lab_flood.py, raw softwire
# packets from 80 source addresses). Only ICMP bindings can time out inside
# the test's time (60 s is the lowest --icmp-timeout, RFC 5508); UDP (120 s)
# and TCP (240 s) cannot. DSLITE_SOAK_FULL=1 also waits those out (about
# 5 minutes) and then wants every flood binding and subscriber gone:
#   sudo DSLITE_SOAK_FULL=1 bash tests/e2e/run.sh soak build/src/daemon/dslite-aftr ...

SOAK_B4S=64          # B4s flooding UDP, TCP and ICMP
SOAK_ICMP_ONLY=16    # B4s flooding ICMP echo only: all their bindings can time out in the test
SOAK_QUOTA=64        # UDP and TCP ports per subscriber
SOAK_QUOTA_ICMP=16
SOAK_RATE=100        # new bindings per subscriber per second
SOAK_ICMP_TIMEOUT=60
LAB_AFTR_ARGS=(--quota-udp "$SOAK_QUOTA" --quota-tcp "$SOAK_QUOTA" --quota-icmp "$SOAK_QUOTA_ICMP"
    --new-bindings-per-second "$SOAK_RATE" --icmp-timeout "$SOAK_ICMP_TIMEOUT"
    --udp-timeout 120 --tcp-transitory-timeout 240)

lab_add_flood_namespace

soak_json() {  # JSON-TEXT PYTHON-EXPRESSION-ON-d: prints the expression's value
    # The JSON goes in on stdin: a binding table is larger than one argument may be.
    "$LAB_PYTHON" -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" <<<"$1"
}
soak_rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$(<"$LAB_DIR/aftr.pid")/status"; }
soak_icmp_bindings() { soak_json "$(lab_ctl --json bindings --protocol icmp)" 'd["count"]'; }

# Every packet in ended in exactly one out_/drop_/held_ counter.
soak_counters_add_up() {
    soak_json "$1" '(lambda c: (c["in_b4_packets"] + c["in_uplink_packets"],
        sum(v for k, v in c.items() if k.startswith(("out_", "drop_", "held_")))))(d["counters"])' |
        "$LAB_PYTHON" -c 'import sys; i, o = eval(sys.stdin.read()); print(f"in {i} = dispositions {o}"); sys.exit(i != o)'
}

# Each subscriber within its quota: ports per protocol from dslite-ctl subscribers.
soak_quota_held() {
    soak_json "$(lab_ctl --json subscribers)" '[b["prefix"] for b in d["subscribers"] if b["udp_ports"] > '"$SOAK_QUOTA"'
        or b["tcp_ports"] > '"$SOAK_QUOTA"' or b["icmp_ids"] > '"$SOAK_QUOTA_ICMP"']' |
        grep -qx '\[\]'
}

case_main() {
    local flood_ns=dslite-$LAB_NAME-flood
    lab_flood_network $((SOAK_B4S + SOAK_ICMP_ONLY))
    # Answers to the flood go back through the AFTR: the routes work both ways.
    check "the flood namespace reaches the AFTR" ip netns exec "$flood_ns" ping -6 -c 1 -w 5 "$LAB_AFTR_ADDRESS"

    local stats0 rss0 bindings0 subscribers0
    stats0=$(lab_ctl --json stats)
    rss0=$(soak_rss_kib)
    bindings0=$(soak_json "$stats0" 'd["bindings"]')
    subscribers0=$(soak_json "$stats0" 'd["subscribers"]')

    # The well-behaved B4 (site A): a rate-limited download so it lasts as
    # long as the flood, and UDP all the while.
    local started=$SECONDS flood udp curl
    lab_in hosta curl -sS --max-time 60 --limit-rate 1M -o "$LAB_DIR/down-a.bin" "http://$LAB_SERVER/big.bin" &
    curl=$!
    lab_in hosta "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:5000" --to "$LAB_SERVER:7" \
        --tag soak --count 400 --interval 0.02 >"$LAB_DIR/udp-a.txt" 2>&1 &
    udp=$!
    ip netns exec "$flood_ns" "$LAB_PYTHON" "$LAB_HERE/lab_flood.py" --b4 '2001:db8:1:{:02x}00::2' \
        --b4s "$SOAK_B4S" --icmp-only-b4s "$SOAK_ICMP_ONLY" --aftr "$LAB_AFTR_ADDRESS" --to "$LAB_SERVER" \
        --udp $((SOAK_QUOTA + 16)) --tcp $((SOAK_QUOTA + 16)) --icmp $((SOAK_QUOTA_ICMP + 8)) \
        --rounds 6 --rate 8000 >"$LAB_DIR/flood.json" 2>"$LAB_DIR/flood.log" &
    flood=$!

    check "the flood ran and no answer reached the wrong B4" wait "$flood"
    check "site A's UDP exchange got every echo during the flood" wait "$udp"
    check "site A's 8 MiB download finished during the flood" wait "$curl"
    check "site A got every byte" test "$(sha256sum <"$LAB_DIR/down-a.bin" | cut -d' ' -f1)" = \
        "$(sha256sum <"$LAB_DIR/www/big.bin" | cut -d' ' -f1)"
    local during=$((SECONDS - started))

    local stats1 rss1 flood_report
    flood_report=$(<"$LAB_DIR/flood.json")
    stats1=$(lab_ctl --json stats)
    rss1=$(soak_rss_kib)
    check "counters add up after the flood" soak_counters_add_up "$stats1"
    check "quota drops were counted" test "$(soak_json "$stats1" 'd["counters"]["drop_quota_exhausted"]')" -gt 0
    check "rate-limit drops were counted" \
        test "$(soak_json "$stats1" 'd["counters"]["drop_binding_rate_limited"]')" -gt 0
    check "every subscriber within its quota" soak_quota_held
    check "every flood B4 has its own subscriber" \
        test "$(soak_json "$stats1" 'd["subscribers"]')" -ge $((subscribers0 + SOAK_B4S + SOAK_ICMP_ONLY))

    # ICMP bindings time out after --icmp-timeout; the ICMP-only subscribers
    # go with them. Wait for that (bounded), then compare with the start.
    local wait_until=$((started + SOAK_ICMP_TIMEOUT + 15))
    while (($(soak_icmp_bindings) > 0 && SECONDS < wait_until)); do sleep 1; done
    local stats2 rss2
    stats2=$(lab_ctl --json stats)
    rss2=$(soak_rss_kib)
    check "ICMP bindings timed out: none left after $((SECONDS - started)) s" test "$(soak_icmp_bindings)" -eq 0
    check "the ICMP-only subscribers were released: $SOAK_B4S flood subscribers left" \
        test "$(soak_json "$stats2" 'd["subscribers"]')" -eq $((subscribers0 + SOAK_B4S + 1))
    check "bindings expired, counted" \
        test "$(soak_json "$stats2" 'd["counters"]["bindings_expired"]')" -ge $(((SOAK_B4S + SOAK_ICMP_ONLY) * SOAK_QUOTA_ICMP))
    # The engine allocates its tables at start: thousands of bindings must not
    # grow the daemon (a node per binding would be 100+ bytes each). At the
    # end, allow 2 MiB for the heap the control replies used (large JSON).
    local bindings1
    bindings1=$(soak_json "$stats1" 'd["bindings"]')
    check "resident memory did not grow with $bindings1 bindings: ${rss0} KiB before, ${rss1} after" \
        test $(((rss1 - rss0) * 1024)) -lt $((bindings1 * 32))
    check "resident memory flat after the timeouts: ${rss2} KiB" test $((rss2 - rss0)) -lt 2048
    check "counters still add up" soak_counters_add_up "$stats2"
    check "the daemon still answers dslite-ctl" lab_ctl stats
    check "and forwards: site A still fetches a page" lab_in hosta curl -sS --max-time 5 "http://$LAB_SERVER/"
    local last_traffic=$SECONDS

    if [[ ${DSLITE_SOAK_FULL:-0} == 1 ]]; then
        # UDP and TCP bindings (site A's too, the page just fetched included)
        # time out by 240 s after their last packet, plus the wheel's second.
        wait_until=$((last_traffic + 240 + 20))
        while (($(soak_json "$(lab_ctl --json stats)" 'd["bindings"]') > bindings0 && SECONDS < wait_until)); do
            sleep 2
        done
        local stats3
        stats3=$(lab_ctl --json stats)
        check "full: every binding timed out, back to $bindings0 bindings" \
            test "$(soak_json "$stats3" 'd["bindings"]')" -eq "$bindings0"
        check "full: every subscriber released, back to $subscribers0" \
            test "$(soak_json "$stats3" 'd["subscribers"]')" -eq "$subscribers0"
        check "full: resident memory flat after every timeout ($(soak_rss_kib) KiB)" test $(($(soak_rss_kib) - rss0)) -lt 2048
        check "full: counters add up" soak_counters_add_up "$stats3"
        stats2=$stats3
    fi

    # The figures, for the record.
    echo "      flood: $flood_report"
    echo "      site A UDP: $(<"$LAB_DIR/udp-a.txt"); download 8 MiB at 1 MiB/s; flood + traffic took ${during} s"
    soak_json "$stats1" '("      after the flood: bindings %d, subscribers %d, "
        "b4_write_refused %d, uplink_write_refused %d" % (d["bindings"], d["subscribers"],
        d["b4_write_refused"], d["uplink_write_refused"]))'
    soak_json "$stats1" '("      in: b4 %d uplink %d; nonzero out/drop/held/sent: " % (d["counters"]["in_b4_packets"],
        d["counters"]["in_uplink_packets"]) + ", ".join(f"{k} {v}" for k, v in d["counters"].items()
        if v and k.startswith(("out_", "drop_", "held_", "sent_"))))'
    echo "      bindings: $bindings0 at start, $(soak_json "$stats1" 'd["bindings"]') after the flood," \
        "$(soak_json "$stats2" 'd["bindings"]') at the end; subscribers: $subscribers0," \
        "$(soak_json "$stats1" 'd["subscribers"]'), $(soak_json "$stats2" 'd["subscribers"]')"
    echo "      daemon RSS: $rss0 KiB at start, $rss1 after the flood, $rss2 at the end" \
        "(engine tables $(soak_json "$stats2" 'd["memory_bytes"]') bytes, allocated at start)"
}
