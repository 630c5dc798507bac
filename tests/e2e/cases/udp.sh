# SPDX-License-Identifier: BSD-2-Clause
# UDP from both sites with the same inside source address and port at the
# same time: the softwire keeps them apart, each gets only its own echoes.
case_main() {
    local s
    lab_udp_both_sites 5000 200
    check "site a: every echo back, none of site b's" wait "${LAB_UDP_PIDS[0]}"
    check "site b: every echo back, none of site a's" wait "${LAB_UDP_PIDS[1]}"
    for s in a b; do echo "      site $s: $(<"$LAB_DIR/udp-$s.txt")"; done

    local table
    table=$(lab_ctl bindings --protocol udp)
    check "one UDP binding per site, both from $LAB_HOST:5000" \
        test "$(grep -c " udp  *$LAB_HOST:5000 " <<<"$table")" -eq 2
    check "the two bindings use different public ends" \
        test "$(awk 'NR > 1 && $4 ~ /:/ {print $4}' <<<"$table" | sort -u | wc -l)" -eq 2
    check "bindings --b4 shows only that B4" lacks "$(lab_ctl bindings --b4 2001:db8:a::2)" "2001:db8:b::2"
}
