# SPDX-License-Identifier: BSD-2-Clause
# traceroute from a host behind each B4, in its three flavours: UDP (the
# default), ICMP echo (-I, what Windows' tracert does) and TCP SYNs (-T).
# Every hop must answer: the B4's router, the AFTR itself (192.0.0.1, from
# the engine: TTL expired inside the softwire), the AFTR's Internet-side
# router (its ICMP Time Exceeded translated back into the softwire) and the
# server (port unreachable, echo reply or SYN-ACK).
expected_hops="192.168.1.1 192.0.0.1 203.0.113.1 $LAB_SERVER"

# TRACEROUTE-OUTPUT: true when every hop answered every probe and the hops are
# the expected ones.
hops_are_expected() {
    local hops
    hops=$(awk 'NR > 1 { print $2 }' <<<"$1" | tr '\n' ' ')
    [[ ${hops% } == "$expected_hops" ]] || { echo "hops '${hops% }', want '$expected_hops':"; echo "$1"; return 1; }
    lacks "$1" "*"
}

case_main() {
    local s flavour out status generated
    for s in "${LAB_SITES[@]}"; do
        for flavour in udp icmp tcp; do
            local options=(-n -q 2 -w 2)
            case $flavour in
                icmp) options+=(-I) ;;
                tcp) options+=(-T -p 80) ;;
            esac
            generated=$(lab_counter sent_icmp_time_exceeded)
            out=$(lab_in "host$s" traceroute "${options[@]}" "$LAB_SERVER" 2>&1) && status=0 || status=$?
            check "site $s: $flavour traceroute ran" test "$status" -eq 0
            check "site $s: $flavour traceroute lists $expected_hops" hops_are_expected "$out"
            check "site $s: the AFTR sent Time Exceeded for both hop-2 probes" \
                test "$(($(lab_counter sent_icmp_time_exceeded) - generated))" -eq 2
        done
    done
}
