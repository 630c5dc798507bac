#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A UDP collector for the lab: writes every datagram it receives to a file,
one after the other, until SIGTERM, and exits 0.

  lab_collector.py --bind ADDR:PORT --out FILE

An IPFIX file (RFC 5655) is IPFIX messages one after the other, so what this
writes from an IPFIX exporter is a file ipfixDump can read. Only the Python
standard library.
"""
import argparse
import signal
import socket
import sys

ap = argparse.ArgumentParser()
ap.add_argument("--bind", required=True)
ap.add_argument("--out", required=True)
args = ap.parse_args()
host, port = args.bind.rsplit(":", 1)
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
# A burst (the AFTR's removals at SIGTERM) must not overflow the socket:
# as root past net.core.rmem_max.
try:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUFFORCE, 32 << 20)
except (AttributeError, PermissionError):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
s.bind((host.strip("[]"), int(port)))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
with open(args.out, "wb", buffering=0) as out:
    while True:
        out.write(s.recv(65535))
