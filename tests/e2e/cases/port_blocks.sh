# SPDX-License-Identifier: BSD-2-Clause
# Port blocks (--port-block-size 512) on two threads, with consumers this
# project did not write: the JSON file read by python3's json module, RFC
# 5424 into a private rsyslogd, IPFIX decoded by libfixbuf's ipfixDump.
# Real traffic from both sites (UDP, HTTP with curl, ping); every binding
# dslite-ctl shows has its port inside one block of its B4, given once and,
# after SIGTERM, released once, in all three; no binding records, no
# destination; dslite-ctl whois names the block that holds a public end.

BLOCK=512

whois_names_the_block() {  # PUBLIC B4
    lab_ctl --json whois "$1" | "$LAB_PYTHON" -c '
import json, sys
answer = json.load(sys.stdin)
address, port = sys.argv[1].split(":")
blocks = [b for b in answer["blocks"] if b["public_address"] == address and b["b4"] == sys.argv[2]
          and int(b["ports"].split("-")[0]) <= int(port) <= int(b["ports"].split("-")[1])]
sys.exit(0 if answer["mapping"] == "port-blocks" and len(blocks) == 1 and blocks[0]["bindings"] >= 1 else 1)
' "$1" "$2"
}

# 600 UDP flows from hosta, one per source port: more than one block of 512.
many_flows() {
    lab_in hosta "$LAB_PYTHON" -c '
import socket, sys
for port in range(20000, 20600):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    s.sendto(b"x", (sys.argv[2], 7))
    s.close()
' "$LAB_HOST" "$LAB_SERVER"
}

blocks_of() {  # SUBSCRIBER: how many blocks whois lists
    lab_ctl --json whois "$1" | "$LAB_PYTHON" -c 'import json, sys; print(len(json.load(sys.stdin)["blocks"]))'
}

first_binding() {  # FIELD: of the first binding dslite-ctl showed
    "$LAB_PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["bindings"][0][sys.argv[2]])' \
        "$LAB_DIR/shown.json" "$1"
}

case_main() {
    check "rsyslogd starts" lab_start_rsyslog
    lab_start collector "$LAB_NS_AFTR" "$LAB_PYTHON" "$LAB_HERE/lab_collector.py" --bind 127.0.0.1:4739 \
        --out "$LAB_DIR/bindings.ipfix"
    check "dslite-aftr starts with port blocks on two threads and three logs" lab_restart_aftr \
        --port-block-size "$BLOCK" --threads 2 \
        --log-bindings "file:$LAB_DIR/bindings.json" --log-bindings "syslog:unix:$LAB_DIR/syslog.sock" \
        --log-bindings ipfix:127.0.0.1:4739

    lab_mixed_traffic 5000 20
    check "600 more flows from site a" many_flows
    lab_ctl --json bindings >"$LAB_DIR/shown.json"
    check "site a holds two blocks, site b one" \
        test "$(blocks_of 2001:db8:a::/56) $(blocks_of 2001:db8:b::/56)" = "2 1"
    check "blocks were given" test "$(lab_counter port_blocks_allocated)" -ge 2
    check "whois names the block holding a binding's public end" \
        whois_names_the_block "$(first_binding public)" "$(first_binding b4)"

    lab_stop aftr
    check "nothing was lost or failed" contains "$(<"$LAB_DIR/aftr.log")" " 0 could not be written, 0 events lost"
    sleep 0.5
    lab_stop rsyslog
    lab_stop collector
    check "ipfixDump reads the IPFIX" sh -c "ipfixDump -i '$LAB_DIR/bindings.ipfix' >'$LAB_DIR/ipfix.txt'"
    check "every binding's port is in one block of its B4, given and released once, in JSON, rsyslog and IPFIX" \
        "$LAB_PYTHON" "$LAB_HERE/lab_binding_log.py" --bindings "$LAB_DIR/shown.json" \
        --json "$LAB_DIR/bindings.json" --syslog "$LAB_DIR/syslog.txt" \
        --ipfix-dump "$LAB_DIR/ipfix.txt" --server "$LAB_SERVER" --port-blocks "$BLOCK"
}
