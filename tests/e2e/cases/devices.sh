# SPDX-License-Identifier: BSD-2-Clause
# The other softwire devices in the same lab, both sites at once each time:
# a raw IPv6 socket bound to the AFTR address, then IPv6 packets in UDP
# (dslite-b4 --aftr udp:...). The uplink stays a TUN.
restart_aftr() {  # B4-DEVICE
    lab_stop aftr
    lab_start aftr "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        --b4-device "$1" --uplink-device tun:aftr4 --control "$LAB_CONTROL"
    lab_wait 10 test -S "$LAB_CONTROL"
}

restart_b4s() {  # extra dslite-b4 options
    local s
    for s in "${LAB_SITES[@]}"; do
        lab_stop "b4$s"
        lab_start "b4$s" "$(lab_ns_b4 "$s")" "$LAB_B4" --b4-address "2001:db8:$s::2" \
            --aftr-address "$LAB_AFTR_ADDRESS" --device tun:b4 "$@"
        lab_wait 10 sh -c "ip -n $(lab_ns_b4 "$s") route show default | grep -q 'dev b4'" || return 1
    done
}

both_sites_ping() {
    lab_in hosta ping -c 3 -i 0.2 -W 2 "$LAB_SERVER" &
    local a=$!
    lab_in hostb ping -c 3 -i 0.2 -W 2 "$LAB_SERVER" &
    local b=$!
    wait "$a" && wait "$b"
}

both_sites_echo() {  # BYTES: one datagram each, to the server's echo and back whole
    local s
    for s in "${LAB_SITES[@]}"; do
        lab_in "host$s" "$LAB_PYTHON" "$LAB_HERE/lab_datagram.py" echo --to "$LAB_SERVER:7" --size "$1" || return 1
    done
}

case_main() {
    # Raw sockets and UDP listen on the AFTR address itself: make it local.
    ip -n "$LAB_NS_AFTR" addr add "$LAB_AFTR_ADDRESS/128" dev lo

    check "raw: dslite-aftr starts with --b4-device raw" restart_aftr raw
    check "raw: both sites ping the server at once" both_sites_ping
    check "raw: both B4s in the binding table" contains "$(lab_ctl bindings)" "2001:db8:b::2"
    check "raw: a page over TCP" contains "$(lab_in hosta curl -sS --max-time 10 "http://$LAB_SERVER/")" "Hello"
    # The echo's 8000 bytes exceed the 1500-byte tunnel MTU: the AFTR sends
    # them to the B4 as IPv6 fragments of its own, through the raw device.
    local fragments
    fragments=$(lab_counter sent_fragments)
    check "raw: 8000 bytes of UDP echoed back intact to both sites" both_sites_echo 8000
    check "raw: ... the AFTR sent them as fragments of its own" test "$(lab_counter sent_fragments)" -gt "$fragments"

    local udp="udp:[$LAB_AFTR_ADDRESS]:4000"
    check "udp: dslite-aftr starts with --b4-device $udp" restart_aftr "$udp"
    check "udp: the B4s reach it with --aftr $udp" restart_b4s --aftr "$udp"
    check "udp: both sites ping the server at once" both_sites_ping
    check "udp: a page over TCP" contains "$(lab_in hostb curl -sS --max-time 10 "http://$LAB_SERVER/")" "Hello"
    check "udp: both B4s in the table" contains "$(lab_ctl subscribers)" "2 subscribers"
}
