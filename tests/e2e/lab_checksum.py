# SPDX-License-Identifier: BSD-2-Clause
"""The Internet checksum (RFC 1071), for the lab's scripts that build packets
by hand (lab_datagram.py, lab_flood.py). Only the Python standard library."""
import struct


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF
