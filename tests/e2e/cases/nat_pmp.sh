# SPDX-License-Identifier: BSD-2-Clause
# NAT-PMP (issue 12) with Debian's natpmpc, a client this project did not
# write: from host A behind B4 A it asks 192.0.0.1 for the public address
# and for a TCP mapping of its web server on port 8080; a connection from
# the Internet to the public end it was given reaches that server; the
# mapping shows in dslite-ctl as requested; lifetime 0 deletes it, after
# which the public end answers no more. Site B's natpmpc sees its own
# subscriber's address.

start_web() {
    mkdir -p "$LAB_DIR/web"
    printf 'served from host A\n' >"$LAB_DIR/web/index.html"
    lab_start web "$(lab_ns_host a)" "$LAB_PYTHON" "$LAB_HERE/lab_server.py" --address "$LAB_HOST" \
        --root "$LAB_DIR/web" --http-port 8080 --echo-port 7008
    lab_wait 10 lab_in hosta sh -c "ss -ltn | grep -q ':8080 '"
}

# natpmpc prints "Public IP address : A" and "Mapped public port P protocol TCP to local port L liftime T".
natpmp() {  # SITE ARGS...
    local site=$1
    shift
    lab_in "host$site" natpmpc -g 192.0.0.1 "$@" >"$LAB_DIR/natpmpc.out" 2>&1
    cat "$LAB_DIR/natpmpc.out" >>"$LAB_DIR/natpmpc.log"
    grep -q '^Public IP address' "$LAB_DIR/natpmpc.out"
}
public_address() { sed -n 's/^Public IP address : \([0-9.]*\).*/\1/p' "$LAB_DIR/natpmpc.out" | head -1; }
mapped_port() { sed -n 's/^Mapped public port \([0-9]*\) protocol TCP.*/\1/p' "$LAB_DIR/natpmpc.out" | head -1; }

subscriber_address() {  # B4: the public address dslite-ctl shows for its subscriber
    lab_ctl --json subscribers | "$LAB_PYTHON" -c '
import ipaddress, json, sys
for s in json.load(sys.stdin)["subscribers"]:
    if ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(s["prefix"]):
        print(s["public_address"])' "$1"
}

shown_as_requested() {  # PUBLIC-END
    lab_ctl --json bindings --b4 2001:db8:a::2 | "$LAB_PYTHON" -c '
import json, sys
b = [x for x in json.load(sys.stdin)["bindings"] if x["public"] == sys.argv[1]]
sys.exit(0 if len(b) == 1 and b[0].get("requested") and b[0]["inside"].endswith(":8080") and b[0]["expires_seconds"] > 500 else 1)' "$1"
}

case_main() {
    check "the web server runs on host A" start_web
    check "natpmpc on host A gets the public address" natpmp a
    local address
    address=$(public_address)
    check "... one of the pool" contains "$address" "198.51.100."
    check "natpmpc on host A maps TCP 8080 for 600 s" natpmp a -a 8080 8080 tcp 600
    local port
    port=$(mapped_port)
    check "... and says which public port" test -n "$port"
    check "the mapping is on the subscriber's address" test "$(subscriber_address 2001:db8:a::2)" = "$address"
    check "dslite-ctl shows it as requested, with its lifetime" shown_as_requested "$address:$port"
    check "a connection from the Internet reaches host A's server" contains \
        "$(lab_in inet curl -sS --max-time 10 "http://$address:$port/")" "served from host A"
    lab_in hostb curl -sS --max-time 10 -o /dev/null "http://$LAB_SERVER/"
    check "natpmpc on host B sees its own subscriber's address" natpmp b
    check "... B's, as dslite-ctl shows it" test "$(public_address)" = "$(subscriber_address 2001:db8:b::2)"
    check "lifetime 0 deletes the mapping" natpmp a -a "$port" 8080 tcp 0
    check "... and the public end no longer answers" sh -c \
        "! ip netns exec '$LAB_NS_INET' curl -sS --max-time 3 -o /dev/null 'http://$address:$port/' 2>/dev/null"
    check "every request was answered" test "$(lab_counter out_port_control_answers)" -ge 4
    lab_stop web
}
