# SPDX-License-Identifier: BSD-2-Clause
# --user (issue 13): the AFTR, started as root with --user nobody, opens its
# TUNs, routes and control socket, then runs as nobody with CAP_NET_ADMIN
# alone (read from /proc/PID/status, the kernel's word); both sites still
# get through; on SIGHUP, as nobody, it reads its config file again and
# routes a new no-nat prefix, and starts a new binding log file after
# logrotate's move; on SIGTERM it exits 0 and removes, as nobody, the routes it
# added to a TUN that outlives it (a persistent one made here, so the
# route's removal is the daemon's work and not the TUN's going) and its
# control socket. A user that cannot remove the socket, and an unknown one,
# are refused at start with one line.

# The kernel's masks are hexadecimal, 16 digits.
cap_mask() { printf '%016x' $((1 << $1)); }

status_field() {  # PID FIELD: the values of one line of /proc/PID/status
    sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

all_ids_are() {  # PID FIELD ID: the real, effective, saved and filesystem ids
    local values
    values=$(status_field "$1" "$2")
    [[ $(echo "$values" | tr -s '[:space:]' ' ' | sed 's/ $//') == "$3 $3 $3 $3" ]] ||
        { echo "$2: $values, want $3 four times"; return 1; }
}

field_is() {  # PID FIELD VALUE
    local value
    value=$(status_field "$1" "$2")
    [[ $value == "$3" ]] || { echo "$2: $value, want $3"; return 1; }
}

no_root_group() {  # PID
    local groups
    groups=$(status_field "$1" Groups)
    for g in $groups; do [[ $g != 0 ]] || { echo "Groups: $groups"; return 1; }; done
}

refused_as() {  # WANT OPTIONS...: exits 2 with exactly the line WANT on stderr
    local out status=0
    out=$(lab_in aftr "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        --b4-device tun:u6 --uplink-device tun:u4 "${@:2}" 2>&1) || status=$?
    [[ $status == 2 && $out == "$1" ]] || { echo "status $status, said: $out"; return 1; }
}

case_main() {
    local nobody_uid nobody_gid
    nobody_uid=$(id -u nobody)
    nobody_gid=$(id -g nobody)
    check "an unknown user is refused" refused_as "dslite-aftr: user: no user 'dslite-no-such-user'" \
        --control "$LAB_DIR/u.sock" --user dslite-no-such-user
    check "a user that could not remove the control socket is refused" refused_as \
        "dslite-aftr: user: could not remove the control socket $LAB_DIR/u.sock at exit: $LAB_DIR (uid 0, mode 0700) is not writable by nobody" \
        --control "$LAB_DIR/u.sock" --user nobody

    # As systemd's RuntimeDirectory= would: a directory of the user's.
    chmod 0711 "$LAB_DIR"
    mkdir "$LAB_DIR/run"
    chown nobody "$LAB_DIR/run"
    LAB_CONTROL=$LAB_DIR/run/aftr.sock
    lab_stop aftr
    ip -n "$LAB_NS_AFTR" tuntap add dev aftr4 mode tun
    echo "# routes come on SIGHUP" >"$LAB_DIR/user.conf"
    local log=$LAB_DIR/run/bindings.json
    check "dslite-aftr starts with --user nobody" lab_restart_aftr --user nobody --config "$LAB_DIR/user.conf" \
        --log-bindings "file:$log"
    local pid
    pid=$(<"$LAB_DIR/aftr.pid")
    check "it says whom it runs as" contains "$(<"$LAB_DIR/aftr.log")" "running as nobody (uid $nobody_uid"
    check "its uids are nobody's" all_ids_are "$pid" Uid "$nobody_uid"
    check "its gids are nobody's" all_ids_are "$pid" Gid "$nobody_gid"
    check "it is in no root group" no_root_group "$pid"
    check "its effective capabilities are CAP_NET_ADMIN alone" field_is "$pid" CapEff "$(cap_mask 12)"
    check "its permitted capabilities are CAP_NET_ADMIN alone" field_is "$pid" CapPrm "$(cap_mask 12)"
    check "it can pass none on" field_is "$pid" CapInh 0000000000000000
    check "nor keep any across exec" field_is "$pid" CapAmb 0000000000000000
    check "and gains nothing from exec" field_is "$pid" NoNewPrivs 1
    check "the control socket is nobody's" test "$(stat -c %U "$LAB_CONTROL")" = nobody
    check "dslite-ctl (root) still reaches it" lab_ctl stats
    lab_mixed_traffic 5310 20 " (as nobody)"
    check "the pool is routed into the persistent uplink TUN" \
        contains "$(ip -n "$LAB_NS_AFTR" route)" "198.51.100.0/28 dev aftr4"
    check "the binding log file is nobody's" test "$(stat -c %U "$log")" = nobody
    check "records are in it" lab_wait 5 test -s "$log"

    # SIGHUP as nobody: a no-nat prefix routed (netlink, CAP_NET_ADMIN) and,
    # after logrotate's move, a new binding log file made.
    mv "$log" "$log.1"
    echo "no-nat = 2001:db8:b::2 192.0.2.0/28" >>"$LAB_DIR/user.conf"
    kill -HUP "$pid"
    check "SIGHUP reloads the file as nobody" lab_wait 5 grep -q "SIGHUP: reloaded $LAB_DIR/user.conf" "$LAB_DIR/aftr.log"
    check "... and routes the new no-nat prefix" lab_wait 5 sh -c \
        "ip -n '$LAB_NS_AFTR' route | grep -q '192.0.2.0/28 dev aftr4'"
    lab_in hosta "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:6000" --to "$LAB_SERVER:7" \
        --tag after-hup --count 3 --interval 0.01 >/dev/null
    check "a binding made after SIGHUP lands in a new file" lab_wait 5 grep -q '"inside_port":6000' "$log"
    check "... which is nobody's" test "$(stat -c %U "$log")" = nobody

    local status=0 tries=50
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.1; done
    wait "$pid" || status=$?
    rm -f "$LAB_DIR/aftr.pid"
    check "dslite-aftr exits with status 0 on SIGTERM" test "$status" -eq 0
    check "... with nothing it could not undo" lacks "$(<"$LAB_DIR/aftr.log")" "warning"
    check "the pool route is gone from the TUN that stays (removed by nobody over netlink)" \
        lacks "$(ip -n "$LAB_NS_AFTR" route)" "198.51.100.0/28"
    check "... and the no-nat route" lacks "$(ip -n "$LAB_NS_AFTR" route)" "192.0.2.0/28"
    check "every binding log record was written" contains "$(<"$LAB_DIR/aftr.log")" " 0 could not be written"
    check "the persistent TUN stays" contains "$(ip -n "$LAB_NS_AFTR" -br link)" "aftr4"
    check "the B4 TUN it made is gone" lacks "$(ip -n "$LAB_NS_AFTR" -br link)" "aftr6"
    check "the AFTR address route is gone" lacks "$(ip -n "$LAB_NS_AFTR" -6 route)" "$LAB_AFTR_ADDRESS"
    check "the control socket is gone" test ! -e "$LAB_CONTROL"
    ip -n "$LAB_NS_AFTR" tuntap del dev aftr4 mode tun
}
