"""Real receivers on loopback for the notification tests and bench/notify.py: an HTTP server in a
thread (a webhook receiver or SMS gateway) and an SMTP server (aiosmtpd).

The HTTP receiver verifies each request's signature, answers 500 to the first `fail_first` requests
(or to all, when `down`), and keeps the deliveries it acknowledged, deduplicated by Idempotency-Key
as a real receiver must (`duplicates` counts the repeats it dropped).
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from deskapp.core.notify.channels import SIGNATURE_HEADER, verify


class Receiver:
    def __init__(self, secret: str = "s3cret", *, fail_first: int = 0, delay: float = 0.0):
        self.secret = secret.encode()
        self.fail_first = fail_first
        self.delay = delay
        self.down = False
        self.requests = 0
        self.received: dict[str, dict] = {}  # idempotency key -> body, acknowledged
        self.duplicates = 0
        self.bad_signatures = 0
        self.headers: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                code = receiver.take(body, dict(self.headers))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def take(self, body: bytes, headers: dict) -> int:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests += 1
            if self.down or self.requests <= self.fail_first:
                return 500
            signature = headers.get(SIGNATURE_HEADER)
            if signature is not None and not verify(self.secret, body, signature):
                self.bad_signatures += 1
                return 401
            key = headers.get("Idempotency-Key", "")
            if key in self.received:
                self.duplicates += 1
            else:
                self.received[key] = json.loads(body)
                self.headers.append(headers)
            return 200

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


class Mailbox:
    """An aiosmtpd server on loopback keeping every message it accepted."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                from email import message_from_bytes, policy

                mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> Mailbox:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()
