# SPDX-License-Identifier: BSD-2-Clause
# Static mappings (issue 12): a camera's web server and a UDP echo on host A
# behind B4 A, published on 198.51.100.1:8080/tcp and :7007/udp, are reached
# from the Internet by curl and a UDP client before the host ever sent
# anything; the request arrives from the client's own address; the host's
# own traffic from those ports leaves from them; dslite-ctl shows them as
# never expiring; the same mappings come from a config file; a mapping
# outside the pool is refused at start with one line.

PUBLIC=198.51.100.1
MAPPINGS=(--static-mapping "tcp 2001:db8:a::2 $LAB_HOST:8080 $PUBLIC:8080"
          --static-mapping "udp 2001:db8:a::2 $LAB_HOST:7007 $PUBLIC:7007")

start_camera() {
    mkdir -p "$LAB_DIR/camera"
    head -c 100000 /dev/urandom >"$LAB_DIR/camera/frame.jpg"
    lab_start camera "$(lab_ns_host a)" "$LAB_PYTHON" "$LAB_HERE/lab_server.py" --address "$LAB_HOST" \
        --root "$LAB_DIR/camera" --http-port 8080 --echo-port 7007
    lab_wait 10 lab_in hosta sh -c "ss -ltn | grep -q ':8080 '"
}

fetched_intact() {
    lab_in inet curl -sS --max-time 10 -o "$LAB_DIR/got.jpg" "http://$PUBLIC:8080/frame.jpg" &&
        cmp -s "$LAB_DIR/got.jpg" "$LAB_DIR/camera/frame.jpg"
}

udp_echo_from_inet() {  # the answer comes from the public end
    lab_in inet "$LAB_PYTHON" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"ping-camera", (sys.argv[1], 7007))
data, peer = s.recvfrom(100)
sys.exit(0 if data == b"ping-camera" and peer == (sys.argv[1], 7007) else 1)' "$PUBLIC"
}

shown_as_static() {
    lab_ctl --json bindings --b4 2001:db8:a::2 | "$LAB_PYTHON" -c '
import json, sys
b = json.load(sys.stdin)["bindings"]
mine = sorted((x["protocol"], x["public"]) for x in b if x.get("static"))
sys.exit(0 if mine == [("tcp", sys.argv[1] + ":8080"), ("udp", sys.argv[1] + ":7007")] else 1)' "$PUBLIC"
}

refused_outside_pool() {
    local out status=0
    out=$(ip netns exec "$LAB_NS_AFTR" "$LAB_AFTR" --aftr-address "$LAB_AFTR_ADDRESS" --pool "$LAB_POOL" \
        --static-mapping "tcp 2001:db8:a::2 $LAB_HOST:80 192.0.2.1:80" --b4-device tun:x6 --uplink-device tun:x4 2>&1) ||
        status=$?
    [[ $status -eq 2 && $out == "dslite-aftr: static-mapping: tcp 192.0.2.1:80: 192.0.2.1 is not in --pool" ]] ||
        { echo "status $status: $out"; return 1; }
}

case_main() {
    check "the camera serves on host A" start_camera
    check "dslite-aftr starts with two static mappings" lab_restart_aftr "${MAPPINGS[@]}"
    check "curl from the Internet fetches the camera's frame through the mapping, intact" fetched_intact
    check "the request arrives from the client's own address" test \
        "$(lab_in inet curl -sS --max-time 10 "http://$PUBLIC:8080/whoami" | cut -d: -f1)" = "$LAB_SERVER"
    check "a UDP client on the Internet gets its echo from the public end" udp_echo_from_inet
    check "dslite-ctl shows both as static" shown_as_static
    check "... never expiring" contains "$(lab_ctl bindings --b4 2001:db8:a::2)" "never"
    check "site b's traffic still works beside them" lab_in hostb curl -sS --max-time 10 -o /dev/null \
        "http://$LAB_SERVER/"

    printf 'static-mapping = tcp 2001:db8:a::2 %s:8080 %s:8080\n' "$LAB_HOST" "$PUBLIC" >"$LAB_DIR/aftr.conf"
    check "the same from a config file" lab_restart_aftr --config "$LAB_DIR/aftr.conf"
    check "... carries the request" fetched_intact
    check "a mapping outside the pool is refused at start" refused_outside_pool
    lab_stop camera
}
