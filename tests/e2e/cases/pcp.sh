# SPDX-License-Identifier: BSD-2-Clause
# PCP (issue 12) from host A behind B4 A, with the lab's PCP client
# (lab_pcp.py; Debian 12 has none): a MAP of TCP 8080 with a FILTER for the
# server reaches host A's web server from the server and from no other
# Internet address; a MAP with another nonce is not authorized; ANNOUNCE
# answers the epoch; after a restart with --pcp-announce the B4 sees an
# unsolicited ANNOUNCE to 224.0.0.1:5350 (tcpdump on its TUN) and the
# epoch starts again.

OTHER=203.0.113.20  # a second Internet address, which the FILTER keeps out

start_web() {
    mkdir -p "$LAB_DIR/web"
    printf 'served from host A\n' >"$LAB_DIR/web/index.html"
    lab_start web "$(lab_ns_host a)" "$LAB_PYTHON" "$LAB_HERE/lab_server.py" --address "$LAB_HOST" \
        --root "$LAB_DIR/web" --http-port 8080 --echo-port 7009
    lab_wait 10 lab_in hosta sh -c "ss -ltn | grep -q ':8080 '"
}

pcp() {  # ARGS...: one request from host A; its answer in $LAB_DIR/pcp.json
    lab_in hosta "$LAB_PYTHON" "$LAB_HERE/lab_pcp.py" "$@" >"$LAB_DIR/pcp.json" 2>>"$LAB_DIR/pcp.log" &&
        cat "$LAB_DIR/pcp.json" >>"$LAB_DIR/pcp.log"
}
field() { "$LAB_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$LAB_DIR/pcp.json" "$1"; }

fetch_from() {  # SOURCE ADDRESS PORT
    lab_in inet curl -sS --max-time 5 --interface "$1" "http://$2:$3/"
}

announce_seen() {
    grep -q '224.0.0.1.5350: UDP, length 24' "$LAB_DIR/tcpdump.log"
}

case_main() {
    ip -n "$LAB_NS_INET" addr add "$OTHER/24" dev eth0
    check "the web server runs on host A" start_web
    check "a PCP MAP of TCP 8080 with a FILTER for the server succeeds" \
        pcp map --protocol tcp --internal-port 8080 --lifetime 600 --filter "$LAB_SERVER/32"
    check "... result SUCCESS" test "$(field result)" = 0
    local address port nonce epoch
    address=$(field address)
    port=$(field port)
    nonce=$(field nonce)
    epoch=$(field epoch)
    check "... on one of the pool's addresses" contains "$address" "198.51.100."
    check "... for the lifetime asked" test "$(field lifetime)" = 600
    check "the server reaches host A's web server through it" contains \
        "$(fetch_from "$LAB_SERVER" "$address" "$port")" "served from host A"
    check "another Internet address does not (FILTER)" sh -c \
        "! ip netns exec '$LAB_NS_INET' curl -sS --max-time 3 --interface $OTHER -o /dev/null 'http://$address:$port/' 2>/dev/null"
    check "... counted as filtered" test "$(lab_counter drop_uplink_pcp_filtered)" -ge 1
    check "a renewal with the same nonce keeps the port" \
        pcp map --protocol tcp --internal-port 8080 --lifetime 900 --nonce "$nonce"
    check "... the same port" test "$(field port)" = "$port"
    check "a MAP with another nonce is answered" pcp map --protocol tcp --internal-port 8080 --lifetime 600
    check "... NOT_AUTHORIZED" test "$(field result)" = 2
    check "ANNOUNCE is answered" pcp announce
    check "... with SUCCESS and the epoch" test "$(field result)" = 0 -a "$(field epoch)" -ge "$epoch"
    check "dslite-ctl shows the mapping as requested" contains \
        "$(lab_ctl --json bindings --b4 2001:db8:a::2)" '"requested":true'

    check "restarted with --pcp-announce 60" lab_restart_aftr --pcp-announce 60
    lab_start tcpdump "$(lab_ns_b4 a)" tcpdump -l -n -i b4 udp port 5350
    sleep 1
    lab_in hosta curl -sS --max-time 10 -o /dev/null "http://$LAB_SERVER/"
    check "B4 A got an unsolicited ANNOUNCE to 224.0.0.1:5350" lab_wait 5 announce_seen
    lab_stop tcpdump
    check "... one, counted" test "$(lab_counter sent_pcp_announces)" = 1
    check "the mapping is made again after the restart" \
        pcp map --protocol tcp --internal-port 8080 --lifetime 600 --nonce "$nonce" --suggest-port "$port"
    check "... on the port it had (its suggestion)" test "$(field port)" = "$port"
    check "... and the epoch started again" test "$(field epoch)" -lt 30
    check "the server reaches host A again" contains \
        "$(fetch_from "$LAB_SERVER" "$(field address)" "$port")" "served from host A"
    lab_stop web
}
