# SPDX-License-Identifier: BSD-2-Clause
# ICMP errors through the AFTR with real sockets, both ways: a closed UDP
# port on the server is reported to the host behind the B4 as "connection
# refused" (3/3 translated toward the B4), and a host's closed port to the
# server (3/3 translated toward the Internet). Neither error removes the
# binding. Then the errors the AFTR generates itself are rate limited.
datagram() { lab_in "$1" "$LAB_PYTHON" "$LAB_HERE/lab_datagram.py" "${@:2}"; }

has_binding() {  # SITE INSIDE-ADDRESS:PORT
    contains "$(lab_ctl bindings --b4 "2001:db8:$1::2" --protocol udp)" " $2 "
}

case_main() {
    local s
    for s in "${LAB_SITES[@]}"; do
        check "site $s: a closed UDP port on the server is refused" \
            datagram "host$s" refused --bind "$LAB_HOST:5300" --to "$LAB_SERVER:9"
        check "site $s: the binding outlives the error" has_binding "$s" "$LAB_HOST:5300"
    done

    local server
    for s in "${LAB_SITES[@]}"; do
        datagram inet refused-later --bind "$LAB_SERVER:5301" --delay 0.3 >"$LAB_DIR/refused-$s.txt" 2>&1 &
        server=$!
        check "site $s: the server listens on 5301" \
            lab_wait 5 sh -c "ip netns exec $LAB_NS_INET ss -Huan sport = :5301 | grep -q ."
        check "site $s: the host sends from port 5302 and closes it" \
            datagram "host$s" send --bind "$LAB_HOST:5302" --to "$LAB_SERVER:5301"
        check "site $s: the server's datagram back to the closed port is refused" wait "$server"
        echo "      $(<"$LAB_DIR/refused-$s.txt")"
        check "site $s: that binding outlives the error too" has_binding "$s" "$LAB_HOST:5302"
    done

    # 20 datagrams that expire inside the softwire at once, against a limit
    # of 3 generated errors per second: most must be left unanswered.
    check "dslite-aftr restarts with --icmp-errors-per-second 3" lab_restart_aftr --icmp-errors-per-second 3
    local answered limited sent
    answered=$(datagram hosta ttl-burst --to "$LAB_SERVER" --ttl 2 --count 20 --from 192.0.0.1 --timeout 1.5)
    limited=$(lab_counter icmp_errors_rate_limited)
    sent=$(lab_counter sent_icmp_time_exceeded)
    echo "      $answered of 20 answered, $limited rate limited, $sent sent"
    check "some Time Exceeded came back" test "$answered" -ge 1
    check "at most two seconds' worth came back" test "$answered" -le 6
    check "the host got every error the AFTR sent" test "$answered" -eq "$sent"
    check "the rest were counted as rate limited" test "$((answered + limited))" -eq 20
}
