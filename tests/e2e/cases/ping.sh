# SPDX-License-Identifier: BSD-2-Clause
# ping through the AFTR from both sites at once, and the AFTR's own echo
# replies: 192.0.0.1 from a site host, the AFTR address from a B4.
case_main() {
    lab_in hosta ping -c 5 -i 0.2 -W 2 "$LAB_SERVER" >"$LAB_DIR/ping-a.txt" 2>&1 &
    local a=$!
    lab_in hostb ping -c 5 -i 0.2 -W 2 "$LAB_SERVER" >"$LAB_DIR/ping-b.txt" 2>&1 &
    local b=$!
    check "site A host pings the server through the AFTR" wait $a
    check "site B host pings the server through the AFTR at the same time" wait $b
    check "site A: 5 of 5 replies" contains "$(<"$LAB_DIR/ping-a.txt")" "5 received"
    check "site B: 5 of 5 replies" contains "$(<"$LAB_DIR/ping-b.txt")" "5 received"

    local before after
    before=$(lab_counter out_aftr_echo_replies)
    check "a site host pings the AFTR's IPv4 address 192.0.0.1" lab_in hosta ping -c 2 -i 0.2 -W 2 192.0.0.1
    check "a B4 pings the AFTR's IPv6 address" lab_in b4b ping -6 -c 2 -i 0.2 -W 2 "$LAB_AFTR_ADDRESS"
    after=$(lab_counter out_aftr_echo_replies)
    # Nothing but the daemon can answer: the address is routed into its TUN.
    check "the AFTR itself answered all 4 ($before -> $after)" test "$((after - before))" -eq 4
    check "ICMP bindings of both sites are in the table" \
        contains "$(lab_ctl bindings --protocol icmp)" "2001:db8:b::2"
}
