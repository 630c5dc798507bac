# SPDX-License-Identifier: BSD-2-Clause
# --threads 2: two engines, a thread and a queue of each TUN each. The seed
# makes site A's subscriber engine 0's and site B's engine 1's (checked
# below, not assumed); whichever queue the kernel hands a packet to, the
# engine of its subscriber (from the B4s) or of its public port (from the
# Internet) translates it, so everything works as with one engine.
LAB_AFTR_ARGS=(--threads 2 --seed 1 --quota-udp 8)

datagram() { lab_in "$1" "$LAB_PYTHON" "$LAB_HERE/lab_datagram.py" "${@:2}"; }

# The public end of the UDP binding from HOST:PORT behind the B4 of SITE.
public_end() {  # SITE PORT
    lab_ctl --json bindings --b4 "2001:db8:$1::2" --protocol udp | "$LAB_PYTHON" -c '
import json, sys
for s in json.load(sys.stdin)["bindings"]:
    if s["inside"].endswith(":" + sys.argv[1]): print(s["public"])' "$2"
}

case_main() {
    # 1. The same inside address and port from both sites at once.
    local s
    lab_udp_both_sites 5000 200
    check "site a: every echo back, none of site b's" wait "${LAB_UDP_PIDS[0]}"
    check "site b: every echo back, none of site a's" wait "${LAB_UDP_PIDS[1]}"
    check "the two subscribers are held by different engines" \
        json_check "$(lab_ctl --json subscribers)" 'sorted(b["engine"] for b in d["subscribers"]) == [0, 1]'
    check "each engine's bindings use only its half of the ports" json_check "$(lab_ctl --json bindings)" \
        'all((int(s["public"].split(":")[1]) <= 33279) == (s["engine"] == 0) for s in d["bindings"])'

    # 2. TCP both sites at once, through the TUN offloads of every queue.
    check_downloads_from_both_sites

    # 3. Answers in fragments sent last first: the later fragments carry no
    # port, so they wait for the first to say which engine is theirs.
    datagram inet reverse-echo --bind "$LAB_SERVER:8" --count 2 --timeout 10 >"$LAB_DIR/reverse-echo.txt" 2>&1 &
    local reverse_echo=$!
    check "a reverse-order echo listens on port 8" \
        lab_wait 5 sh -c "ip netns exec $LAB_NS_INET ss -Huan sport = :8 | grep -q ."
    for s in a b; do
        check "site $s: 3000 bytes echoed back as fragments last first, intact" \
            datagram "host$s" echo --to "$LAB_SERVER:8" --size 3000
    done
    check "the reverse-order echo answered both" wait "$reverse_echo"

    # 4. Hairpin: site A to site B's public end; B's binding is the other engine's.
    lab_in hostb "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 5300))
s.settimeout(5)
s.sendto(b"open", (sys.argv[2], 7))
s.recvfrom(100)                    # the echo: the binding is there
print("bound", flush=True)
data, sender = s.recvfrom(100)
print(data.decode(), sender[0])' "$LAB_HOST" "$LAB_SERVER" >"$LAB_DIR/hairpin.txt" 2>&1 &
    local listener=$! public
    check "site b's listener is bound" lab_wait 5 grep -q bound "$LAB_DIR/hairpin.txt"
    public=$(public_end b 5300)
    check "site b's binding has a public end ($public)" test -n "$public"
    lab_in hosta "$LAB_PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 6000))
host, port = sys.argv[2].split(":")
for _ in range(3):
    s.sendto(b"hairpin-from-a", (host, int(port)))
    time.sleep(0.2)' "$LAB_HOST" "$public"
    check "site b got site a's datagram through the AFTR" wait "$listener"
    local a_public
    a_public=$(public_end a 6000)
    check "... from site a's public address (${a_public%:*})" \
        contains "$(<"$LAB_DIR/hairpin.txt")" "hairpin-from-a ${a_public%:*}"

    # 5. The quota holds per subscriber across both engines' threads: of 10
    # more flows from site A, those past its 8 UDP ports are refused.
    local refused held
    refused=$(lab_counter drop_quota_exhausted)
    held=$(lab_ctl --json subscribers | "$LAB_PYTHON" -c 'import json, sys
print(next(b["udp_ports"] for b in json.load(sys.stdin)["subscribers"] if b["prefix"] == "2001:db8:a::/56"))')
    lab_in hosta "$LAB_PYTHON" -c '
import socket, sys
for port in range(7001, 7011):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], port))
    s.sendto(b"q", (sys.argv[2], 9))' "$LAB_HOST" "$LAB_SERVER"
    check "site a's subscriber holds its 8 UDP ports" lab_wait 3 sh -c \
        "'$LAB_CTL' --control '$LAB_CONTROL' --json subscribers | grep -q '\"prefix\":\"2001:db8:a::/56\".*\"udp_ports\":8'"
    check "the $((10 - (8 - held))) flows past the quota were refused" \
        test "$(lab_counter drop_quota_exhausted)" -eq $((refused + 10 - (8 - held)))

    # 6. dslite-ctl: one table and one set of counters over both engines.
    local stats bindings
    stats=$(lab_ctl --json stats)
    bindings=$(lab_ctl --json bindings)
    check "stats says 2 threads" json_check "$stats" 'd["threads"] == 2'
    check "every packet in ended in one out_, drop_ or held_ counter (summed over the engines)" json_check "$stats" \
        'sum(v for k, v in d["counters"].items() if k.startswith(("out_", "drop_", "held_"))) == d["counters"]["in_b4_packets"] + d["counters"]["in_uplink_packets"]'
    check "the binding gauge is the table's length" json_check "$stats" "d['bindings'] == $(
        "$LAB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["count"])' <<<"$bindings")"
    check "both engines hold bindings" json_check "$bindings" 'sorted({s["engine"] for s in d["bindings"]}) == [0, 1]'
    check "a queue of each TUN per thread" json_check "$stats" \
        'sorted((x["side"], x["name"]) for x in d["devices"]) == [("b4", "tun:aftr6#0"), ("b4", "tun:aftr6#1"), ("uplink", "tun:aftr4#0"), ("uplink", "tun:aftr4#1")]'
    check "the kernel handed packets to both uplink queues" \
        json_check "$stats" 'all(x["rx_packets"] > 0 for x in d["devices"] if x["side"] == "uplink")'
    check "packets read by the other engine's thread were handed over, none lost" \
        json_check "$stats" 'd["handoffs"] > 0 and d["handoffs_refused"] == 0'
    check "what the B4 queues read is what the engines took from B4s" json_check "$stats" \
        'd["counters"]["in_b4_packets"] == sum(x["rx_packets"] for x in d["devices"] if x["side"] == "b4")'
    check "the stats table shows the threads" contains "$(lab_ctl stats)" "2 threads"
}
