"""The load generator: many concurrent HTTP/1.1 clients in one asyncio process.

    python bench/loadgen.py SPEC.json RESULT.json

It speaks raw HTTP/1.1 over keep-alive sockets (reconnecting whenever the
server closes, as gunicorn's sync workers do after every response), so that
one Python process can keep a 2-core server busy while taking as little CPU
as possible from it; the result records how much CPU it used. It only ever
connects to 127.0.0.1, and every phase is bounded in requests and in time.

A spec is {"port": …, "concurrency": …, "time_limit": …, "kind": …, …}:

- "sign": each signer GETs the campaign page (the CSRF cookie and token, the
  form's signed render time, the consent boxes), then, once every form is at
  least `min_age` seconds old (the server quarantines faster submissions,
  SIGN_MIN_SECONDS), all signers POST the form at once. Both phases are timed
  separately; a POST answered 200 with the "check your e-mail" page is
  accepted.
- "confirm": each item POSTs to its confirmation link with its signer's CSRF
  cookie; a 302 to the thank-you page is accepted.
- "read": GET `paths` in turn until `requests` responses have come back
  (POST, with a small form and no cookie, when "method" is "POST").
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import quote_plus

HOST = "127.0.0.1"
CSRF_COOKIE = re.compile(rb"(?i)set-cookie: *((?:__Host-)?csrftoken)=([A-Za-z0-9]+)")
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ISSUED_FIELD = re.compile(rb'name="issued" value="([^"]+)"')
CONSENT_FIELD = re.compile(rb'name="(consent_[a-z0-9_]+)"')
CHECK_EMAIL = b"e-mail"


class ConnectionClosed(Exception):
    pass


@dataclass
class Response:
    status: int
    head: bytes
    body: bytes
    close: bool


class HTTPProtocol(asyncio.Protocol):
    """One connection, one request at a time; parses just enough of HTTP/1.1."""

    def __init__(self):
        self.buffer = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            # A response without a length ends with the connection.
            parsed = self._parse(eof=True)
            if parsed is not None:
                self.waiter.set_result(parsed)
            else:
                self.waiter.set_exception(ConnectionClosed("connection closed mid-response"))

    def data_received(self, data):
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            return
        parsed = self._parse()
        if parsed is not None:
            self.waiter.set_result(parsed)

    def _parse(self, eof: bool = False) -> Response | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[:end])
        lower = head.lower()
        status = int(head[9:12])
        start = end + 4
        close = b"\r\nconnection: close" in lower
        at = lower.find(b"\r\ncontent-length:")
        if at >= 0:
            stop = lower.find(b"\r\n", at + 2)
            length = int(lower[at + 17 : stop if stop > 0 else None])
            if len(self.buffer) < start + length:
                return None
            body = bytes(self.buffer[start : start + length])
            del self.buffer[: start + length]
            return Response(status, head, body, close)
        if b"\r\ntransfer-encoding: chunked" in lower:
            body, used = _dechunk(self.buffer, start)
            if body is None:
                return None
            del self.buffer[:used]
            return Response(status, head, body, close)
        if status in (204, 304) or not eof:
            if status in (204, 304):
                del self.buffer[:start]
                return Response(status, head, b"", close)
            return None
        body = bytes(self.buffer[start:])
        self.buffer.clear()
        return Response(status, head, body, True)


def _dechunk(buffer: bytearray, at: int) -> tuple[bytes | None, int]:
    body = bytearray()
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None, 0
        size = int(buffer[at:line_end].split(b";")[0], 16)
        at = line_end + 2
        if size == 0:
            if buffer.find(b"\r\n", at) < 0:
                return None, 0
            return bytes(body), buffer.find(b"\r\n", at) + 2
        if len(buffer) < at + size + 2:
            return None, 0
        body += buffer[at : at + size]
        at += size + 2


class Client:
    """A keep-alive connection that reconnects when the server closes it."""

    def __init__(self, port: int):
        self.port = port
        self.protocol: HTTPProtocol | None = None
        self.connects = 0

    async def request(self, raw: bytes) -> Response:
        reused = self.protocol is not None and not self.protocol.closed
        try:
            return await self._send(raw)
        except ConnectionClosed:
            if not reused:
                raise
            # The server closed an idle keep-alive connection just as we
            # reused it: nothing was answered, so send once more on a new one.
            self.protocol = None
            return await self._send(raw)

    async def _send(self, raw: bytes) -> Response:
        loop = asyncio.get_running_loop()
        if self.protocol is None or self.protocol.closed:
            _transport, self.protocol = await loop.create_connection(HTTPProtocol, HOST, self.port)
            self.connects += 1
        protocol = self.protocol
        protocol.waiter = loop.create_future()
        protocol.transport.write(raw)
        try:
            response = await protocol.waiter
        finally:
            protocol.waiter = None
        if response.close:
            protocol.transport.close()
            self.protocol = None
        return response

    def close(self):
        if self.protocol is not None and not self.protocol.closed:
            self.protocol.transport.close()


def get(path: str, port: int, headers: str = "") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: undersigned-bench\r\n"
        f"Accept: text/html,application/json\r\n{headers}\r\n"
    ).encode()


def post(path: str, port: int, form: dict, cookie: str, headers: str = "") -> bytes:
    body = "&".join(f"{quote_plus(k)}={quote_plus(str(v))}" for k, v in form.items()).encode()
    return (
        f"POST {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: undersigned-bench\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        f"Cookie: {cookie}\r\n{headers}\r\n"
    ).encode() + body


@dataclass
class Phase:
    """Latencies and outcomes of one phase."""

    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    accepted: int = 0
    started: float = 0.0
    finished: float = 0.0
    timed_out: bool = False

    def record(self, started: float, status: int | None, ok: bool, error: str = ""):
        self.latencies.append(time.perf_counter() - started)
        if status is not None:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
        if error:
            self.failures[error] = self.failures.get(error, 0) + 1
        if ok:
            self.accepted += 1

    def summary(self) -> dict:
        values = sorted(self.latencies)
        duration = max(self.finished - self.started, 1e-9)

        def pct(p: float) -> float | None:
            if not values:
                return None
            return round(1000 * values[min(len(values) - 1, int(p / 100 * len(values)))], 2)

        errors = sum(self.failures.values()) + sum(
            n for status, n in self.statuses.items() if status.startswith("5")
        )
        return {
            "requests": len(values),
            "accepted": self.accepted,
            "not_accepted": len(values) - self.accepted,
            "errors_5xx_or_failed": errors,
            "statuses": self.statuses,
            "failures": self.failures,
            "seconds": round(duration, 3),
            "throughput_per_s": round(len(values) / duration, 1),
            "accepted_per_s": round(self.accepted / duration, 1),
            "latency_ms": {
                "p50": pct(50),
                "p95": pct(95),
                "p99": pct(99),
                "max": round(1000 * values[-1], 2) if values else None,
                "mean": round(1000 * sum(values) / len(values), 2) if values else None,
            },
            "timed_out": self.timed_out,
        }


async def run_pool(phase: Phase, items: list, concurrency: int, deadline: float, work):
    """Run `work(client, item)` over the items with `concurrency` clients."""
    queue = iter(items)
    clients = []

    async def worker():
        client = Client(PORT)
        clients.append(client)
        for item in queue:
            if time.monotonic() > deadline:
                phase.timed_out = True
                return
            await work(client, item)

    phase.started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    phase.finished = time.perf_counter()
    for client in clients:
        client.close()
    return sum(client.connects for client in clients)


async def timed(phase: Phase, client: Client, raw: bytes, accept) -> Response | None:
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(client.request(raw), 30)
    except (TimeoutError, OSError, ConnectionClosed) as error:
        client.close()
        client.protocol = None
        phase.record(started, None, False, type(error).__name__)
        return None
    phase.record(started, response.status, accept(response))
    return response


# Scenarios ---------------------------------------------------------------------


async def sign(spec: dict) -> dict:
    signers = spec["signers"]
    deadline = time.monotonic() + spec["time_limit"]
    page = f"/c/{spec['campaign']}/"
    action = f"/c/{spec['campaign']}/sign/"
    forms: dict[int, dict] = {}
    arrive = Phase("arrive (GET campaign page)")

    async def fetch_form(client: Client, item):
        number, signer = item
        raw = get(page, PORT, f"X-Forwarded-For: {signer['xff']}\r\n")
        response = await timed(arrive, client, raw, lambda r: r.status == 200)
        if response is None or response.status != 200:
            return
        cookie = CSRF_COOKIE.search(response.head)
        token = CSRF_FIELD.search(response.body)
        issued = ISSUED_FIELD.search(response.body)
        if not (cookie and token and issued):
            arrive.failures["form fields missing"] = (
                arrive.failures.get("form fields missing", 0) + 1
            )
            return
        forms[number] = {
            "cookie": f"{cookie.group(1).decode()}={cookie.group(2).decode()}",
            "csrf": token.group(1).decode(),
            "issued": issued.group(1).decode(),
            "consents": sorted({m.decode() for m in CONSENT_FIELD.findall(response.body)}),
        }

    get_connects = await run_pool(
        arrive, list(enumerate(signers)), spec["concurrency"], deadline, fetch_form
    )
    # Every form must be older than the server's minimum (SIGN_MIN_SECONDS).
    wait = spec["min_age"] + 0.2 - (time.perf_counter() - arrive.finished)
    if wait > 0:
        await asyncio.sleep(wait)

    surge = Phase("sign (POST form)")
    outcomes: dict[int, bool] = {}

    async def send_form(client: Client, item):
        number, signer = item
        form = forms[number]
        fields = {
            "csrfmiddlewaretoken": form["csrf"],
            "issued": form["issued"],
            "website": "",
            "first_name": signer["first_name"],
            "last_name": signer["last_name"],
            "email": signer["email"],
            "postal_code": signer["postal_code"],
            "comment": signer.get("comment", ""),
        }
        if signer.get("area_place"):
            fields["area_place"] = signer["area_place"]
        for index, name in enumerate(form["consents"]):
            if signer["consent_mask"] >> index & 1:
                fields[name] = "on"
        if signer.get("remember"):
            fields["remember"] = "on"
        raw = post(action, PORT, fields, form["cookie"], f"X-Forwarded-For: {signer['xff']}\r\n")
        response = await timed(
            surge, client, raw, lambda r: r.status == 200 and CHECK_EMAIL in r.body
        )
        outcomes[number] = bool(
            response is not None and response.status == 200 and CHECK_EMAIL in response.body
        )

    ready = [(number, signer) for number, signer in enumerate(signers) if number in forms]
    post_connects = await run_pool(surge, ready, spec["concurrency"], deadline, send_form)
    return {
        "phases": {"arrive": arrive.summary(), "sign": surge.summary()},
        "connects": {"arrive": get_connects, "sign": post_connects},
        "signers": [
            {
                "email": signer["email"],
                "accepted": outcomes.get(number, False),
                "cookie": forms.get(number, {}).get("cookie"),
            }
            for number, signer in enumerate(signers)
        ],
    }


async def confirm(spec: dict) -> dict:
    deadline = time.monotonic() + spec["time_limit"]
    phase = Phase("confirm (POST link)")

    async def send(client: Client, item):
        name, _, secret = item["cookie"].partition("=")
        del name
        raw = post(
            item["path"],
            PORT,
            {"csrfmiddlewaretoken": secret},
            item["cookie"],
            f"X-Forwarded-For: {item['xff']}\r\n",
        )
        await timed(phase, client, raw, lambda r: r.status == 302 and b"/thanks/" in r.head)

    connects = await run_pool(phase, spec["items"], spec["concurrency"], deadline, send)
    return {
        "phases": {"confirm": phase.summary()},
        "connects": {"confirm": connects},
        "last_response_at": time.time(),
    }


async def read(spec: dict) -> dict:
    deadline = time.monotonic() + spec["time_limit"]
    phase = Phase("read")
    paths = spec["paths"]
    if spec.get("method") == "POST":  # a write with no form: bench/bareview.py
        requests = [
            post(paths[n % len(paths)], PORT, {"n": n}, "") for n in range(spec["requests"])
        ]
    else:
        requests = [get(paths[n % len(paths)], PORT) for n in range(spec["requests"])]
    expect = spec.get("expect", 200)

    async def send(client: Client, raw: bytes):
        await timed(phase, client, raw, lambda r: r.status == expect)

    connects = await run_pool(phase, requests, spec["concurrency"], deadline, send)
    return {"phases": {"read": phase.summary()}, "connects": {"read": connects}}


PORT = 0


def main() -> None:
    global PORT
    spec_path, result_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as handle:
        spec = json.load(handle)
    PORT = int(spec["port"])
    scenario = {"sign": sign, "confirm": confirm, "read": read}[spec["kind"]]
    started = time.perf_counter()
    result = asyncio.run(scenario(spec))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter() - started
    result["loadgen"] = {
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "wall_seconds": round(wall, 2),
        "cpu_share_of_one_core": round((usage.ru_utime + usage.ru_stime) / wall, 2),
        "concurrency": spec["concurrency"],
    }
    with open(result_path, "w") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
