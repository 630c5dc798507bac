# SPDX-License-Identifier: BSD-2-Clause
# 100,000 bindings through the binding log: 64 B4s in a flood namespace open
# 1,600 UDP flows each (lab_flood.py); at SIGTERM the AFTR removes them all.
# The IPFIX collector (lab_collector.py on the AFTR namespace's loopback)
# then holds one NAT44 BIB create (natEvent 8) and one delete (natEvent 9)
# record per binding the AFTR counted, as libfixbuf's ipfixDump reads them,
# and the stop line says no event was lost to a full ring (events_lost).

VOLUME_B4S=64
VOLUME_FLOWS=1600  # per B4: 102,400 bindings, within the default quota (2048)
lab_add_flood_namespace

volume_flood() {
    ip netns exec "dslite-$LAB_NAME-flood" "$LAB_PYTHON" "$LAB_HERE/lab_flood.py" \
        --b4 '2001:db8:1:{:02x}00::2' --b4s "$VOLUME_B4S" --aftr "$LAB_AFTR_ADDRESS" --to "$LAB_SERVER" \
        --udp "$VOLUME_FLOWS" --tcp 0 --icmp 0 --rounds 1 --rate 10000 --linger 0.5 >"$LAB_DIR/flood.json"
}

case_main() {
    local flood_ns=dslite-$LAB_NAME-flood
    lab_flood_network "$VOLUME_B4S"
    lab_start collector "$LAB_NS_AFTR" "$LAB_PYTHON" "$LAB_HERE/lab_collector.py" --bind 127.0.0.1:4739 \
        --out "$LAB_DIR/bindings.ipfix"
    # No per-subscriber rate limit: lab_flood.py opens each B4's flows back to back.
    check "dslite-aftr starts with an IPFIX log" lab_restart_aftr --log-bindings ipfix:127.0.0.1:4739 \
        --new-bindings-per-second 0
    check "the flood namespace reaches the AFTR" ip netns exec "$flood_ns" ping -6 -c 1 -w 5 "$LAB_AFTR_ADDRESS"

    check "the flood ran" volume_flood
    local created lost
    created=$(lab_counter bindings_created)
    check "at least 100,000 bindings were made" test "$created" -ge 100000
    echo "      $created bindings made"

    lab_stop aftr
    sleep 1
    lab_stop collector
    lost=$(grep -o '[0-9]* events lost to a full ring' "$LAB_DIR/aftr.log" | cut -d' ' -f1)
    check "the stop line says how many events were lost" test -n "$lost"
    local creates deletes
    creates=$(ipfixDump -d -i "$LAB_DIR/bindings.ipfix" | grep -c 'natEvent : 8$' || true)
    deletes=$(ipfixDump -d -i "$LAB_DIR/bindings.ipfix" | grep -c 'natEvent : 9$' || true)
    echo "      IPFIX: $creates BIB creates, $deletes deletes; $lost events lost"
    check "no event was lost to a full ring" test "$lost" -eq 0
    check "exactly one BIB create record per binding" test "$creates" -eq "$created"
    check "exactly one BIB delete record per binding (all removed at SIGTERM)" test "$deletes" -eq "$created"
}
