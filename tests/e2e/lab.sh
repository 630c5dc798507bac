# SPDX-License-Identifier: BSD-2-Clause
# The DS-Lite lab in network namespaces, shared by scripts/demo and the
# end-to-end tests. Source it, then:
#   lab_init NAME [DIR]   names every namespace dslite-NAME-*; files go in DIR
#   lab_up                builds the lab and starts the server, dslite-aftr, two dslite-b4
#   lab_down              stops everything it started and deletes the namespaces (idempotent)
# Needs LAB_AFTR, LAB_B4 and LAB_CTL: paths of dslite-aftr, dslite-b4, dslite-ctl.
# Needs root, or, for an ordinary user, a rerun inside namespaces of its own:
#   lab_rootless_problem  why this user cannot (one line), or nothing
#   lab_unshare CMD...    execs CMD as root of a new user namespace (LAB_ROOTLESS set)
#
#   site A: host 192.168.1.10 -- B4 (192.0.0.2 on tun b4, 2001:db8:a::2) --.
#                                                                         AFTR 2001:db8:ff::1 -- server 203.0.113.10
#   site B: host 192.168.1.10 -- B4 (192.0.0.2 on tun b4, 2001:db8:b::2) --'   pool 198.51.100.0/28
#
# The two sites use the same private addresses on purpose: only the softwire
# (the B4's IPv6 address) tells them apart at the AFTR. Nothing leaves the
# namespaces; every address is a documentation or private one.

LAB_AFTR_ADDRESS=2001:db8:ff::1
LAB_POOL=198.51.100.0/28
LAB_SERVER=203.0.113.10
LAB_HOST=192.168.1.10
LAB_SITES=(a b)
LAB_PYTHON=/usr/bin/python3
LAB_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

LAB_ROOTLESS=${LAB_ROOTLESS:-}  # the outer uid, in the namespaces lab_unshare made

lab_rootless_problem() {
    if [[ ! -r /dev/net/tun || ! -w /dev/net/tun ]]; then
        echo "/dev/net/tun is not open to users (mode $(stat -c %a /dev/net/tun 2>/dev/null || echo missing))"
    elif ! unshare --user --map-root-user --mount --net sh -c 'mount -t tmpfs tmpfs /run' 2>/dev/null; then
        echo "unprivileged user namespaces are off here (unshare --user --map-root-user --mount --net failed)"
    fi
}

# The user namespace makes this user root of the new network namespace and of
# the TUNs made there; `ip netns add` writes under /run/netns (/var/run/netns
# where /var/run is a directory of its own), so those become private tmpfs.
lab_unshare() {
    LAB_ROOTLESS=$(id -u) exec unshare --user --map-root-user --mount --net -- bash -c '
        set -e
        mount -t tmpfs tmpfs /run
        [[ -L /var/run || ! -d /var/run ]] || mount -t tmpfs tmpfs /var/run
        exec "$@"' lab_unshare "$@"
}

# Removes what earlier runs of lab NAME left behind when they were killed
# before their own cleanup (a ctest timeout): namespaces dslite-NAME-PID-*
# whose PID is gone. Another run of NAME still going is left alone.
lab_clean_leftovers() {  # NAME
    local ns pid
    for ns in $(ip netns list | awk '{print $1}' | grep -E "^dslite-$1-[0-9]+-"); do
        pid=${ns#"dslite-$1-"}
        pid=${pid%%-*}
        kill -0 "$pid" 2>/dev/null && continue
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        ip netns del "$ns" 2>/dev/null || true
        lab_log "removed $ns, left by an earlier run"
    done
}

lab_init() {
    LAB_NAME=$1
    LAB_DIR=${2:-$(mktemp -d "/tmp/dslite-$1.XXXXXX")}
    mkdir -p "$LAB_DIR"
    LAB_NS_AFTR=dslite-$LAB_NAME-aftr
    LAB_NS_INET=dslite-$LAB_NAME-inet
    LAB_CONTROL=$LAB_DIR/aftr.sock
    [[ -v LAB_AFTR_ARGS ]] || LAB_AFTR_ARGS=()  # extra dslite-aftr options
}

lab_ns_b4() { echo "dslite-$LAB_NAME-b4$1"; }
lab_ns_host() { echo "dslite-$LAB_NAME-host$1"; }
lab_namespaces() {
    echo "$LAB_NS_AFTR $LAB_NS_INET"
    local s
    for s in "${LAB_SITES[@]}"; do echo "$(lab_ns_b4 "$s") $(lab_ns_host "$s")"; done
}

# Runs a command in a namespace: lab_in aftr|inet|b4a|b4b|hosta|hostb CMD...
lab_in() {
    local where=$1
    shift
    case $where in
        aftr) ip netns exec "$LAB_NS_AFTR" "$@" ;;
        inet) ip netns exec "$LAB_NS_INET" "$@" ;;
        b4?) ip netns exec "$(lab_ns_b4 "${where#b4}")" "$@" ;;
        host?) ip netns exec "$(lab_ns_host "${where#host}")" "$@" ;;
        *) echo "lab_in: no namespace '$where'" >&2; return 2 ;;
    esac
}

