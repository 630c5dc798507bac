#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Large and unusual UDP datagrams for the lab's fragmentation and ICMP cases.

  echo --to ADDR:PORT --size N [--bind ADDR:PORT] [--reverse]
      sends N random bytes to an echo server and exits 0 only when the same
      N bytes come back. --reverse sends the datagram as IPv4 fragments made
      here and sent last first (raw socket; needs --bind with an address).
  reverse-echo --bind ADDR:PORT [--count K]
      an echo server that answers each of K datagrams with IPv4 fragments
      sent last first.
  refused --to ADDR:PORT [--bind ADDR:PORT]
      exits 0 when a connected UDP socket gets ECONNREFUSED for its datagram
      (the ICMP port unreachable made it back).
  refused-later --bind ADDR:PORT [--delay S]
      waits for one datagram, then after S seconds sends one back to its
      sender and exits 0 when that is refused (the sender has closed its port).
  send --bind ADDR:PORT --to ADDR:PORT
      sends one small datagram and closes the socket.
  ttl-burst --to ADDR --ttl T --count K --from ADDR
      sends K datagrams with TTL T to ports 40000.. of ADDR at once and prints
      how many ICMP Time Exceeded about them came from the --from address.

Only the Python standard library.
"""
import argparse
import os
import random
import socket
import struct
import sys
import time

from lab_checksum import checksum

FRAGMENT_DATA = 1480  # data bytes per fragment: a 1500-byte packet, a multiple of 8


def address(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def udp_datagram(source, destination, payload):
    """The UDP header and payload, with a correct checksum."""
    length = 8 + len(payload)
    header = struct.pack("!HHHH", source[1], destination[1], length, 0)
    pseudo = socket.inet_aton(source[0]) + socket.inet_aton(destination[0]) + struct.pack("!BBH", 0, 17, length)
    value = checksum(pseudo + header + payload) or 0xFFFF
    return header[:6] + struct.pack("!H", value) + payload


def ipv4_fragments(source, destination, payload):
    """The datagram as IPv4 fragments in order (first first), DF clear."""
    data = udp_datagram(source, destination, payload)
    ident = random.randrange(1, 0x10000)
    packets = []
    for offset in range(0, len(data), FRAGMENT_DATA):
        chunk = data[offset:offset + FRAGMENT_DATA]
        more = 0x2000 if offset + len(chunk) < len(data) else 0
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ident, more | offset // 8, 64, 17, 0,
                             socket.inet_aton(source[0]), socket.inet_aton(destination[0]))
        header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
        packets.append(header + chunk)
    return packets


def send_reversed(source, destination, payload):
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    fragments = ipv4_fragments(source, destination, payload)
    if len(fragments) < 2:
        sys.exit(f"{len(payload)} bytes fit one packet: nothing to reverse")
    for packet in reversed(fragments):
        raw.sendto(packet, (destination[0], 0))
    raw.close()


def echo(args):
    to = address(args.to)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(address(args.bind) if args.bind else ("", 0))
    sock.settimeout(args.timeout)
    payload = os.urandom(args.size)
    if args.reverse:
        if not args.bind:
            sys.exit("echo --reverse needs --bind ADDR:PORT")
        send_reversed(sock.getsockname(), to, payload)
    else:
        sock.sendto(payload, to)
    try:
        answer, _ = sock.recvfrom(65535)
    except socket.timeout:
        sys.exit(f"{args.size} bytes sent, no answer in {args.timeout} s")
    if answer != payload:
        sys.exit(f"{args.size} bytes sent, {len(answer)} came back and differ")
    print(f"{args.size} bytes echoed intact")


def reverse_echo(args):
    bind = address(args.bind)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(bind)
    sock.settimeout(args.timeout)
    for i in range(args.count):
        try:
            payload, peer = sock.recvfrom(65535)
        except socket.timeout:
            sys.exit(f"reverse-echo: {i} of {args.count} datagrams came in {args.timeout} s each")
        send_reversed(bind, peer, payload)


def refused(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if args.bind:
        sock.bind(address(args.bind))
    sock.settimeout(args.timeout)
    sock.connect(address(args.to))
    sock.send(b"anyone there?")
    try:
        sock.recv(65535)
        sys.exit("an answer came, expected connection refused")
    except ConnectionRefusedError:
        print(f"{args.to}: connection refused")
    except socket.timeout:
        sys.exit(f"no answer and no error in {args.timeout} s")


def refused_later(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(address(args.bind))
    sock.settimeout(args.timeout)
    _, peer = sock.recvfrom(65535)
    time.sleep(args.delay)
    sock.connect(peer)
    sock.send(b"still there?")
    try:
        sock.recv(65535)
        sys.exit(f"{peer[0]}:{peer[1]} answered, expected connection refused")
    except ConnectionRefusedError:
        print(f"{peer[0]}:{peer[1]}: connection refused")
    except socket.timeout:
        sys.exit(f"no answer and no error from {peer[0]}:{peer[1]} in {args.timeout} s")


def send(args):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(address(args.bind))
    sock.sendto(b"hello", address(args.to))
    sock.close()


def ttl_burst(args):
    first_port = 40000
    listener = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    listener.settimeout(0.1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, args.ttl)
    for i in range(args.count):
        sock.sendto(b"probe", (args.to, first_port + i))
    seen = set()
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            packet, (sender, _) = listener.recvfrom(65535)
        except socket.timeout:
            continue
        icmp = (packet[0] & 0x0F) * 4
        quoted = icmp + 8
        if sender != args.sender or len(packet) < quoted + 28 or packet[icmp] != 11:
            continue
        udp = quoted + (packet[quoted] & 0x0F) * 4
        port = struct.unpack("!H", packet[udp + 2:udp + 4])[0]
        if first_port <= port < first_port + args.count:
            seen.add(port)
    print(len(seen))


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("echo")
    p.add_argument("--to", required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--bind")
    p.add_argument("--reverse", action="store_true")
    p.set_defaults(run=echo)
    p = commands.add_parser("reverse-echo")
    p.add_argument("--bind", required=True)
    p.add_argument("--count", type=int, default=1)
    p.set_defaults(run=reverse_echo)
    p = commands.add_parser("refused")
    p.add_argument("--to", required=True)
    p.add_argument("--bind")
    p.set_defaults(run=refused)
    p = commands.add_parser("refused-later")
    p.add_argument("--bind", required=True)
    p.add_argument("--delay", type=float, default=0.5)
    p.set_defaults(run=refused_later)
    p = commands.add_parser("send")
    p.add_argument("--bind", required=True)
    p.add_argument("--to", required=True)
    p.set_defaults(run=send)
    p = commands.add_parser("ttl-burst")
    p.add_argument("--to", required=True)
    p.add_argument("--ttl", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--from", dest="sender", required=True)
    p.set_defaults(run=ttl_burst)
    for p in commands.choices.values():
        p.add_argument("--timeout", type=float, default=5.0)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
