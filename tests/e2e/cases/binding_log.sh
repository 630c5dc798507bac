# SPDX-License-Identifier: BSD-2-Clause
# The binding log with consumers this project did not write: the JSON file
# read by python3's json module, RFC 5424 through a UNIX socket into a
# private rsyslogd, IPFIX over UDP (to a collector on the AFTR namespace's
# loopback) decoded by libfixbuf's ipfixDump. Every binding dslite-ctl shows has its created record and,
# after SIGTERM, its removed record; logrotate's move plus SIGHUP starts a new
# file; no record holds a destination.

case_main() {
    check "rsyslogd starts" lab_start_rsyslog
    lab_start collector "$LAB_NS_AFTR" "$LAB_PYTHON" "$LAB_HERE/lab_collector.py" --bind 127.0.0.1:4739 \
        --out "$LAB_DIR/bindings.ipfix"
    check "dslite-aftr starts with a file, a syslog and an IPFIX log" lab_restart_aftr \
        --log-bindings "file:$LAB_DIR/bindings.json" --log-bindings "syslog:unix:$LAB_DIR/syslog.sock" \
        --log-bindings ipfix:127.0.0.1:4739

    lab_mixed_traffic 5000 20
    sleep 0.5  # the log is written every 10 ms
    check "records are in the file" test -s "$LAB_DIR/bindings.json"

    # logrotate: move the file, then SIGHUP; new records go to a new file.
    mv "$LAB_DIR/bindings.json" "$LAB_DIR/bindings.json.1"
    kill -HUP "$(<"$LAB_DIR/aftr.pid")"
    check "SIGHUP is logged" lab_wait 5 grep -q "SIGHUP: reopening the binding log" "$LAB_DIR/aftr.log"
    check "the daemon lives on after SIGHUP" kill -0 "$(<"$LAB_DIR/aftr.pid")"
    lab_in hosta "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:6000" --to "$LAB_SERVER:7" \
        --tag after-hup --count 3 --interval 0.01 >/dev/null
    lab_ctl --json bindings >"$LAB_DIR/shown.json"
    check "a binding made after SIGHUP lands in the new file" \
        lab_wait 5 grep -q '"inside_port":6000' "$LAB_DIR/bindings.json"
    check "... and not in the moved one" lacks "$(<"$LAB_DIR/bindings.json.1")" '"inside_port":6000'

    lab_stop aftr
    check "the stop line counts the records" \
        contains "$(<"$LAB_DIR/aftr.log")" "binding log: "
    check "nothing was lost or failed" contains "$(<"$LAB_DIR/aftr.log")" " 0 could not be written, 0 events lost"
    sleep 0.5
    lab_stop rsyslog  # it writes out what it has received as it stops
    lab_stop collector
    check "ipfixDump reads the IPFIX" sh -c "ipfixDump -i '$LAB_DIR/bindings.ipfix' >'$LAB_DIR/ipfix.txt'"
    check "every binding shown has its records, with no destination, in JSON, rsyslog and IPFIX" \
        "$LAB_PYTHON" "$LAB_HERE/lab_binding_log.py" --bindings "$LAB_DIR/shown.json" \
        --json "$LAB_DIR/bindings.json.1" --json "$LAB_DIR/bindings.json" --syslog "$LAB_DIR/syslog.txt" \
        --ipfix-dump "$LAB_DIR/ipfix.txt" --server "$LAB_SERVER"
}
