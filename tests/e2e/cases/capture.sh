# SPDX-License-Identifier: BSD-2-Clause
# dslite-ctl capture (issue 13): while both sites send UDP, a capture of site
# A's B4 writes --count packets of pcapng that Debian's tshark and tcpdump
# read: both interfaces, the softwire packets from or to site A's B4 only,
# the IPv4 packets on its public address. A --public ADDR:PORT capture
# streamed to tcpdump through -w - takes that binding's packets only. SIGINT
# ends a capture with a complete file and the ring's drop count; a second
# capture is refused while one runs; a bad option is refused naming it;
# --threads 2 captures into one file; the daemon stopping ends a capture.

# Starts dslite-ctl capture in the background (its pid in CAPTURE_PID, its
# stderr in $LAB_DIR/NAME.err) and waits until the file has its header.
start_capture() {  # NAME CAPTURE-OPTIONS...
    local name=$1
    shift
    # Not through lab_ctl: $! is then dslite-ctl itself, for kill -INT.
    "$LAB_CTL" --control "$LAB_CONTROL" capture "$@" -w "$LAB_DIR/$name.pcapng" 2>"$LAB_DIR/$name.err" &
    CAPTURE_PID=$!
    lab_wait 5 test -s "$LAB_DIR/$name.pcapng"
}

# Waits up to 10 s for a background dslite-ctl capture to end; its status
# (killed and failed if it did not end).
ended() {  # PID
    local tries=100
    while kill -0 "$1" 2>/dev/null && ((tries-- > 0)); do sleep 0.1; done
    if kill -0 "$1" 2>/dev/null; then
        echo "still running after 10 s"
        kill -KILL "$1"
        wait "$1" || true
        return 1
    fi
    wait "$1"
}

tshark_fields() {  # FILE FIELDS...: one line per packet, fields comma-separated
    local file=$1
    shift
    local args=() f
    for f in "$@"; do args+=(-e "$f"); done
    tshark -r "$file" -T fields -E separator=, "${args[@]}" 2>/dev/null
}

# Every softwire packet of the file is site A's; every IPv4 one carries PUBLIC.
only_site_a() {  # FILE PUBLIC
    local iface v6src v6dst v4src v4dst bad=0 n=0
    while IFS=, read -r iface v6src v6dst v4src v4dst; do
        n=$((n + 1))
        case $iface in
            b4)
                [[ $v6src == 2001:db8:a::2 || $v6dst == 2001:db8:a::2 ]] || { echo "b4 side: $v6src > $v6dst"; bad=1; } ;;
            uplink)
                [[ -z $v6src && ($v4src == "$2" || $v4dst == "$2") ]] || { echo "uplink: $v4src > $v4dst"; bad=1; } ;;
            *) echo "interface '$iface'"; bad=1 ;;
        esac
    done < <(tshark_fields "$1" frame.interface_name ipv6.src ipv6.dst ip.src ip.dst | sed 's/,\([^,]*\),\([^,]*\)$/,\1,\2/')
    ((n > 0 && bad == 0))
}

json_check_stats() { json_check "$(lab_ctl --json stats)" "$1"; }

