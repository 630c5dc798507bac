# SPDX-License-Identifier: BSD-2-Clause
# Reload on SIGHUP (issue 12): dslite-aftr runs from a config file; while
# host B downloads a large file (rate-limited, so it runs through the
# reload), a static mapping for host A's web server is appended to the file
# and the daemon gets SIGHUP: a request from the Internet to the new public
# end reaches host A at once, the download completes intact and its binding
# kept its public port. A bad value is then refused with one line naming the
# option while the mapping goes on working; a changed pool is kept, with one
# warning naming it; a mapping removed is gone, logged with reason
# reconfigured; the same on two threads; and without --config SIGHUP says
# it has nothing to read.

PUBLIC=198.51.100.1
CONF=

write_conf() {  # extra lines after the base ones
    CONF=$LAB_DIR/aftr.conf
    {
        printf 'aftr-address = %s\npool = %s\n' "$LAB_AFTR_ADDRESS" "$LAB_POOL"
        printf 'b4-device = tun:aftr6\nuplink-device = tun:aftr4\ncontrol = %s\n' "$LAB_CONTROL"
        printf 'log-bindings = file:%s\n' "$LAB_DIR/bindings.json"
        printf '%s\n' "$@"
    } >"$CONF"
}

start_from_conf() {
    lab_stop aftr
    rm -f "$LAB_CONTROL"
    lab_start aftr "$LAB_NS_AFTR" "$LAB_AFTR" --config "$CONF"
    lab_wait 10 test -S "$LAB_CONTROL" || { lab_fail_start aftr; return 1; }
}

start_web_on_host_a() {
    mkdir -p "$LAB_DIR/a-www"
    echo "host A behind its static mapping" >"$LAB_DIR/a-www/index.html"
    lab_start webA "$(lab_ns_host a)" "$LAB_PYTHON" "$LAB_HERE/lab_server.py" --address "$LAB_HOST" \
        --root "$LAB_DIR/a-www" --http-port 8080 --echo-port 7008
    lab_wait 10 lab_in hosta sh -c "ss -ltn | grep -q ':8080 '"
}

reaches_host_a() {
    contains "$(lab_in inet curl -sS --max-time 5 "http://$PUBLIC:8080/")" "host A behind its static mapping"
}
unreachable_host_a() { ! lab_in inet curl -sS --max-time 3 -o /dev/null "http://$PUBLIC:8080/"; }

# Host B's TCP bindings' public ends, sorted: the download's.
b_public_ends() {
    lab_ctl --json bindings --b4 2001:db8:b::2 --protocol tcp | "$LAB_PYTHON" -c '
import json, sys
print(" ".join(sorted(b["public"] for b in json.load(sys.stdin)["bindings"])))'
}

hangup() {  # then wait for LINE in the log, counting from what it held before
    local before
    before=$(wc -l <"$LAB_DIR/aftr.log")
    kill -HUP "$(<"$LAB_DIR/aftr.pid")"
    lab_wait 5 sh -c "tail -n +$((before + 1)) '$LAB_DIR/aftr.log' | grep -qF -- '$1'" ||
        { echo "no '$1' in:"; tail -n +$((before + 1)) "$LAB_DIR/aftr.log"; return 1; }
}

log_lines_with() { grep -cF -- "$1" "$LAB_DIR/aftr.log" || true; }

removed_reconfigured() {
    lab_wait 3 grep -q '"reason":"reconfigured"' "$LAB_DIR/bindings.json" || return 1
    grep '"reason":"reconfigured"' "$LAB_DIR/bindings.json" | "$LAB_PYTHON" -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
sys.exit(0 if any(x["public_port"] == 8080 and x["inside_port"] == 8080 for x in r) else 1)'
}