lab_ctl() { "$LAB_CTL" --control "$LAB_CONTROL" "$@"; }

lab_log() { printf '[lab] %s\n' "$*" >&2; }

# Polls `CMD...` every 0.1 s for up to SECONDS.
lab_wait() {
    local seconds=$1
    shift
    local tries=$((seconds * 10))
    while ((tries-- > 0)); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}

lab_sysctl() {  # NS KEY VALUE: as seen from inside the namespace
    ip netns exec "$1" sh -c "echo $3 > /proc/sys/${2//.//}"
}

# Starts a long-running program in a namespace, logging to DIR/NAME.log.
lab_start() {
    local name=$1 ns=$2
    shift 2
    ip netns exec "$ns" "$@" >"$LAB_DIR/$name.log" 2>&1 &
    echo $! >"$LAB_DIR/$name.pid"
}

lab_stop() {  # NAME: SIGTERM, then SIGKILL after 3 s
    local file=$LAB_DIR/$1.pid pid
    [[ -f $file ]] || return 0
    pid=$(<"$file")
    rm -f "$file"
    kill -TERM "$pid" 2>/dev/null || return 0
    local tries=30
    while kill -0 "$pid" 2>/dev/null && ((tries-- > 0)); do sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

lab_veth() {  # NS1 IF1 NS2 IF2
    ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
    ip -n "$1" link set dev "$2" up
    ip -n "$3" link set dev "$4" up
}

lab_up() {
    [[ -n ${LAB_NAME:-} ]] || { echo "lab_up: call lab_init first" >&2; return 2; }
    local ns
    for ns in $(lab_namespaces); do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done

    # The Internet side: the AFTR's uplink and the server.
    lab_veth "$LAB_NS_AFTR" inet "$LAB_NS_INET" eth0
    ip -n "$LAB_NS_AFTR" addr add 203.0.113.1/24 dev inet
    ip -n "$LAB_NS_INET" addr add "$LAB_SERVER/24" dev eth0
    ip -n "$LAB_NS_INET" route add "$LAB_POOL" via 203.0.113.1
    lab_sysctl "$LAB_NS_AFTR" net.ipv4.ip_forward 1
    lab_sysctl "$LAB_NS_AFTR" net.ipv6.conf.all.forwarding 1
    # The kernels of the Internet router (the AFTR namespace, 203.0.113.1) and
    # the server limit their own ICMP errors per destination (1/s, burst 6);
    # two sites sharing a public address would starve each other's traceroute
    # and "connection refused". The tests are about the AFTR, not those limits.
    lab_sysctl "$LAB_NS_AFTR" net.ipv4.icmp_ratelimit 0
    lab_sysctl "$LAB_NS_INET" net.ipv4.icmp_ratelimit 0

    # Each site: an IPv6 access link to the AFTR, a B4, a host behind it.
    local s b4 host
    for s in "${LAB_SITES[@]}"; do
        b4=$(lab_ns_b4 "$s")
        host=$(lab_ns_host "$s")
        lab_veth "$LAB_NS_AFTR" "acc-$s" "$b4" acc
        ip -n "$LAB_NS_AFTR" addr add "2001:db8:$s::1/64" dev "acc-$s" nodad
        ip -n "$b4" addr add "2001:db8:$s::2/64" dev acc nodad
        ip -n "$b4" -6 route add default via "2001:db8:$s::1"
        lab_veth "$b4" lan "$host" eth0
        ip -n "$b4" addr add 192.168.1.1/24 dev lan
        ip -n "$host" addr add "$LAB_HOST/24" dev eth0
        ip -n "$host" route add default via 192.168.1.1
        lab_sysctl "$b4" net.ipv4.ip_forward 1
    done

    # The server's content: a small page, a big file to download, one to upload.
    mkdir -p "$LAB_DIR/www"
    printf '<!doctype html>\n<title>DS-Lite lab</title>\n<p>Hello through the AFTR.</p>\n' >"$LAB_DIR/www/index.html"
    head -c $((8 * 1024 * 1024)) /dev/urandom >"$LAB_DIR/www/big.bin"
    head -c $((4 * 1024 * 1024)) /dev/urandom >"$LAB_DIR/upload.bin"
    lab_start server "$LAB_NS_INET" "$LAB_PYTHON" "$LAB_HERE/lab_server.py" --address "$LAB_SERVER" --root "$LAB_DIR/www"

    lab_start_aftr
    for s in "${LAB_SITES[@]}"; do lab_start_b4 "$s"; done

    lab_wait 10 test -S "$LAB_CONTROL" || { lab_fail_start aftr; return 1; }
    for s in "${LAB_SITES[@]}"; do lab_wait_b4 "$s" || return 1; done
    lab_wait 10 lab_in inet "$LAB_PYTHON" -c \
        "import socket; socket.create_connection(('$LAB_SERVER', 80), 1)" || { lab_fail_start server; return 1; }
    lab_log "up: $(lab_namespaces | tr '\n' ' ')"
}

# Starts dslite-aftr with the lab's devices, LAB_AFTR_ARGS and any extra options.
lab_start_aftr() {
    lab_start aftr "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        --b4-device tun:aftr6 --uplink-device tun:aftr4 --control "$LAB_CONTROL" "${LAB_AFTR_ARGS[@]}" "$@"
}

# Restarts dslite-aftr (new options, empty tables) and waits for its control socket.
lab_restart_aftr() {
    lab_stop aftr
    rm -f "$LAB_CONTROL"
    lab_start_aftr "$@"
    lab_wait 10 test -S "$LAB_CONTROL" || { lab_fail_start aftr; return 1; }
}

# A private rsyslogd on a UNIX socket ($LAB_DIR/syslog.sock), writing each
# message's msgid|structured-data|msg to $LAB_DIR/syslog.txt as it parsed them.
lab_start_rsyslog() {
    mkdir -p "$LAB_DIR/rsyslog"
    cat >"$LAB_DIR/rsyslog.conf" <<CONF
global(workDirectory="$LAB_DIR/rsyslog")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$LAB_DIR/syslog.sock" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off")
template(name="fields" type="list") {
  property(name="msgid") constant(value="|")
  property(name="structured-data") constant(value="|")
  property(name="msg") constant(value="\n")
}
*.* action(type="omfile" file="$LAB_DIR/syslog.txt" template="fields")
CONF
    lab_start rsyslog "$LAB_NS_AFTR" rsyslogd -n -f "$LAB_DIR/rsyslog.conf" -i "$LAB_DIR/rsyslog/pid"
    lab_wait 10 test -S "$LAB_DIR/syslog.sock"
}

