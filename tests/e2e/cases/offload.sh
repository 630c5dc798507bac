# SPDX-License-Identifier: BSD-2-Clause
# TCP bulk through the offloaded TUNs (IFF_VNET_HDR, on by default): the
# server's kernel sends super-packets, which reach the AFTR's uplink TUN
# whole and are cut there; the upload's segments, cut by dslite-b4 from the
# host's super-packets, are joined again on their way out of the AFTR. With
# the MSS clamped to fit the softwire, a 48 MiB download and a 24 MiB upload
# arrive byte for byte, and the devices' counts agree with the engine's.
LAB_AFTR_ARGS=(--mss-clamp 1420)

# One stats answer as NAME=VALUE lines: the engine's counters and each
# device's counts as SIDE_FIELD (b4_rx_packets, uplink_tx_super_packets...).
stats() {
    lab_ctl --json stats | "$LAB_PYTHON" -c '
import json, sys
s = json.load(sys.stdin)
for k, v in s["counters"].items():
    print(f"{k}={v}")
for d in s["devices"]:
    side = d["side"]
    for k, v in d.items():
        if k not in ("side", "name"):
            print(f"{side}_{k}={v}")'
}

case_main() {
    head -c $((48 * 1024 * 1024)) /dev/urandom >"$LAB_DIR/www/large.bin"
    head -c $((24 * 1024 * 1024)) /dev/urandom >"$LAB_DIR/large-upload.bin"

    local want
    want=$(sha256sum <"$LAB_DIR/www/large.bin" | cut -d' ' -f1)
    check "site a downloads 48 MiB" lab_in hosta curl -sS --max-time 90 -o "$LAB_DIR/large-down.bin" \
        "http://$LAB_SERVER/large.bin"
    check "every byte of the download arrived" test "$(sha256sum <"$LAB_DIR/large-down.bin" | cut -d' ' -f1)" = "$want"

    want="$(stat -c %s "$LAB_DIR/large-upload.bin") $(sha256sum <"$LAB_DIR/large-upload.bin" | cut -d' ' -f1)"
    check "site a uploads 24 MiB" lab_in hosta curl -sS --max-time 90 --data-binary "@$LAB_DIR/large-upload.bin" \
        -H 'Content-Type: application/octet-stream' -o "$LAB_DIR/large-up.txt" "http://$LAB_SERVER/upload"
    check "the server got the upload whole" test "$(<"$LAB_DIR/large-up.txt")" = "$want"

    local -A s
    local line value
    while IFS='=' read -r line value; do s[$line]=$value; done < <(stats)
    check "SYNs were clamped (${s[mss_clamped]})" test "${s[mss_clamped]}" -ge 2
    check "the uplink TUN got super-packets from the server (${s[uplink_rx_super_packets]})" \
        test "${s[uplink_rx_super_packets]}" -gt 0
    check "the upload left the AFTR joined into super-packets (${s[uplink_tx_super_packets]})" \
        test "${s[uplink_tx_super_packets]}" -gt 0
    check "the engine saw every segment cut from the uplink (${s[uplink_rx_packets]} = ${s[in_uplink_packets]})" \
        test "${s[uplink_rx_packets]}" -eq "${s[in_uplink_packets]}"
    check "and every packet from the B4 side (${s[b4_rx_packets]} = ${s[in_b4_packets]})" \
        test "${s[b4_rx_packets]}" -eq "${s[in_b4_packets]}"
    check "nothing the kernel handed over was malformed" test "$((s[uplink_rx_malformed] + s[b4_rx_malformed]))" -eq 0
    check "no write failed" test "$((s[uplink_tx_errors] + s[b4_tx_errors]))" -eq 0
}