case_main() {
    # A binding of site A first, for its public address.
    lab_udp_both_sites 5400 5
    wait "${LAB_UDP_PIDS[@]}"
    local public
    public=$(lab_ctl --json bindings --b4 2001:db8:a::2 --protocol udp |
        "$LAB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["bindings"][0]["public"])')
    local public_address=${public%:*}
    echo "      site a's UDP binding: $public"

    check "a capture of site a's B4 starts" start_capture a --b4 2001:db8:a::2 --count 40
    lab_udp_both_sites 5400 30
    wait "${LAB_UDP_PIDS[@]}"
    check "... and ends by itself after --count 40" ended "$CAPTURE_PID"
    check "tshark reads 40 packets" test "$(tshark_fields "$LAB_DIR/a.pcapng" frame.number | wc -l)" -eq 40
    check "... on both interfaces, b4 and uplink" test \
        "$(tshark_fields "$LAB_DIR/a.pcapng" frame.interface_name | sort -u | tr '\n' ' ')" = "b4 uplink "
    check "... the softwire packets from or to site a's B4 only, the IPv4 ones on $public_address" \
        only_site_a "$LAB_DIR/a.pcapng" "$public_address"
    check "... the softwire packets carry the inside UDP, the uplink ones the public port" sh -c "
        tshark -r '$LAB_DIR/a.pcapng' -Y 'frame.interface_name == \"b4\" && udp.port == 5400' 2>/dev/null | grep -q . &&
        tshark -r '$LAB_DIR/a.pcapng' -Y 'frame.interface_name == \"uplink\" && udp.port == ${public##*:}' 2>/dev/null | grep -q ."
    check "tcpdump reads the same 40" test "$(tcpdump -n -r "$LAB_DIR/a.pcapng" 2>/dev/null | wc -l)" -eq 40
    check "dslite-ctl says what it captured" contains "$(cat "$LAB_DIR/a.err")" \
        "40 packets captured, 0 dropped by the capture ring"

    # --public ADDR:PORT, streamed to tcpdump.
    lab_ctl capture --public "$public" --count 12 -w - 2>"$LAB_DIR/public.err" |
        tcpdump -n -l -r - >"$LAB_DIR/public.txt" 2>/dev/null &
    local pipeline=$!
    sleep 0.5
    lab_udp_both_sites 5400 10
    wait "${LAB_UDP_PIDS[@]}"
    check "a --public $public capture to tcpdump through -w - ends after 12 packets" ended "$pipeline"
    check "... tcpdump printed 12" test "$(wc -l <"$LAB_DIR/public.txt")" -eq 12
    check "... its IPv6 packets are site a's" test "$(grep -c 'IP6 2001:db8:a::2 >\|> 2001:db8:a::2:' "$LAB_DIR/public.txt")" \
        -eq "$(grep -c IP6 "$LAB_DIR/public.txt")"
    check "... its IPv4 packets are $public's" test "$(grep -v IP6 "$LAB_DIR/public.txt" | grep -c "$public_address.${public##*:}")" \
        -eq "$(grep -vc IP6 "$LAB_DIR/public.txt")"
    check "... and both kinds are there" sh -c "grep -q IP6 '$LAB_DIR/public.txt' && grep -vq IP6 '$LAB_DIR/public.txt'"

    # SIGINT: a whole file and the drop count; one capture at a time.
    check "a capture without --count starts" start_capture all
    local second
    second=$(lab_ctl capture -w "$LAB_DIR/second.pcapng" 2>&1; echo "exit $?")
    check "a second capture is refused while it runs" contains "$second" "another capture is running"
    check "... with exit status 2" contains "$second" "exit 2"
    lab_in hosta ping -c 3 -i 0.2 -W 2 "$LAB_SERVER" >/dev/null || true
    check "stats shows the running capture's packets" lab_wait 3 json_check_stats 'd["capture_packets"] >= 12'
    kill -INT "$CAPTURE_PID"
    check "SIGINT ends it" ended "$CAPTURE_PID"
    check "... the file reads whole (capinfos)" capinfos "$LAB_DIR/all.pcapng"
    check "... with site a's pings on both sides" test \
        "$(tshark -r "$LAB_DIR/all.pcapng" -Y 'icmp.type == 8' 2>/dev/null | wc -l)" -ge 6
    check "... and dslite-ctl got the drop count" contains "$(cat "$LAB_DIR/all.err")" "dropped by the capture ring"
    check "a capture may start again" start_capture again --count 1
    lab_in hostb ping -c 1 -W 2 "$LAB_SERVER" >/dev/null
    check "... and ends" ended "$CAPTURE_PID"

    # --threads 2: a ring per thread, drained into one file.
    check "dslite-aftr restarts with --threads 2" lab_restart_aftr --threads 2
    lab_udp_both_sites 5500 5
    wait "${LAB_UDP_PIDS[@]}"
    public=$(lab_ctl --json bindings --b4 2001:db8:a::2 --protocol udp |
        "$LAB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["bindings"][0]["public"])')
    check "a capture of site a with 2 threads starts" start_capture threads --b4 2001:db8:a::2 --count 40
    lab_udp_both_sites 5500 30
    wait "${LAB_UDP_PIDS[@]}"
    check "... ends after --count 40" ended "$CAPTURE_PID"
    check "... tshark reads 40 packets" test "$(tshark_fields "$LAB_DIR/threads.pcapng" frame.number | wc -l)" -eq 40
    check "... site a's only, on both sides" only_site_a "$LAB_DIR/threads.pcapng" "${public%:*}"

    local refused
    refused=$(lab_ctl capture --count many -w "$LAB_DIR/x.pcapng" 2>&1; echo "exit $?")
    check "a bad option is refused naming it" contains "$refused" "--count: 'many' is not a count of packets"
    check "... with exit status 2" contains "$refused" "exit 2"
    refused=$(lab_ctl capture --b4 2001:db8:a::2 2>&1; echo "exit $?")
    check "no -w is refused" contains "$refused" "-w FILE"

    # The daemon stopping ends a running capture; what came is a whole file.
    check "a capture runs while dslite-aftr stops" start_capture last
    lab_in hosta ping -c 2 -i 0.2 -W 2 "$LAB_SERVER" >/dev/null || true
    kill -TERM "$(<"$LAB_DIR/aftr.pid")"
    check "... dslite-ctl ends with it" ended "$CAPTURE_PID"
    check "... the file reads whole, with the pings" test \
        "$(tshark -r "$LAB_DIR/last.pcapng" -Y icmp 2>/dev/null | wc -l)" -ge 4
    check "... dslite-ctl says the daemon stopped" contains "$(cat "$LAB_DIR/last.err")" "the daemon stopped"
    check "... and dslite-aftr stopped cleanly" lab_wait 5 grep -q "stopped:" "$LAB_DIR/aftr.log"
}
