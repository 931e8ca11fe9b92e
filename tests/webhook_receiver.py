"""A partner's webhook receiver, on loopback, written from docs/api.md alone
(standard library only, nothing of the project): it verifies each body's
signature and timestamp, answers 500 to its first `fail_first` requests as a
receiver that is down would (or `fail_status`: 410 says "stop"), drops the
connection without an answer after keeping the next `drop_after_keeping`
events (the answer lost on the way), and keeps each event once, by its
webhook-id, however many times it arrives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLAY_WINDOW = 5 * 60


def verify(secret: str, headers, body: bytes, now: float | None = None, *,
           check_time: bool = True) -> bool:  # fmt: skip
    """Standard Webhooks' check, as docs/api.md gives it (without the replay
    window if `check_time` is off)."""
    event_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "").split()
    if not (event_id and timestamp.isdigit() and signatures):
        return False
    if check_time and abs((now or time.time()) - int(timestamp)) > REPLAY_WINDOW:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.digest(key, f"{event_id}.{timestamp}.".encode() + body, hashlib.sha256)
    ).decode()
    return any(hmac.compare_digest(f"v1,{expected}", candidate) for candidate in signatures)


class Receiver:
    def __init__(self, secret: str = "", *, fail_first: int = 0, fail_status: int = 500,
                 drop_after_keeping: int = 0, delay: float = 0.0,
                 check_time: bool = True):  # fmt: skip
        self.secret = secret
        # Off only for a sender in another process whose clock the suite moved
        # on its own (tests/clock/sitecustomize.py: each process starts at the
        # same date, so their clocks differ by how long ago each started).
        self.check_time = check_time
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.drop_after_keeping = drop_after_keeping
        # Seconds to hold each answer after keeping the event: a sender that
        # dies meanwhile never learns it was kept.
        self.delay = delay
        self.lock = threading.Lock()
        self.requests = 0
        self.unverified = 0
        self.kept: dict[str, dict] = {}
        # Every request's headers and body, as they came.
        self.raw: list[tuple[dict[str, str], bytes]] = []
        # How many times each event id was accepted as new: exactly once, or
        # the receiver would have acted twice.
        self.accepted: Counter[str] = Counter()
        self.repeats: Counter[str] = Counter()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = receiver.handle(self.headers, body)
                if status is None:  # kept, but the answer never reaches the sender
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/undersigned"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, headers, body: bytes) -> int | None:
        with self.lock:
            self.requests += 1
            self.raw.append((dict(headers.items()), body))
            if self.requests <= self.fail_first:
                return self.fail_status
            if not verify(self.secret, headers, body, check_time=self.check_time):
                self.unverified += 1
                return 401
            event_id = headers["webhook-id"]
            if event_id in self.kept:
                self.repeats[event_id] += 1
            else:
                self.kept[event_id] = json.loads(body)
                self.accepted[event_id] += 1
            drop = self.drop_after_keeping > 0
            self.drop_after_keeping -= drop
        self.arrived.set()
        if drop:
            return None
        if self.delay:
            time.sleep(self.delay)
        return 204

    def events(self, kind: str | None = None) -> list[dict]:
        with self.lock:
            return [e for e in self.kept.values() if kind is None or e["type"] == kind]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