lab_start_b4() {  # SITE [extra dslite-b4 options]
    local s=$1
    shift
    lab_start "b4$s" "$(lab_ns_b4 "$s")" "$LAB_B4" --b4-address "2001:db8:$s::2" \
        --aftr-address "$LAB_AFTR_ADDRESS" --device tun:b4 "$@"
}

lab_wait_b4() {  # SITE: until its default route goes into the softwire
    lab_wait 10 sh -c "ip -n $(lab_ns_b4 "$1") route show default | grep -q 'dev b4'" ||
        { lab_fail_start "b4$1"; return 1; }
}

# Restarts a site's dslite-b4 with extra options and waits for its route.
lab_restart_b4() {  # SITE [extra dslite-b4 options]
    lab_stop "b4$1"
    lab_start_b4 "$@"
    lab_wait_b4 "$1"
}

lab_fail_start() {
    lab_log "$1 did not start; its log:"
    sed 's/^/    /' "$LAB_DIR/$1.log" >&2 || true
}

lab_down() {
    [[ -n ${LAB_NAME:-} ]] || return 0
    local s ns pid
    lab_stop aftr
    for s in "${LAB_SITES[@]}"; do lab_stop "b4$s"; done
    lab_stop server
    for ns in $(lab_namespaces); do
        if ip netns list | grep -qw "^$ns"; then
            # Anything still inside was started by this lab (ping, curl...).
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
            ip netns del "$ns" 2>/dev/null || true
        fi
    done
    rm -rf "$LAB_DIR"
}

