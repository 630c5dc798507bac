#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Checks the binding log the lab's AFTR wrote against what dslite-ctl showed.

lab_binding_log.py --bindings CTL_JSON --json FILE [--json FILE...] --syslog FILE
                   --ipfix-dump FILE --server ADDR [--port-blocks N]

Every binding `dslite-ctl bindings --json` listed has exactly one
binding_created record and, after the daemon stopped, one binding_removed
record (reason shutdown) with the same B4, protocol, inside and public
endpoints, in the JSON files (read with the json module), in what rsyslog
received (its parse of the RFC 5424 structured data) and in the IPFIX data
records as libfixbuf's ipfixDump printed them (natEvent 8 and 9, NAT44 BIB
create and delete); no record holds the server's address.

With --port-blocks N: no binding records at all; instead each binding's
public port lies in a block of N ports (aligned to --port-range-start) of
its public address with exactly one port_block_allocated and, after the
stop, one port_block_released record of its B4 in each of the three
(IPFIX natEvent 16 and 17 with portRangeStart and portRangeEnd), every
allocated block is released, and no two subscribers' blocks overlap.

Prints one line per problem and exits 1 if there is any.
"""
import argparse
import ipaddress
import json
import re
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--bindings", required=True)
ap.add_argument("--json", action="append", required=True)
ap.add_argument("--syslog", required=True)
ap.add_argument("--ipfix-dump", required=True)
ap.add_argument("--server", required=True)
ap.add_argument("--port-blocks", type=int, default=0)
ap.add_argument("--port-range-start", type=int, default=1024)
args = ap.parse_args()

problems = []
shown = json.load(open(args.bindings))["bindings"]
if not shown:
    problems.append("dslite-ctl showed no bindings")


def key(b4, protocol, inside, public):
    return (b4, protocol, inside, public)


records = []
for path in args.json:
    for n, line in enumerate(open(path), 1):
        try:
            records.append(json.loads(line))
        except ValueError as e:
            problems.append(f"{path}:{n}: not JSON: {e}")
        if args.server in line:
            problems.append(f"{path}:{n}: holds the destination {args.server}: {line.strip()}")


def json_key(r):
    return key(r["b4"], r["protocol"], f'{r["inside_address"]}:{r["inside_port"]}',
               f'{r["public_address"]}:{r["public_port"]}')


def block_key(b4, subscriber, address, start, end):
    return (b4, subscriber, address, int(start), int(end))


json_blocks = {e: [block_key(r["b4"], r["subscriber"], r["public_address"], r["port_range_start"],
                             r["port_range_end"]) for r in records if r["event"] == e]
               for e in ("port_block_allocated", "port_block_released")}
created = [json_key(r) for r in records if r["event"] == "binding_created"]
removed = [json_key(r) for r in records if r["event"] == "binding_removed" and r["reason"] == "shutdown"]
for r in records:
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["time"]):
        problems.append(f"bad time {r['time']!r}")

# rsyslog's template writes: msgid|structured-data|msg
syslog = []
for line in open(args.syslog):
    if args.server in line:
        problems.append(f"syslog holds the destination {args.server}: {line.strip()}")
    msgid, sd, _ = line.split("|", 2)
    params = dict(re.findall(r'(\w+)="((?:[^"\\\]]|\\.)*)"', sd))
    syslog.append((msgid, params))
sys_created = [key(p["b4"], p["protocol"], p["inside"], p["public"]) for m, p in syslog if m == "binding_created"]
sys_removed = [key(p["b4"], p["protocol"], p["inside"], p["public"]) for m, p in syslog
               if m == "binding_removed" and p.get("reason") == "shutdown"]


def syslog_block(p):
    address, ports = p["public"].split(":")
    start, end = ports.split("-")
    return block_key(p["b4"], p["subscriber"], address, start, end)


sys_blocks = {e: [syslog_block(p) for m, p in syslog if m == e]
              for e in ("port_block_allocated", "port_block_released")}

# ipfixDump: "--- data record N ---" blocks of "(id) name : value" lines.
ipfix = []
for line in open(args.ipfix_dump):
    if line.startswith("--- "):
        ipfix.append({}) if line.startswith("--- data record") else ipfix.append(None)
        continue
    m = re.match(r"\s*\((\d+)\)\s+(\w+) : (.*)$", line)
    if m and ipfix and ipfix[-1] is not None:
        ipfix[-1][m.group(2)] = m.group(3).strip()
    if args.server in line:
        problems.append(f"IPFIX holds the destination {args.server}: {line.strip()}")
ipfix = [r for r in ipfix if r]
protocols = {"6": "tcp", "17": "udp", "1": "icmp"}


def ipfix_key(r):
    return key(str(ipaddress.ip_address(r["sourceIPv6Address"])), protocols.get(r["protocolIdentifier"], "?"),
               f'{r["sourceIPv4Address"]}:{r["sourceTransportPort"]}',
               f'{r["postNATSourceIPv4Address"]}:{r["postNAPTSourceTransportPort"]}')


ipfix_created = [ipfix_key(r) for r in ipfix if r.get("natEvent") == "8"]
ipfix_removed = [ipfix_key(r) for r in ipfix if r.get("natEvent") == "9"]
if any("destinationIPv4Address" in r for r in ipfix):
    problems.append("an IPFIX record has a destinationIPv4Address")



def ipfix_block(r):
    # The IPFIX record has no subscriber prefix; the JSON's is matched by B4.
    return (str(ipaddress.ip_address(r["sourceIPv6Address"])), r["postNATSourceIPv4Address"],
            int(r["portRangeStart"]), int(r["portRangeEnd"]))


ipfix_blocks = {e: [ipfix_block(r) for r in ipfix if r.get("natEvent") == n]
                for e, n in (("port_block_allocated", "16"), ("port_block_released", "17"))}


def check_blocks():
    n = args.port_blocks
    for what, found in (("JSON", created), ("syslog", sys_created), ("IPFIX", ipfix_created)):
        if found:
            problems.append(f"{what}: {len(found)} binding records, none expected with port blocks")
    allocated = json_blocks["port_block_allocated"]
    if not allocated:
        problems.append("no port_block_allocated record in the JSON")
    for what, blocks in (("JSON", json_blocks), ("syslog", sys_blocks)):
        if sorted(blocks["port_block_allocated"]) != sorted(allocated):
            problems.append(f"{what}: allocated blocks differ from the JSON's")
        if sorted(blocks["port_block_released"]) != sorted(allocated):
            problems.append(f"{what}: released blocks are not the allocated ones: "
                            f"{sorted(blocks['port_block_released'])} vs {sorted(allocated)}")
    wanted = sorted((b4, a, s, e) for b4, _, a, s, e in allocated)
    for e in ("port_block_allocated", "port_block_released"):
        if sorted(ipfix_blocks[e]) != wanted:
            problems.append(f"IPFIX {e}: {sorted(ipfix_blocks[e])} vs the JSON's {wanted}")
    if len(set(allocated)) != len(allocated):
        problems.append("a block was allocated twice without a release between")
    for b4, subscriber, address, start, end in allocated:
        if end - start + 1 != n or (start - args.port_range_start) % n:
            problems.append(f"block {start}-{end} is not an aligned block of {n}")
        if ipaddress.ip_address(b4) not in ipaddress.ip_network(subscriber):
            problems.append(f"block's B4 {b4} is not in its subscriber {subscriber}")
    owners = {}
    for b4, subscriber, address, start, end in allocated:
        if owners.setdefault((address, start), subscriber) != subscriber:
            problems.append(f"{address} {start}-{end} given to two subscribers")
    for b in shown:
        address, port = b["public"].split(":")
        holding = [k for k in allocated if k[0] == b["b4"] and k[2] == address and k[3] <= int(port) <= k[4]]
        if len(holding) != 1:
            problems.append(f"binding {b['b4']} {b['protocol']} {b['inside']} -> {b['public']}: "
                            f"{len(holding)} blocks of its B4 hold that port, not 1")


if args.port_blocks:
    check_blocks()
    shown_keys = []
else:
    shown_keys = shown
for b in shown_keys:
    k = key(b["b4"], b["protocol"], b["inside"], b["public"])
    for what, found in (("JSON created", created), ("JSON removed at shutdown", removed),
                        ("syslog created", sys_created), ("syslog removed at shutdown", sys_removed),
                        ("IPFIX BIB create", ipfix_created), ("IPFIX BIB delete", ipfix_removed)):
        if found.count(k) != 1:
            problems.append(f"{what}: {found.count(k)} records of {k}, not 1")
for what, found in (("JSON", created), ("syslog", sys_created), ("IPFIX", ipfix_created)):
    if args.port_blocks:
        break
    extra = set(found) - {key(b["b4"], b["protocol"], b["inside"], b["public"]) for b in shown}
    if extra:
        problems.append(f"{what}: created records of bindings dslite-ctl did not show: {sorted(extra)}")

for p in problems:
    print(p)
print(f"{len(shown)} bindings shown; {len(records)} JSON records, {len(syslog)} syslog records, "
      f"{len(ipfix)} IPFIX records" +
      (f", {len(json_blocks['port_block_allocated'])} port blocks" if args.port_blocks else ""))
sys.exit(1 if problems else 0)
