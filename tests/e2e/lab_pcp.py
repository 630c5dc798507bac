# SPDX-License-Identifier: BSD-2-Clause
"""A minimal PCP client (RFC 6887) for the lab: one request to the server,
retransmitted as RFC 6887 8.1.1 has it (3 s, then doubling) for up to four
tries; the answer is checked as a client must (version, R bit, opcode, and
for MAP/PEER the nonce, protocol and internal port) and printed as one JSON
object: result, lifetime, epoch, port, address. Exit 0 when an answer came.

  lab_pcp.py map --protocol tcp --internal-port 8080 --lifetime 600 [--filter A/LEN] [--nonce HEX]
  lab_pcp.py peer --protocol udp --internal-port 5000 --remote A:PORT
  lab_pcp.py announce
Debian 12 packages no PCP client; natpmpc (NAT-PMP) is the outside client
of e2e.nat_pmp.
"""
import argparse
import ipaddress
import json
import os
import socket
import struct
import sys

OPCODES = {"announce": 0, "map": 1, "peer": 2}
PROTOCOLS = {"tcp": 6, "udp": 17}


def mapped(address):
    return ipaddress.IPv6Address("::ffff:" + address).packed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("opcode", choices=OPCODES)
    p.add_argument("--server", default="192.0.0.1")
    p.add_argument("--protocol", choices=PROTOCOLS, default="tcp")
    p.add_argument("--internal-port", type=int, default=0)
    p.add_argument("--lifetime", type=int, default=600)
    p.add_argument("--suggest-port", type=int, default=0)
    p.add_argument("--filter", help="ADDRESS/LEN")
    p.add_argument("--remote", help="ADDRESS:PORT (PEER)")
    p.add_argument("--nonce", help="24 hex digits; random when not given")
    a = p.parse_args()

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((a.server, 5351))
    client = s.getsockname()[0]
    opcode = OPCODES[a.opcode]
    nonce = bytes.fromhex(a.nonce) if a.nonce else os.urandom(12)
    message = struct.pack("!BBHI", 2, opcode, 0, 0 if opcode == 0 else a.lifetime) + mapped(client)
    if opcode in (1, 2):
        message += nonce + struct.pack("!B3xHH", PROTOCOLS[a.protocol], a.internal_port, a.suggest_port)
        message += bytes(16)
    if opcode == 2:
        host, port = a.remote.rsplit(":", 1)
        message += struct.pack("!HH", int(port), 0) + mapped(host)
    if a.filter:
        network = ipaddress.IPv4Network(a.filter, strict=False)
        message += struct.pack("!BBH", 3, 0, 20)
        message += struct.pack("!BBH", 0, 96 + network.prefixlen, 0) + mapped(str(network.network_address))

    timeout = 3.0
    for _ in range(4):
        s.send(message)
        s.settimeout(timeout)
        try:
            answer = s.recv(1100)
        except socket.timeout:
            timeout *= 2
            continue
        if len(answer) < 24 or answer[0] != 2 or answer[1] != (0x80 | opcode):
            continue
        if opcode in (1, 2) and (answer[24:36] != nonce or answer[36] != PROTOCOLS[a.protocol]
                                 or struct.unpack("!H", answer[40:42])[0] != a.internal_port):
            continue
        result = {"result": answer[3], "lifetime": struct.unpack("!I", answer[4:8])[0],
                  "epoch": struct.unpack("!I", answer[8:12])[0], "nonce": nonce.hex()}
        if opcode in (1, 2) and len(answer) >= 60:
            result["port"] = struct.unpack("!H", answer[42:44])[0]
            result["address"] = str(ipaddress.IPv6Address(answer[44:60]).ipv4_mapped)
        print(json.dumps(result))
        return 0
    print("no answer from %s:5351" % a.server, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
