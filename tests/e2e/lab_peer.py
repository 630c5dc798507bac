#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""A UDP exchange and a TCP connection that outlive an AFTR restart.

server: on --address, answers every UDP datagram to --port and every line
on a TCP connection to --port with the address and port it came from (the
AFTR's public end).
client: from --bind, one UDP exchange and one line on a new TCP connection;
prints "udp ADDR:PORT" and "tcp ADDR:PORT" (what the server saw), then waits
until the file --go exists (the AFTR restarts meanwhile; the connection is
idle), and does both again on the same socket and connection. Exits 0 when
every answer came. Only the Python standard library.
"""
import argparse
import os
import socket
import sys
import threading
import time


def serve(args):
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.address, args.port))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.address, args.port))
    tcp.listen()

    def udp_loop():
        while True:
            _, peer = udp.recvfrom(2048)
            udp.sendto(f"{peer[0]}:{peer[1]}".encode(), peer)

    def connection(conn, peer):
        with conn, conn.makefile("rwb") as f:
            for _ in f:
                f.write(f"{peer[0]}:{peer[1]}\n".encode())
                f.flush()

    threading.Thread(target=udp_loop, daemon=True).start()
    while True:
        conn, peer = tcp.accept()
        threading.Thread(target=connection, args=(conn, peer), daemon=True).start()


def ask_udp(sock, to):
    # A few tries: the first datagram after the restart may meet routes being set.
    for _ in range(10):
        sock.sendto(b"hello", to)
        try:
            return sock.recvfrom(2048)[0].decode()
        except socket.timeout:
            continue
    raise SystemExit("udp: no answer")


def client(args):
    host, port = args.bind.rsplit(":", 1)
    to = (args.to, args.port)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((host, int(port)))
    udp.settimeout(1)
    tcp = socket.create_connection(to, timeout=10, source_address=(host, 0))
    f = tcp.makefile("rwb")

    def ask_tcp():
        f.write(b"hello\n")
        f.flush()
        line = f.readline().decode().strip()
        if not line:
            raise SystemExit("tcp: connection closed")
        return line

    print("udp", ask_udp(udp, to), flush=True)
    print("tcp", ask_tcp(), flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(args.go):
        if time.monotonic() > deadline:
            raise SystemExit("never told to go on")
        time.sleep(0.1)
    print("udp", ask_udp(udp, to), flush=True)
    print("tcp", ask_tcp(), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["server", "client"])
    parser.add_argument("--address", help="server: address to listen on")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--bind", help="client: ADDR:PORT to send UDP from (TCP from ADDR)")
    parser.add_argument("--to", help="client: the server's address")
    parser.add_argument("--go", help="client: file whose existence says go on")
    args = parser.parse_args()
    serve(args) if args.mode == "server" else client(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
