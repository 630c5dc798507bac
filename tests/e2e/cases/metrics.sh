# SPDX-License-Identifier: BSD-2-Clause
# --metrics (issue 13): the daemon, restarted with --metrics 127.0.0.1:9100 in
# its namespace, carries traffic from both sites; a scrape with curl passes
# Debian's promtool; its counters, once the traffic is done, are those
# dslite-ctl stats shows; only GET /metrics is served; a taken port is
# refused at start with one line naming --metrics.

scrape() { lab_in aftr curl -sS --max-time 5 "http://127.0.0.1:9100/metrics" >"$LAB_DIR/metrics.txt"; }

promtool_accepts() { promtool check metrics <"$LAB_DIR/metrics.txt" >"$LAB_DIR/promtool.out" 2>&1; }

summed() {  # METRIC: the sum of its series in the scrape
    awk -v m="$1" '$1 ~ "^"m"[{]" { s += $2 } END { print s + 0 }' "$LAB_DIR/metrics.txt"
}

same_as_stats() {
    local name
    for name in in_b4_packets in_uplink_packets out_uplink_packets out_b4_packets bindings_created; do
        [[ $(summed "dslite_${name}_total") == "$(lab_counter "$name")" ]] || {
            echo "$name: scrape $(summed "dslite_${name}_total"), stats $(lab_counter "$name")" >&2
            return 1
        }
    done
}

# dslite_sessions{protocol,state} and dslite_pool_ports_in_use against
# dslite-ctl stats --json taken right after a scrape, with no traffic between
# (bindings expire in minutes, the case takes seconds).
same_tables_as_stats() {
    scrape && lab_ctl --json stats >"$LAB_DIR/stats.json" || return 1
    "$LAB_PYTHON" - "$LAB_DIR/metrics.txt" "$LAB_DIR/stats.json" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
stats = json.load(open(sys.argv[2]))
def series(name):
    out = {}
    for labels, value in re.findall(r'^dslite_%s\{([^}]*)\} (\d+)$' % name, text, re.M):
        key = dict(re.findall(r'(\w+)="([^"]*)"', labels))
        key.pop("thread")
        k = tuple(sorted(key.items()))
        out[k] = out.get(k, 0) + int(value)
    return out
sessions = {dict(k)["state"]: v for k, v in series("sessions").items()}
assert sessions == stats["bindings_by_state"], (sessions, stats["bindings_by_state"])
assert sum(sessions.values()) == stats["bindings"], (sessions, stats["bindings"])
assert sessions["udp"] > 0 and sessions["icmp"] > 0, sessions
pool = {}
for k, v in series("pool_ports_in_use").items():
    key = dict(k)
    pool.setdefault(key["address"], {})[key["protocol"]] = v
want = {a["address"]: {p: a[p] for p in ("tcp", "udp", "icmp")} for a in stats["pool"]}
assert pool == want and pool, (pool, want)
assert all(a.startswith("198.51.100.") for a in pool), pool
assert sum(a["udp"] for a in pool.values()) >= sessions["udp"], (pool, sessions)
PY
}

# The counters stand still for half a second: the traffic's last packets (a
# closing TCP connection's, a late echo reply) are in, so a scrape and the
# stats taken after it see the same packets.
settled() {
    local b4 uplink
    b4=$(lab_counter in_b4_packets) && uplink=$(lab_counter in_uplink_packets) || return 1
    sleep 0.5
    [[ $(lab_counter in_b4_packets) == "$b4" && $(lab_counter in_uplink_packets) == "$uplink" ]]
}

case_main() {
    check "dslite-aftr restarts with --metrics 127.0.0.1:9100" lab_restart_aftr --metrics 127.0.0.1:9100
    lab_mixed_traffic 5300 20 " (with --metrics)"
    check "the traffic is over" lab_wait 10 settled
    check "a scrape answers" scrape
    check "promtool check metrics accepts it" promtool_accepts
    check "... and the translated packets are in it" test "$(summed dslite_out_uplink_packets_total)" -gt 0
    check "its counters are dslite-ctl stats'" same_as_stats
    check "sessions by state and each pool address's ports are dslite-ctl stats' too" same_tables_as_stats
    check "the drop reasons are one metric" contains "$(cat "$LAB_DIR/metrics.txt")" \
        'dslite_drops_total{thread="0",reason="quota_exhausted"}'
    check "another path is 404" contains \
        "$(lab_in aftr curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:9100/)" 404
    check "a second daemon on the same port is refused, naming --metrics" sh -c \
        "ip netns exec '$LAB_NS_AFTR' '$LAB_AFTR' --aftr-address 2001:db8:ff::9 --pool 198.51.100.0/28 \
            --b4-device udp:[::1]:4000 --uplink-device tun:m4 --control '$LAB_DIR/second.sock' \
            --metrics 127.0.0.1:9100 2>&1 | grep -q '^dslite-aftr: metrics: 127.0.0.1 port 9100: '"
}
