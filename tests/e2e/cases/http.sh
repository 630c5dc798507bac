# SPDX-License-Identifier: BSD-2-Clause
# TCP through the AFTR with real clients: a small page, an 8 MiB download
# and a 4 MiB upload from both sites at the same time, checked byte for byte.
in_pool() { [[ $1 =~ ^198\.51\.100\.([0-9]+):[0-9]+$ ]] && ((BASH_REMATCH[1] < 16)); }

case_main() {
    local s page seen
    for s in a b; do
        page=$(lab_in "host$s" curl -sS --max-time 10 "http://$LAB_SERVER/")
        check "site $s fetches a small page" contains "$page" "Hello through the AFTR."
        seen=$(lab_in "host$s" curl -sS --max-time 10 "http://$LAB_SERVER/whoami")
        check "site $s reaches the server from a pool address ($seen)" in_pool "$seen"
    done

    check_downloads_from_both_sites

    local size want upload=()
    size=$(stat -c %s "$LAB_DIR/upload.bin")
    want="$size $(sha256sum <"$LAB_DIR/upload.bin" | cut -d' ' -f1)"
    for s in a b; do
        lab_in "host$s" curl -sS --max-time 60 --data-binary "@$LAB_DIR/upload.bin" \
            -H 'Content-Type: application/octet-stream' -o "$LAB_DIR/up-$s.txt" "http://$LAB_SERVER/upload" &
        upload+=($!)
    done
    check "site a uploads 4 MiB" wait "${upload[0]}"
    check "site b uploads 4 MiB at the same time" wait "${upload[1]}"
    for s in a b; do
        check "the server got site $s's upload whole" test "$(<"$LAB_DIR/up-$s.txt")" = "$want"
    done
    # Full-size (1500-byte, DF) segments from the server do not fit a 1500-byte
    # softwire with the IPv6 header in front: the AFTR must have said so (3/4).
    local too_big
    too_big=$(lab_counter sent_icmp_too_big)
    check "the AFTR sent the server Fragmentation Needed ($too_big) and TCP adapted" test "$too_big" -gt 0
    check "TCP bindings of both sites are in the table" \
        contains "$(lab_ctl bindings --protocol tcp)" "2001:db8:b::2"
}
