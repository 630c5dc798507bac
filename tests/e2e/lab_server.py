#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""The lab's Internet server: HTTP on port 80 and a UDP echo on port 7.

GET serves files from --root; GET /whoami answers with the address and port
the request came from (the AFTR's public side); POST answers with the byte
count and SHA-256 of the body. Only the Python standard library.
"""
import argparse
import hashlib
import http.server
import socket
import socketserver
import threading


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # the lab prints its own summary
        pass

    def do_GET(self):
        if self.path == "/whoami":
            body = f"{self.client_address[0]}:{self.client_address[1]}\n".encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def do_POST(self):
        remaining = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        received = 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            digest.update(chunk)
            received += len(chunk)
            remaining -= len(chunk)
        body = f"{received} {digest.hexdigest()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def udp_echo(address, port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((address, port))
    while True:
        data, peer = sock.recvfrom(65535)
        sock.sendto(data, peer)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--root", required=True)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--echo-port", type=int, default=7)
    args = parser.parse_args()

    threading.Thread(target=udp_echo, args=(args.address, args.echo_port), daemon=True).start()
    handler = lambda *a, **k: Handler(*a, directory=args.root, **k)
    Server((args.address, args.http_port), handler).serve_forever()


if __name__ == "__main__":
    main()
