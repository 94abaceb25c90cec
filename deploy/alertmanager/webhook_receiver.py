#!/usr/bin/env python3
"""A webhook receiver for a local Alertmanager: every POSTed notification is appended, as one JSON line,
to a file that tests read. Standard library only; binds 127.0.0.1 on a port the kernel picks and writes
that port to --port-file once it is listening, so there is no port race.

  webhook_receiver.py --out DIR/webhook.jsonl --port-file DIR/webhook.port

GET /healthz answers 200; any POST path is recorded with its path: {"path": "/alerts", "body": {...}}.
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="JSON Lines file to append notifications to")
    parser.add_argument("--port-file", required=True, help="file to write the listening port to")
    args = parser.parse_args()

    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server naming)
            code = 200 if self.path == "/healthz" else 404
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                self.send_response(400)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            line = json.dumps({"path": self.path, "body": body}, separators=(",", ":"), sort_keys=True)
            with lock, open(args.out, "a", encoding="utf-8") as out:
                out.write(line + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, fmt, *fmt_args):
            sys.stderr.write("webhook_receiver: " + (fmt % fmt_args) + "\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    open(args.out, "a", encoding="utf-8").close()
    temporary = args.port_file + ".tmp"
    with open(temporary, "w", encoding="utf-8") as port_file:
        port_file.write(f"{server.server_address[1]}\n")
    os.replace(temporary, args.port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
