# SPDX-License-Identifier: BSD-2-Clause
# Path MTU with real TCP: the softwire's 40-byte IPv6 header does not fit a
# 1500-byte packet in a 1500-byte tunnel MTU, so the AFTR must tell the
# server (ICMP 3/4), learn smaller MTUs from ICMPv6 Packet Too Big, take the
# B4's IPv6 fragments apart again, or clamp the MSS so that none of it is
# needed. Each download is 8 MiB, checked byte for byte.
public_address() {  # SITE: the public address the server sees for the site
    local seen
    seen=$(lab_in "host$1" curl -sS --max-time 5 "http://$LAB_SERVER/whoami") && echo "${seen%:*}"
}

download() {  # SITE
    lab_in "host$1" curl -sS --max-time 20 -o "$LAB_DIR/down-$1.bin" "http://$LAB_SERVER/big.bin" &&
        cmp "$LAB_DIR/down-$1.bin" "$LAB_DIR/www/big.bin"
}

upload() {  # SITE
    local want answer
    want="$(stat -c %s "$LAB_DIR/upload.bin") $(sha256sum <"$LAB_DIR/upload.bin" | cut -d' ' -f1)"
    answer=$(lab_in "host$1" curl -sS --max-time 20 --data-binary "@$LAB_DIR/upload.bin" \
        -H 'Content-Type: application/octet-stream' "http://$LAB_SERVER/upload") &&
        [[ $answer == "$want" ]] || { echo "server says '$answer', want '$want'"; return 1; }
}

# The path MTU the server's kernel learned toward ADDRESS ("" if none):
# proof that an ICMP 3/4 with a usable next-hop MTU reached it.
server_path_mtu() { lab_in inet ip route get "$1" | sed -n 's/.* mtu \([0-9]*\).*/\1/p'; }

delta() {  # COUNTER BEFORE: how much the engine counter grew
    echo $(($(lab_counter "$1") - $2))
}

case_main() {
    # 1. The default lab: tunnel MTU 1500 over 1500-byte access links.
    local pa too_big df
    pa=$(public_address a)
    check "site a has a public address ($pa)" test -n "$pa"
    too_big=$(lab_counter sent_icmp_too_big)
    df=$(lab_counter drop_uplink_too_big_df)
    check "site a downloads 8 MiB through a 1500-byte tunnel MTU" download a
    check "the AFTR answered 1500-byte DF segments with ICMP 3/4 ($(delta sent_icmp_too_big "$too_big"))" \
        test "$(delta sent_icmp_too_big "$too_big")" -gt 0
    check "... dropping each of them ($(delta drop_uplink_too_big_df "$df"))" test "$(delta drop_uplink_too_big_df "$df")" -gt 0
    check "the server learned path MTU 1460 (1500 - 40) toward $pa" test "$(server_path_mtu "$pa")" = 1460

    # 2. Site b's access link is 1400 bytes. Its uploads: 1460-byte packets
    # plus the IPv6 header do not fit, so the B4's kernel sends the softwire
    # packets as IPv6 fragments and the AFTR must reassemble them.
    ip -n "$LAB_NS_AFTR" link set dev acc-b mtu 1400
    ip -n "$(lab_ns_b4 b)" link set dev acc mtu 1400
    local pb frags held
    pb=$(public_address b)
    frags=$(lab_kernel_counter b4b Ip6FragCreates)
    held=$(lab_counter held_fragments)
    check "site b uploads 4 MiB over a 1400-byte access link" upload b
    check "site b's B4 sent the softwire packets as IPv6 fragments" \
        test "$(lab_kernel_counter b4b Ip6FragCreates)" -gt "$frags"
    check "the AFTR held fragments for reassembly ($(delta held_fragments "$held"))" \
        test "$(delta held_fragments "$held")" -gt 0

    # 3. Site b's downloads: the AFTR's kernel answers the AFTR's 1500-byte
    # softwire packets with ICMPv6 Packet Too Big, which must lower site b's
    # tunnel MTU (and only site b's) and reach the server as a 3/4.
    local lowered relayed
    lowered=$(lab_counter tunnel_mtu_lowered)
    relayed=$(lab_counter out_icmpv6_errors)
    check "site b downloads 8 MiB over the 1400-byte access link" download b
    check "Packet Too Big lowered one B4's tunnel MTU ($(delta tunnel_mtu_lowered "$lowered"))" \
        test "$(delta tunnel_mtu_lowered "$lowered")" -eq 1
    check "... the AFTR used the ICMPv6 errors ($(delta out_icmpv6_errors "$relayed"))" \
        test "$(delta out_icmpv6_errors "$relayed")" -gt 0
    check "the server learned path MTU 1360 (1400 - 40) toward $pb" test "$(server_path_mtu "$pb")" = 1360
    check "... while site a still gets full 1500-byte softwire packets" download a
    # The server keeps one path MTU per destination address: when both sites
    # drew the same public address (1 run in 16 with a /28), it is site b's.
    if [[ $pa == "$pb" ]]; then
        check "... and the server's path MTU toward $pa, shared by both sites, is site b's 1360" \
            test "$(server_path_mtu "$pa")" = 1360
    else
        check "... and the server's path MTU toward $pa stays 1460" test "$(server_path_mtu "$pa")" = 1460
    fi

    # 4. MSS clamping: SYNs both ways say 1420 (1500 - 40 - 20 - 20), so the
    # server never sends a segment that needs 3/4 or fragments.
    check "dslite-aftr restarts with --mss-clamp 1420" lab_restart_aftr --mss-clamp 1420
    lab_in inet ip route flush cache
    check "the server forgot its path MTUs" test -z "$(server_path_mtu "$pa")"
    check "site a downloads 8 MiB with the MSS clamped" download a
    check "SYNs of both ends were clamped ($(lab_counter mss_clamped))" test "$(lab_counter mss_clamped)" -ge 2
    check "no ICMP 3/4 was needed" test "$(lab_counter sent_icmp_too_big)" -eq 0
    local now
    now=$(public_address a) || now=
    check "site a still reaches the server from a public address ($now)" test -n "$now"
    check "... and the server has no path MTU toward it" test -z "$(server_path_mtu "$now")"
}
