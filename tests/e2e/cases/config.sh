# SPDX-License-Identifier: BSD-2-Clause
# Bad configuration is refused at start: status 2, one line naming the option.
case_needs_lab() { return 1; }

# refused STATUS LINE ARGS...: dslite-aftr with ARGS prints exactly LINE and exits STATUS.
refused() {
    local want_status=$1 want_line=$2 out status=0
    shift 2
    out=$(ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" "$@" 2>&1 >/dev/null) || status=$?
    [[ $status -eq $want_status && $out == "$want_line" ]] && return 0
    echo "status $status (want $want_status), stderr:"
    echo "$out"
    return 1
}

# A namespace of a run that was killed (its PID gone) is removed; one of a
# run still going (this one's PID) is not, nor one of another lab.
leftovers_cleaned() {
    local dead=4194303  # above any PID the kernel hands out (pid_max is at most 2^22)
    ip netns add "dslite-leftover-$dead-aftr"
    ip netns add "dslite-leftover-$$-aftr"
    ip netns add "dslite-leftovers-$dead-aftr"
    lab_clean_leftovers leftover 2>/dev/null
    local left
    left=$(ip netns list | awk '{print $1}' | grep -E '^dslite-leftovers?-' | sort | tr '\n' ' ')
    ip netns del "dslite-leftover-$$-aftr" 2>/dev/null || true
    ip netns del "dslite-leftovers-$dead-aftr" 2>/dev/null || true
    ip netns del "dslite-leftover-$dead-aftr" 2>/dev/null || true
    [[ $left == "dslite-leftover-$$-aftr dslite-leftovers-$dead-aftr " ]] || { echo "left: $left"; return 1; }
}

case_main() {
    check "namespaces left by a killed run are removed, others kept" leftovers_cleaned
    lab_init "config-$$"
    ip netns add "$LAB_NS_AFTR"
    local engine=(--aftr-address 2001:db8:ff::1 --pool 198.51.100.0/28)
    local devices=(--b4-device tun:aftr6 --uplink-device tun:aftr4 --control "$LAB_DIR/a.sock")

    check "no B4 device" refused 2 \
        "dslite-aftr: b4-device: required (tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT])" "${engine[@]}"
    check "unknown device" refused 2 \
        "dslite-aftr: uplink-device: unknown device 'eth0' (expected tun:NAME, raw, udp:[ADDR]:PORT or pcap:IN[,OUT])" \
        "${engine[@]}" --b4-device tun:aftr6 --uplink-device eth0
    check "raw is not an uplink" refused 2 \
        "dslite-aftr: uplink-device: 'raw' carries softwires only; the uplink is tun:NAME or pcap:IN[,OUT]" \
        "${engine[@]}" --b4-device tun:aftr6 --uplink-device raw
    check "bad prefix" refused 2 "dslite-aftr: pool: '198.51.100.0/33' is not an IPv4 prefix" \
        --aftr-address 2001:db8:ff::1 --pool 198.51.100.0/33 "${devices[@]}"
    check "overlapping pools" refused 2 "dslite-aftr: pool: 198.51.100.8/29 overlaps 198.51.100.0/28" \
        "${engine[@]}" --pool 198.51.100.8/29 "${devices[@]}"
    check "empty pool" refused 2 "dslite-aftr: pool: at least one IPv4 prefix is needed" \
        --aftr-address 2001:db8:ff::1 "${devices[@]}"
    check "MTU below the IPv6 minimum" refused 2 "dslite-aftr: mtu: '1000' is below 1280, the IPv6 minimum" \
        "${engine[@]}" "${devices[@]}" --mtu 1000
    check "threads on a device with one queue" refused 2 \
        "dslite-aftr: threads: 2 threads need a queue each, but --b4-device 'raw' has one queue; more threads than one need tun:NAME devices (a TUN with a queue per thread)" \
        "${engine[@]}" --b4-device raw --uplink-device tun:aftr4 --threads 2
    ip -n "$LAB_NS_AFTR" tuntap add dev single4 mode tun
    check "threads on a TUN made without queues" refused 2 \
        "dslite-aftr: uplink-device: tun:single4: attach a queue (a TUN made without multiple queues cannot get them; remove it): Invalid argument" \
        "${engine[@]}" --b4-device tun:mq6 --uplink-device tun:single4 --control "$LAB_DIR/b.sock" --threads 2
    check "a TUN name taken by another kind of interface" refused 2 \
        "dslite-aftr: b4-device: tun:lo: $(ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" "${engine[@]}" \
            --b4-device tun:lo --uplink-device tun:aftr4 2>&1 | sed -n 's/^dslite-aftr: b4-device: tun:lo: //p')" \
        "${engine[@]}" --b4-device tun:lo --uplink-device tun:aftr4
    check "a missing control directory" refused 2 \
        "dslite-aftr: control: $LAB_DIR/none/a.sock: No such file or directory" \
        "${engine[@]}" --b4-device tun:aftr6 --uplink-device tun:aftr4 --control "$LAB_DIR/none/a.sock"
    check "a binding log sink that is not one" refused 2 \
        "dslite-aftr: log-bindings: 'journal' is not a sink: file:PATH, syslog, syslog:unix:PATH, syslog:udp:HOST:PORT or ipfix:HOST:PORT" \
        "${engine[@]}" "${devices[@]}" --log-bindings journal
    check "an IPFIX collector without a port" refused 2 \
        "dslite-aftr: log-bindings: 'ipfix:192.0.2.9' needs HOST:PORT (an IPv6 address in brackets, a port from 1 to 65535)" \
        "${engine[@]}" "${devices[@]}" --log-bindings ipfix:192.0.2.9
    check "a binding log file that cannot be opened" refused 2 \
        "dslite-aftr: log-bindings: cannot open '$LAB_DIR/none/b.json': No such file or directory" \
        "${engine[@]}" "${devices[@]}" --log-bindings "file:$LAB_DIR/none/b.json"
    check "a syslog socket nobody listens on" refused 2 \
        "dslite-aftr: log-bindings: cannot connect to '$LAB_DIR/no.sock': No such file or directory" \
        "${engine[@]}" "${devices[@]}" --log-bindings "syslog:unix:$LAB_DIR/no.sock"
    check "a binding log without a ring" refused 2 \
        "dslite-aftr: log-ring: 0 leaves --log-bindings nothing to write (64 or more)" \
        "${engine[@]}" "${devices[@]}" --log-bindings "file:$LAB_DIR/b.json" --log-ring 0

    # A second daemon must not take over a running one's control socket.
    lab_start aftr "$LAB_NS_AFTR" "$LAB_AFTR" "${engine[@]}" "${devices[@]}"
    check "the first daemon starts" lab_wait 10 test -S "$LAB_DIR/a.sock"
    check "a second daemon on the same socket is refused" refused 2 \
        "dslite-aftr: control: $LAB_DIR/a.sock: another daemon is listening there" \
        "${engine[@]}" --b4-device tun:other6 --uplink-device tun:other4 --control "$LAB_DIR/a.sock"
    check "... and leaves no TUNs behind" lacks "$(ip -n "$LAB_NS_AFTR" -br link)" "other6"
}
