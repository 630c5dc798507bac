# SPDX-License-Identifier: BSD-2-Clause
# SIGTERM stops the daemon cleanly and removes what it created; it then
# starts again from a config file and the sites reach the server again.

# ping's status 1 is "sent, no reply"; 2 is any other failure, which says nothing.
no_reply() {  # SITE
    local status=0
    lab_in "host$1" ping -c 1 -W 1 "$LAB_SERVER" || status=$?
    test "$status" -eq 1 || { echo "ping exited $status, not 1 (no reply)"; return 1; }
}

case_main() {
    check "traffic flows before" lab_in hosta ping -c 1 -W 2 "$LAB_SERVER"
    local pid status=0 tries=50
    pid=$(<"$LAB_DIR/aftr.pid")
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.1; done
    wait "$pid" || status=$?
    rm -f "$LAB_DIR/aftr.pid"
    check "dslite-aftr exits with status 0 on SIGTERM" test "$status" -eq 0
    check "... and says so" contains "$(<"$LAB_DIR/aftr.log")" "SIGTERM: stopping"
    check "the B4 TUN is gone" lacks "$(ip -n "$LAB_NS_AFTR" -br link)" "aftr6"
    check "the uplink TUN is gone" lacks "$(ip -n "$LAB_NS_AFTR" -br link)" "aftr4"
    check "the pool route is gone" lacks "$(ip -n "$LAB_NS_AFTR" route)" "198.51.100.0/28"
    check "the control socket is gone" test ! -e "$LAB_CONTROL"
    check "no traffic without the AFTR" no_reply a

    cat >"$LAB_DIR/aftr.conf" <<CONF
# dslite-aftr configuration: the same names as the flags.
aftr-address = $LAB_AFTR_ADDRESS
pool = $LAB_POOL
b4-device = tun:aftr6
uplink-device = tun:aftr4
control = $LAB_CONTROL
log-level = debug
CONF
    lab_start aftr "$LAB_NS_AFTR" "$LAB_AFTR" --config "$LAB_DIR/aftr.conf"
    check "restarted from a config file" lab_wait 10 test -S "$LAB_CONTROL"
    check "traffic flows again from site A" lab_in hosta ping -c 1 -W 2 "$LAB_SERVER"
    check "traffic flows again from site B" lab_in hostb ping -c 1 -W 2 "$LAB_SERVER"
    lab_ctl stats >/dev/null
    check "the config file's log level applies" contains "$(<"$LAB_DIR/aftr.log")" "debug: control: stats"
}
