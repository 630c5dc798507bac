# UDP from both sites with the same inside source address and port at the
# same time: the softwire keeps them apart, each gets only its own echoes.
case_main() {
    local s pids=()
    for s in a b; do
        lab_in "host$s" "$LAB_PYTHON" "$LAB_HERE/lab_udp.py" --bind "$LAB_HOST:5000" --to "$LAB_SERVER:7" \
            --tag "site-$s" --count 200 --interval 0.002 >"$LAB_DIR/udp-$s.txt" 2>&1 &
        pids+=($!)
    done
    check "site a: every echo back, none of site b's" wait "${pids[0]}"
    check "site b: every echo back, none of site a's" wait "${pids[1]}"
    for s in a b; do echo "      site $s: $(<"$LAB_DIR/udp-$s.txt")"; done

    local table
    table=$(lab_ctl sessions --protocol udp)
    check "one UDP session per site, both from $LAB_HOST:5000" \
        test "$(grep -c " udp  *$LAB_HOST:5000 " <<<"$table")" -eq 2
    check "the two sessions use different public ends" \
        test "$(awk 'NR > 1 && $4 ~ /:/ {print $4}' <<<"$table" | sort -u | wc -l)" -eq 2
    check "sessions --b4 shows only that B4" lacks "$(lab_ctl sessions --b4 2001:db8:a::2)" "2001:db8:b::2"
}