case_main() {
    local mapping="static-mapping = tcp 2001:db8:a::2 $LAB_HOST:8080 $PUBLIC:8080"
    local want ends_before ends_after
    check "host A serves on 8080" start_web_on_host_a
    write_conf
    check "dslite-aftr starts from a config file" start_from_conf
    check "nothing reaches host A yet" unreachable_host_a

    want=$(sha256sum <"$LAB_DIR/www/big.bin" | cut -d' ' -f1)
    lab_in hostb curl -sS --limit-rate 700k --max-time 60 -o "$LAB_DIR/down-b.bin" "http://$LAB_SERVER/big.bin" &
    local download=$!
    check "host B's download is under way" lab_wait 5 test -s "$LAB_DIR/down-b.bin"
    ends_before=$(b_public_ends)
    check "... with a binding" test -n "$ends_before"

    echo "$mapping" >>"$CONF"
    check "SIGHUP reloads the file: one mapping added, no binding removed" \
        hangup "SIGHUP: reloaded $CONF (--static-mapping): 1 static mapping added, 0 removed, 0 bindings removed"
    check "the Internet reaches host A through the new mapping at once" reaches_host_a
    check "the download is still running" kill -0 "$download"
    ends_after=$(b_public_ends)
    check "its binding kept its public end ($ends_before)" test "$ends_after" = "$ends_before"
    check "host B's download completes" wait "$download"
    check "... with every byte" test "$(sha256sum <"$LAB_DIR/down-b.bin" | cut -d' ' -f1)" = "$want"

    echo "udp-timeout = 30" >>"$CONF"
    check "a bad value is refused with one line naming the option" \
        hangup "refused, the running configuration stays: udp-timeout: RFC 4787 REQ-5 needs at least 120 s"
    check "... one line only" test "$(log_lines_with udp-timeout)" = 1
    check "the mapping still works" reaches_host_a

    write_conf "$mapping"
    sed -i "s|^pool = .*|pool = 198.51.100.0/27|" "$CONF"
    check "a changed pool is kept, with one warning naming it" \
        hangup "SIGHUP: not reloadable, keeping the running values: --pool"
    check "... one warning only" test "$(log_lines_with "not reloadable")" = 1
    check "... and the mapping still works" reaches_host_a

    write_conf
    check "a mapping removed from the file" \
        hangup "SIGHUP: reloaded $CONF (--static-mapping): 0 static mappings added, 1 removed, 0 bindings removed"
    check "... is gone" unreachable_host_a
    check "... with its binding_removed record, reason reconfigured" removed_reconfigured

    write_conf "no-nat = 2001:db8:b::2 192.0.2.0/28"
    check "a no-nat prefix added" hangup "1 no-nat prefix added, 0 removed"
    check "... is routed into the uplink TUN" \
        contains "$(ip -n "$LAB_NS_AFTR" route show 192.0.2.0/28)" "dev aftr4"
    write_conf
    check "... and removed" hangup "0 no-nat prefixes added, 1 removed"
    check "... is routed no more" test -z "$(ip -n "$LAB_NS_AFTR" route show 192.0.2.0/28)"

    # Two threads; seed 1 makes site A's subscriber engine 0's (threads.sh),
    # and port 40080 is in engine 1's half: the subscriber moves there.
    write_conf "threads = 2" "seed = 1"
    check "dslite-aftr starts from the file on two threads" start_from_conf
    check "host A reaches the server (a binding on engine 0)" lab_in hosta curl -sS --max-time 5 -o /dev/null \
        "http://$LAB_SERVER/"
    check "... engine 0 holds site A's subscriber" \
        json_check "$(lab_ctl --json subscribers)" '[s["engine"] for s in d["subscribers"]] == [0]'
    echo "static-mapping = tcp 2001:db8:a::2 $LAB_HOST:8080 $PUBLIC:40080" >>"$CONF"
    check "SIGHUP adds a mapping in engine 1's share" \
        hangup "SIGHUP: reloaded $CONF (--static-mapping): 1 static mapping added, 0 removed, 1 binding removed"
    check "... the Internet reaches host A through it (its answers steered to engine 1)" \
        contains "$(lab_in inet curl -sS --max-time 5 "http://$PUBLIC:40080/")" "host A behind its static mapping"
    check "... engine 1 holds the subscriber now" \
        json_check "$(lab_ctl --json subscribers)" '[s["engine"] for s in d["subscribers"]] == [1]'
    check "... and host A reaches the server again" lab_in hosta curl -sS --max-time 5 -o /dev/null \
        "http://$LAB_SERVER/"

    check "dslite-aftr restarts without --config" lab_restart_aftr
    check "SIGHUP then says there is nothing to read again" \
        hangup "SIGHUP: started without --config, no configuration to read again"
    check "... and keeps running" lab_ctl stats
    lab_stop webA
}
