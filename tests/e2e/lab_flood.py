#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Many misbehaving B4s from one namespace, for the soak test.

Each B4 has its own IPv6 address in its own /56 (--b4 FORMAT with {:02x} for
the B4's number, e.g. 2001:db8:1:{:02x}00::2; the addresses must already be
on the namespace's interface). Every round, each B4 opens new flows: UDP and
TCP SYNs from fresh inside source ports and ICMP echo with fresh identifiers,
more than its quota allows. The softwire packets (IPv6 next header 4, inner
IPv4) go through one raw socket; IPV6_PKTINFO picks the B4's source address.

B4 i's hosts use the inside address 10.0.i.2, so every answer that comes back
can be checked: it must carry the inside address of the B4 it reached.
Answers arrive on the same raw socket (which also stops the kernel answering
them with ICMPv6 Parameter Problem).

Prints one JSON line: packets sent per protocol, answers received per kind,
answers that reached the wrong B4, and how long it took. Exits 1 if any
answer reached the wrong B4. Only the Python standard library.
"""
import argparse
import ipaddress
import json
import select
import socket
import struct
import sys
import time

from lab_checksum import checksum

IPPROTO_IPIP = 4


def ipv4(source, destination, protocol, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0, 64, protocol, 0, source, destination)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def transport(source, destination, protocol, segment, checksum_at):
    pseudo = source + destination + struct.pack("!BBH", 0, protocol, len(segment))
    sum_ = checksum(pseudo + segment)
    if protocol == socket.IPPROTO_UDP and sum_ == 0:
        sum_ = 0xFFFF
    return segment[:checksum_at] + struct.pack("!H", sum_) + segment[checksum_at + 2:]


def udp(source, destination, sport, dport, payload):
    segment = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    return ipv4(source, destination, socket.IPPROTO_UDP,
                transport(source, destination, socket.IPPROTO_UDP, segment, 6))


def tcp_syn(source, destination, sport, dport):
    segment = struct.pack("!HHIIBBHHH", sport, dport, sport * 7919, 0, 5 << 4, 0x02, 64240, 0, 0)
    return ipv4(source, destination, socket.IPPROTO_TCP,
                transport(source, destination, socket.IPPROTO_TCP, segment, 16))


def icmp_echo(source, destination, ident):
    message = struct.pack("!BBHHH", 8, 0, 0, ident, 1) + b"soak"
    message = message[:2] + struct.pack("!H", checksum(message)) + message[4:]
    return ipv4(source, destination, socket.IPPROTO_ICMP, message)


class Answers:
    def __init__(self, sock, inside_of):
        self.sock = sock
        self.inside_of = inside_of  # B4 address (bytes) -> its inside IPv4 (bytes)
        self.kinds = {}
        self.wrong_b4 = 0
        self.wrong_example = ""

    def drain(self):
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(2048, socket.CMSG_SPACE(20), socket.MSG_DONTWAIT)
            except BlockingIOError:
                return
            to = None
            for level, kind, value in ancillary:
                if level == socket.IPPROTO_IPV6 and kind == socket.IPV6_PKTINFO:
                    to = value[:16]
            if len(data) < 20 or to is None:
                self.count("malformed")
                continue
            protocol = data[9]
            ihl = (data[0] & 15) * 4
            name = {socket.IPPROTO_UDP: "udp", socket.IPPROTO_TCP: "tcp"}.get(protocol, "other")
            if protocol == socket.IPPROTO_ICMP and len(data) > ihl:
                name = {0: "icmp_echo_reply", 3: "icmp_unreachable"}.get(data[ihl], "icmp_other")
            elif protocol == socket.IPPROTO_TCP and len(data) >= ihl + 14:
                name = "tcp_rst" if data[ihl + 13] & 0x04 else "tcp_other"
            self.count(name)
            if self.inside_of.get(to) != data[16:20]:
                self.wrong_b4 += 1
                self.wrong_example = (f"{socket.inet_ntop(socket.AF_INET6, to)} got an answer for "
                                      f"{socket.inet_ntop(socket.AF_INET, data[16:20])}")

    def count(self, name):
        self.kinds[name] = self.kinds.get(name, 0) + 1


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--b4", required=True, help="B4 address format, {:02x} is the B4's number")
    parser.add_argument("--b4s", type=int, default=64, help="B4s that open UDP, TCP and ICMP flows")
    parser.add_argument("--icmp-only-b4s", type=int, default=0,
                        help="more B4s (numbered after the others) that open only ICMP echo flows")
    parser.add_argument("--aftr", required=True, help="AFTR IPv6 address")
    parser.add_argument("--to", required=True, help="IPv4 server the flows go to")
    parser.add_argument("--port", type=int, default=9, help="server port of the UDP and TCP flows")
    parser.add_argument("--udp", type=int, default=80, help="new UDP flows per B4 per round")
    parser.add_argument("--tcp", type=int, default=80, help="new TCP SYNs per B4 per round")
    parser.add_argument("--icmp", type=int, default=24, help="new ICMP echo identifiers per B4 per round")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--rate", type=float, default=8000, help="packets per second, paced")
    parser.add_argument("--linger", type=float, default=2.0, help="seconds to collect answers after sending")
    args = parser.parse_args()
    total_b4s = args.b4s + args.icmp_only_b4s
    if not 0 < total_b4s <= 256 or args.rounds * max(args.udp, args.tcp, args.icmp) > 40000:
        parser.error("at most 256 B4s and 40000 flows per protocol per B4")

    server = socket.inet_aton(args.to)
    aftr = (args.aftr, 0)
    b4s = []  # (B4 address bytes, inside address bytes)
    for i in range(total_b4s):
        address = ipaddress.IPv6Address(args.b4.format(i)).packed
        b4s.append((address, bytes([10, 0, i, 2])))

    sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, IPPROTO_IPIP)
    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    answers = Answers(sock, dict(b4s))

    sent = {"udp": 0, "tcp": 0, "icmp": 0}
    batch = 64
    interval = batch / args.rate
    started = time.monotonic()
    next_batch = started
    pending = 0

    def send(b4, packet, protocol):
        nonlocal pending, next_batch
        pktinfo = b4 + struct.pack("@I", 0)
        sock.sendmsg([packet], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, pktinfo)], 0, aftr)
        sent[protocol] += 1
        pending += 1
        if pending == batch:
            pending = 0
            next_batch += interval
            answers.drain()
            delay = next_batch - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    for r in range(args.rounds):
        for i, (b4, inside) in enumerate(b4s):
            # ICMP first: its bindings come before the rate limit bites, so
            # they all exist (and time out) from the first round on.
            for k in range(args.icmp):
                send(b4, icmp_echo(inside, server, 1 + r * args.icmp + k), "icmp")
            if i < args.b4s:
                for k in range(args.udp):
                    send(b4, udp(inside, server, 20000 + r * args.udp + k, args.port, b"soak"), "udp")
                for k in range(args.tcp):
                    send(b4, tcp_syn(inside, server, 20000 + r * args.tcp + k, args.port), "tcp")
    sending = time.monotonic() - started
    end = time.monotonic() + args.linger
    while time.monotonic() < end:
        select.select([sock], [], [], 0.05)
        answers.drain()

    total = sum(sent.values())
    print(json.dumps({
        "b4s": total_b4s, "sent": sent, "sent_total": total, "seconds": round(sending, 2),
        "pps": round(total / sending), "answers": answers.kinds, "wrong_b4": answers.wrong_b4,
    }))
    if answers.wrong_b4:
        print(f"answer to the wrong B4, e.g. {answers.wrong_example}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
