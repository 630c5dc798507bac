# SPDX-License-Identifier: BSD-2-Clause
# Restarts that keep bindings (issue 13, --state-file): host A talks UDP and
# holds a TCP connection open to a server on the Internet; the AFTR is
# stopped with SIGTERM (as systemctl stop does) and started again with the
# same --state-file while the connection is idle; then both are used again
# and the server sees the same public address and port as before. The
# binding log has no removal for them. A corrupt file then gives one
# warning line and an empty start; a file of one thread is not used by two;
# and the same restart on two threads (the file keeps the seed that put the
# subscriber on its thread).

STATE=

start_with_state() {
    rm -f "$LAB_CONTROL"
    lab_start_aftr --state-file "$STATE" --log-bindings "file:$LAB_DIR/bindings.json" "$@"
    lab_wait 10 test -S "$LAB_CONTROL" || { lab_fail_start aftr; return 1; }
}

stop_aftr() {  # SIGTERM, keeping its log as aftr-N.log
    lab_stop aftr
    cp "$LAB_DIR/aftr.log" "$LAB_DIR/aftr-$1.log"
}

start_client() {  # NAME: host A's client, told to go on by the file $LAB_DIR/NAME.go
    lab_start "$1" "$(lab_ns_host a)" "$LAB_PYTHON" "$LAB_HERE/lab_peer.py" client --bind "$LAB_HOST:5555" \
        --to "$LAB_SERVER" --port 9000 --go "$LAB_DIR/$1.go"
}

peer_lines() { lab_wait 10 sh -c "test \$(grep -c . '$LAB_DIR/$1.log') -ge $2"; }  # NAME COUNT

same_ends() {  # NAME: the server saw each protocol from one public end
    local p log=$LAB_DIR/$1.log
    for p in udp tcp; do
        [[ $(grep -c "^$p " "$log") -eq 2 ]] || { cat "$log"; return 1; }
        [[ $(grep "^$p " "$log" | sort -u | wc -l) -eq 1 ]] || { cat "$log"; return 1; }
    done
}

binding_count() { lab_ctl --json stats | "$LAB_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["bindings"])'; }

case_main() {
    STATE=$LAB_DIR/aftr.state
    lab_stop aftr
    check "dslite-aftr starts with --state-file and no file yet" start_with_state
    check "a missing file is an info line, not a warning" \
        lab_wait 5 grep -q "info.*state file $STATE: none yet, starting empty" "$LAB_DIR/aftr.log"

    lab_start peer "$LAB_NS_INET" "$LAB_PYTHON" "$LAB_HERE/lab_peer.py" server --address "$LAB_SERVER" --port 9000
    lab_wait 10 lab_in inet sh -c "ss -ltn | grep -q ':9000 '"
    start_client client
    check "host A's UDP exchange and TCP connection reach the server" peer_lines client 2
    echo "      before: $(tr '\n' ' ' <"$LAB_DIR/client.log")"

    stop_aftr 1
    check "SIGTERM saves the bindings" grep -q "state file $STATE: saved 2 bindings" "$LAB_DIR/aftr-1.log"
    check "no temporary file is left" test ! -e "$STATE.tmp"
    check "the saved bindings are not logged as removed" lacks "$(cat "$LAB_DIR/bindings.json")" '"reason":"shutdown"'
    sleep 2  # down a while: the lifetimes are shortened by it
    check "dslite-aftr starts again with the same --state-file" start_with_state
    check "it restored both bindings" lab_wait 5 grep -q "state file $STATE: restored 2 bindings, 1 subscriber" "$LAB_DIR/aftr.log"
    check "dslite-ctl shows them" test "$(binding_count)" -eq 2

    touch "$LAB_DIR/client.go"
    check "the UDP exchange and the idle TCP connection go on" wait "$(<"$LAB_DIR/client.pid")"
    echo "      after:  $(tail -n 2 "$LAB_DIR/client.log" | tr '\n' ' ')"
    check "the server saw the same public address and port before and after" same_ends client
    check "the restored bindings are not logged as created again" \
        test "$(grep -c '"event":"binding_created"' "$LAB_DIR/bindings.json")" -eq 2

    stop_aftr 2
    "$LAB_PYTHON" -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x40; open(p, "wb").write(b)' "$STATE"
    check "dslite-aftr starts from a corrupt file" start_with_state
    check "one warning line names the reason" lab_wait 5 grep -q "state file $STATE not used" "$LAB_DIR/aftr.log"
    check "only one" \
        test "$(grep -c "warning.*state file $STATE not used (corrupt (checksum mismatch)): starting empty" "$LAB_DIR/aftr.log")" -eq 1
    check "and it starts empty" test "$(binding_count)" -eq 0

    stop_aftr 3
    check "two threads start from a file of one" start_with_state --threads 2
    check "which is not used, with one warning" lab_wait 5 grep -q \
        "warning.*state file $STATE not used (written by 1 thread, now --threads 2): starting empty" "$LAB_DIR/aftr.log"
    start_client client2
    check "on two threads: host A reaches the server" peer_lines client2 2
    stop_aftr 4
    check "two threads start again from their file" start_with_state --threads 2
    check "they restored both bindings" lab_wait 5 grep -q "state file $STATE: restored 2 bindings" "$LAB_DIR/aftr.log"
    touch "$LAB_DIR/client2.go"
    check "on two threads: the exchange and the connection go on" wait "$(<"$LAB_DIR/client2.pid")"
    check "on two threads: the same public ends before and after" same_ends client2
    lab_stop peer
}