# Starts the same UDP echo exchange from both sites' hosts at once, from
# $LAB_HOST:PORT, COUNT datagrams each (lab_udp.py): their pids in
# LAB_UDP_PIDS, their reports in $LAB_DIR/udp-SITE.txt.
lab_udp_both_sites() {  # PORT COUNT
    local s
    LAB_UDP_PIDS=()
    for s in a b; do
        lab_in "host$s" "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:$1" --to "$LAB_SERVER:7" \
            --tag "site-$s" --count "$2" --interval 0.002 >"$LAB_DIR/udp-$s.txt" 2>&1 &
        LAB_UDP_PIDS+=($!)
    done
}

# Traffic of every kind through the AFTR, each part a check (run.sh's
# check): UDP from both sites, HTTP from site A, a ping from site B.
lab_mixed_traffic() {  # UDP-PORT COUNT [WHAT: said after each check]
    lab_udp_both_sites "$1" "$2"
    check "site a's UDP${3:-}" wait "${LAB_UDP_PIDS[0]}"
    check "site b's UDP${3:-}" wait "${LAB_UDP_PIDS[1]}"
    check "site a's HTTP${3:-}" lab_in hosta curl -sS --max-time 10 -o /dev/null "http://$LAB_SERVER/"
    check "site b's ping${3:-}" lab_in hostb ping -c 2 -i 0.2 -W 2 "$LAB_SERVER"
}

# Starts the 8 MiB download from both sites' hosts at once (curl), into
# $LAB_DIR/down-SITE.bin: their pids in LAB_DOWNLOAD_PIDS.
lab_download_both_sites() {
    local s
    LAB_DOWNLOAD_PIDS=()
    for s in a b; do
        lab_in "host$s" curl -sS --max-time 60 -o "$LAB_DIR/down-$s.bin" "http://$LAB_SERVER/big.bin" &
        LAB_DOWNLOAD_PIDS+=($!)
    done
}

# A namespace for lab_flood.py's many B4s, made and removed with the lab:
# call at a case file's top level (before lab_up), then lab_flood_network.
# It joins the lab's list, so lab_down always removes it (with anything
# still running in it).
lab_add_flood_namespace() {
    eval "$(declare -f lab_namespaces | sed '1s/lab_namespaces/lab_namespaces_without_flood/')"
    lab_namespaces() {
        lab_namespaces_without_flood
        echo "dslite-$LAB_NAME-flood"
    }
}

# COUNT B4 addresses 2001:db8:1:{:02x}00::2 in the flood namespace, each its
# own /56, routed through the AFTR both ways.
lab_flood_network() {  # COUNT
    local ns=dslite-$LAB_NAME-flood i
    lab_veth "$LAB_NS_AFTR" acc-flood "$ns" acc
    ip -n "$LAB_NS_AFTR" addr add 2001:db8:f::1/64 dev acc-flood nodad
    ip -n "$ns" addr add 2001:db8:f::2/64 dev acc nodad
    ip -n "$ns" -6 route add default via 2001:db8:f::1
    ip -n "$LAB_NS_AFTR" -6 route add 2001:db8:1::/48 via 2001:db8:f::2
    for ((i = 0; i < $1; i++)); do
        printf 'addr add 2001:db8:1:%02x00::2/128 dev acc nodad\n' "$i"
    done | ip -n "$ns" -batch -
}

# The value of one engine counter, from dslite-ctl --json stats.
lab_counter() {
    lab_ctl --json stats | "$LAB_PYTHON" -c 'import json, sys; print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"
}

# The value of one of the kernel's IP counters in a namespace, by its nstat
# name: lab_kernel_counter inet IpReasmOKs, lab_kernel_counter b4a Ip6FragCreates.
lab_kernel_counter() {
    lab_in "$1" awk -v name="$2" '
        FILENAME ~ /snmp6$/ { if ($1 == name) print $2; next }
        { group = substr($1, 1, length($1) - 1) }
        !(group in header) { header[group] = 1; for (i = 2; i <= NF; i++) field[group, i] = group $i; next }
        { for (i = 2; i <= NF; i++) if (field[group, i] == name) print $i }' /proc/net/snmp /proc/net/snmp6
}
