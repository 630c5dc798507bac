#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Sends numbered UDP datagrams from a fixed source address and port to an
echo server and checks that every answer is one of ours.

Prints "sent N received M foreign F" and exits 0 only when every datagram
came back (M == N) and none of the answers belonged to someone else (F == 0).
"""
import argparse
import socket
import sys
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bind", required=True, help="ADDR:PORT to send from")
    parser.add_argument("--to", required=True, help="ADDR:PORT of the echo server")
    parser.add_argument("--tag", required=True, help="payload prefix that marks our datagrams")
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.01)
    parser.add_argument("--wait", type=float, default=3.0, help="seconds to wait for the last answers")
    args = parser.parse_args()

    bind_host, bind_port = args.bind.rsplit(":", 1)
    to_host, to_port = args.to.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind_host, int(bind_port)))
    sock.settimeout(0.005)

    expected = {f"{args.tag}-{i}".encode() for i in range(args.count)}
    received, foreign = set(), []
    deadline = None
    i = 0
    while True:
        now = time.monotonic()
        if i < args.count:
            sock.sendto(f"{args.tag}-{i}".encode(), (to_host, int(to_port)))
            i += 1
            if i == args.count:
                deadline = now + args.wait
        elif len(received) == args.count or now > deadline:
            break
        end = time.monotonic() + (args.interval if i < args.count else 0.05)
        while time.monotonic() < end:
            try:
                data, _ = sock.recvfrom(65535)
            except socket.timeout:
                continue
            if data in expected:
                received.add(data)
            else:
                foreign.append(data)
    print(f"sent {args.count} received {len(received)} foreign {len(foreign)}"
          + (f" (e.g. {foreign[0].decode(errors='replace')})" if foreign else ""))
    sys.exit(0 if len(received) == args.count and not foreign else 1)


if __name__ == "__main__":
    main()
