# SPDX-License-Identifier: BSD-2-Clause
# Fragmented UDP and ICMP through the softwire, from both sites: 3000- and
# 8000-byte datagrams to the server's echo and back, whole. Non-first IPv4
# fragments carry no ports, so the AFTR must reassemble them to find the
# binding; its answers exceed the 1500-byte tunnel MTU and must go to the B4
# as IPv6 fragments. Then the same in reverse fragment order, and from B4s
# that send the softwire packets as IPv6 fragments themselves.
datagram() { lab_in "$1" "$LAB_PYTHON" "$LAB_HERE/lab_datagram.py" "${@:2}"; }

grew() {  # WHAT BEFORE AFTER: true when AFTER > BEFORE
    (($3 > $2)) || { echo "$1 stayed at $2 (now $3)"; return 1; }
}

echo_sizes() {  # PORT [extra lab_datagram.py echo options]: every site, 3000 and 8000 bytes
    local s size
    for s in "${LAB_SITES[@]}"; do
        for size in 3000 8000; do
            check "site $s: $size bytes to port $1 echoed back intact" \
                datagram "host$s" echo --to "$LAB_SERVER:$1" --size "$size" "${@:2}"
        done
    done
}

fragment_trouble() {  # the sum of the counters of fragments given up on
    "$LAB_PYTHON" -c 'import json, sys; c = json.load(sys.stdin)["counters"]
print(sum(v for k, v in c.items() if k.startswith("drop_fragment_")) + c["fragment_datagrams_expired"])' \
        <<<"$(lab_ctl --json stats)"
}

case_main() {
    # 1. In order, as the kernels fragment: hosts to the B4 at 1500 bytes,
    # the B4 again for its 1460-byte TUN; the server at 1500 bytes.
    local held sent reasm_a reasm_b server
    held=$(lab_counter held_fragments)
    sent=$(lab_counter sent_fragments)
    reasm_a=$(lab_kernel_counter b4a Ip6ReasmOKs)
    reasm_b=$(lab_kernel_counter b4b Ip6ReasmOKs)
    server=$(lab_kernel_counter inet IpReasmOKs)
    echo_sizes 7
    check "the AFTR held fragments to reassemble" grew held_fragments "$held" "$(lab_counter held_fragments)"
    check "the AFTR made fragments" grew sent_fragments "$sent" "$(lab_counter sent_fragments)"
    check "site a's B4 reassembled IPv6 fragments from the AFTR" \
        test "$(lab_kernel_counter b4a Ip6ReasmOKs)" -ge $((reasm_a + 2))
    check "site b's B4 reassembled IPv6 fragments from the AFTR" \
        test "$(lab_kernel_counter b4b Ip6ReasmOKs)" -ge $((reasm_b + 2))
    check "the server reassembled IPv4 fragments from the AFTR" \
        test "$(lab_kernel_counter inet IpReasmOKs)" -ge $((server + 4))

    local s
    for s in "${LAB_SITES[@]}"; do
        check "site $s: ping -s 3000 through the softwire" lab_in "host$s" ping -c 3 -i 0.2 -W 2 -s 3000 "$LAB_SERVER"
        check "site $s: ping -s 8000 through the softwire" lab_in "host$s" ping -c 3 -i 0.2 -W 2 -s 8000 "$LAB_SERVER"
    done

    # 2. Last fragment first, both ways: the hosts send their datagrams as
    # fragments made by hand in reverse order, and a second echo on the
    # server answers the same way.
    datagram inet reverse-echo --bind "$LAB_SERVER:8" --count 4 --timeout 10 >"$LAB_DIR/reverse-echo.txt" 2>&1 &
    local reverse_echo=$!
    check "a reverse-order echo listens on port 8" \
        lab_wait 5 sh -c "ip netns exec $LAB_NS_INET ss -Huan sport = :8 | grep -q ."
    echo_sizes 8 --bind "$LAB_HOST:6008" --reverse
    check "the reverse-order echo answered 4 datagrams" wait "$reverse_echo"

    # 3. B4s whose TUN MTU leaves no room for the IPv6 header: their kernels
    # send 1500-byte inner packets as IPv6 fragments for the AFTR to reassemble.
    local frags_a frags_b
    frags_a=$(lab_kernel_counter b4a Ip6FragCreates)
    frags_b=$(lab_kernel_counter b4b Ip6FragCreates)
    for s in "${LAB_SITES[@]}"; do
        check "site $s: dslite-b4 restarts with --mtu 1500" lab_restart_b4 "$s" --mtu 1500
    done
    echo_sizes 7
    check "site a's B4 sent IPv6 fragments" grew Ip6FragCreates "$frags_a" "$(lab_kernel_counter b4a Ip6FragCreates)"
    check "site b's B4 sent IPv6 fragments" grew Ip6FragCreates "$frags_b" "$(lab_kernel_counter b4b Ip6FragCreates)"

    check "no fragment was dropped or timed out at the AFTR" test "$(fragment_trouble)" -eq 0
}
