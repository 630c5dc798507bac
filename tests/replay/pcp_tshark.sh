#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# An outside reading of our PCP encoding (issue 12): replays captures/pcp
# through dslite-aftr and has tshark's Port Control dissector (Wireshark's
# portcontrol, not ours) decode every answer and the ANNOUNCE the AFTR sent.
#   pcp_tshark.sh DSLITE_AFTR CAPTURES_DIR
set -euo pipefail
aftr=$1
dir=$2/pcp
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
eval "flags=($(<"$dir/flags"))"
"$aftr" --replay "$dir/in.pcap" --out-b4 "$out/b4.pcap" --out-uplink "$out/uplink.pcap" "${flags[@]}" >/dev/null

# destination, version, opcode, result, lifetime, MAP's assigned port and address, PEER's remote port.
got=$(tshark -n -r "$out/b4.pcap" -Y 'portcontrol.response' -T fields -E separator=' ' \
  -e ip.dst -e portcontrol.version -e portcontrol.opcode -e portcontrol.result_code \
  -e portcontrol.lifetime_rsp -e portcontrol.map.rsp_assigned_external_port \
  -e portcontrol.map.rsp_assigned_ext_ip -e portcontrol.peer.remote_peer_port 2>/dev/null | sed 's/ *$//')
expected="10.0.0.1 2 0 0 0
224.0.0.1 2 0 0 0
10.0.0.1 2 1 0 3600 40001 ::ffff:198.51.100.1
10.0.0.1 2 2 0 300   53
10.0.0.1 2 1 12 1800 0 ::
10.0.0.1 2 1 5 1800 0 ::
10.0.0.1 2 9 4 1800
10.0.0.1 2 1 1 1800 0 ::
10.0.0.1 2 1 0 238 0 ::"
if [[ $got != "$expected" ]]; then
  echo "tshark read the answers as:" >&2
  echo "$got" >&2
  echo "expected:" >&2
  echo "$expected" >&2
  exit 1
fi
# The FILTER the MAP answer carries, as tshark reads it.
filter=$(tshark -n -r "$out/b4.pcap" -Y 'portcontrol.option.filter.prefix_length' -T fields -E separator=' ' \
  -e portcontrol.option.filter.prefix_length -e portcontrol.option.filter.remote_peer_ip 2>/dev/null)
[[ $filter == "128 ::ffff:203.0.113.10" ]] || { echo "FILTER read as: $filter" >&2; exit 1; }
echo "tshark reads all $(wc -l <<<"$got") PCP answers as expected"
