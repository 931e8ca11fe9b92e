"""Per-request cost of the hot endpoints, measured in one process, without HTTP.

    .venv/bin/python bench/inproc.py [--db sqlite|postgres] [--n 500] [--profile NAME]

For tuning: it calls Django's WSGI handler directly with the production
settings `make bench` uses, on a small fresh database, and prints CPU
microseconds and queries per request for the campaign page, the count JSON,
the sign POST and the confirm POST. With --profile NAME (campaign, count,
sign, confirm, area) it prints pyinstrument's call tree for that endpoint.
The numbers exclude gunicorn and the socket, so they are a floor for what a
web worker spends per request. On PostgreSQL each endpoint also gets the CPU
of the database backend serving this process (`db_cpu_us`, from /proc: the
server must run on this machine). --cprofile NAME profiles one endpoint by
CPU time and keeps the data. --whole N measures N whole signatures by phase
(the campaign page, the sign, the confirmation e-mail sent by the worker's
sender to the loopback sink in this process, the confirm, the tally
processor, the count JSON): CPU per signature of this process and of its
database backend, summed (docs/performance.md).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_DATABASE = "undersigned_bench_inproc"


def environment(db: str, var: Path) -> dict:
    from stack import production_environment  # bench/stack.py, beside this file

    env = production_environment(var)
    if db == "postgres":
        env["DATABASE_URL"] = os.environ.get(
            "INPROC_DATABASE_URL",
            f"postgres://undersigned:undersigned@127.0.0.1:5432/{PG_DATABASE}",
        )
    else:
        env["SQLITE_PATH"] = str(var / "inproc.sqlite3")
    return env


def prepare(db: str, env: dict, var: Path) -> None:
    if db == "postgres":
        import psycopg

        with psycopg.connect(
            "host=127.0.0.1 user=undersigned password=undersigned dbname=postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_DATABASE}")
    bin_ = ROOT / ".venv" / "bin"
    subprocess.run([bin_ / "undersigned", "migrate", "-v0"], env=env, check=True)
    for command in (
        ["--campaign", "bench-surge", "--deliveries", "--postal-codes", "3000"],
        ["--campaign", "bench-scale", "--postal-codes", "3000", "--signatures", "20000"],
    ):
        subprocess.run(
            [bin_ / "python", ROOT / "bench" / "loader.py", *command],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


class Caller:
    def __init__(self):
        from django.core.handlers.wsgi import WSGIHandler

        self.app = WSGIHandler()

    def __call__(self, method: str, path: str, body: bytes = b"", cookie: str = "",
                 xff: str = "2001:db8::1") -> tuple[int, dict, bytes]:  # fmt: skip
        path, _, query = path.partition("?")
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_X_FORWARDED_FOR": xff,
            "HTTP_COOKIE": cookie,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
        }
        answer = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status[:3])
            answer["headers"] = headers

        chunks = self.app(environ, start_response)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return answer["status"], dict(answer["headers"]), data


def backend_cpu(connection) -> float | None:
    """CPU seconds (user + system) of the PostgreSQL backend serving this
    process's connection, from /proc: the server runs on this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    from stack import cpu_seconds  # bench/stack.py, beside this file

    return cpu_seconds([pid])


def whole(n: int, endpoints: dict, connection) -> None:
    """CPU per whole signature, by phase: this process (web, then the
    worker's sender and tally processor, run here in turn) and the
    PostgreSQL backend serving it. The sink's CPU is not counted."""
    from undersigned.counting.actions import process_all_count_events
    from undersigned.outbox.models import Email
    from undersigned.outgoing import sender

    for _ in range(20):  # warm: the campaign, the rendered pages, the first e-mails
        endpoints["campaign"]()
        endpoints["sign"]()
    sender.drain()
    for _ in range(20):
        endpoints["confirm"]()
    process_all_count_events()
    phases = {
        "page": lambda: [endpoints["campaign"]() for _ in range(n)],
        "sign": lambda: [endpoints["sign"]() for _ in range(n)],
        "email": sender.drain,
        "confirm": lambda: [endpoints["confirm"]() for _ in range(n)],
        "count": process_all_count_events,
        "count_json": lambda: [endpoints["count"]() for _ in range(n)],
    }
    results = {}
    for name, run in phases.items():
        backend = backend_cpu(connection) or 0.0
        cpu = time.process_time()
        if os.environ.get("INPROC_PROFILE_PHASE") == name:
            import cProfile

            cProfile.runctx("run()", globals(), {"run": run}, sort="cumulative")
        else:
            run()
        cpu = time.process_time() - cpu
        db = (backend_cpu(connection) or 0.0) - backend
        results[name] = {
            "web_or_worker_ms": round(cpu / n * 1e3, 3),
            "db_ms": round(db / n * 1e3, 3),
        }
        print(f"{name:>12}: {results[name]}", flush=True)
    unsent = Email.objects.exclude(state="sent").count()
    total = sum(part["web_or_worker_ms"] + part["db_ms"] for part in results.values())
    results["whole_signature_ms"] = round(total, 2)
    results["emails_not_sent"] = unsent
    print(json.dumps(results))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--profile", default="")
    parser.add_argument("--queries", action="store_true", help="Print each endpoint's SQL.")
    parser.add_argument("--cprofile", default="", help="cProfile NAME, sorted by own time.")
    parser.add_argument("--only", default="", help="Comma-separated endpoints to measure.")
    parser.add_argument(
        "--whole", type=int, default=0, metavar="N",
        help="The CPU of N whole signatures: page, sign, e-mail, confirm, count.",
    )  # fmt: skip
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="undersigned-inproc-"))
    env = environment(args.db, var)
    sink = None
    if args.whole:
        from stack import PYTHON, free_port, start  # bench/stack.py, beside this file

        port = free_port()
        # The loopback sink takes the confirmation e-mails; the caps on mail
        # off (every signer's address is at one domain).
        env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "MAIL_PER_HOUR": "0",
                    "MAIL_PER_HOUR_PER_NETWORK": "0", "MAIL_PER_HOUR_PER_DOMAIN": "0"})  # fmt: skip
        sink_script = str(ROOT / "bench" / "smtpsink.py")
        sink = start([PYTHON, sink_script, str(port), str(var / "smtp.count")], env,
                     var / "smtp.log")  # fmt: skip
    prepare(args.db, env, var)
    os.environ.update(env)
    import django

    django.setup()
    # The floor's 400s would print a warning each.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    from urllib.parse import urlencode

    from django.db import connection
    from loader import place_id, places_of

    from undersigned.abuse.timing import issue_form_token
    from undersigned.signatures.links import confirm_token
    from undersigned.signatures.models import Signature

    call = Caller()
    status, headers, page = call("GET", "/c/bench-surge/")
    assert status == 200, status
    cookie_header = [v for k, v in headers.items() if k.lower() == "set-cookie"]
    csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    cookie = re.search(r"((?:__Host-)?csrftoken)=(\w+)", str(cookie_header))
    cookie = f"{cookie.group(1)}={cookie.group(2)}"
    counter = iter(range(10**9))

    def sign():
        number = next(counter)
        body = urlencode(
            {
                "csrfmiddlewaretoken": csrf,
                "issued": issue_form_token(time.time() - 10),
                "website": "",
                "first_name": "Jane",
                "last_name": "Doe",
                "email": f"jane.doe.{number}@example.org",
                "postal_code": f"{10000 + number % 3000:05d}",
                "area_place": place_id(places_of(number % 3000, 300)[0]),
            }
        ).encode()
        status, _, data = call(
            "POST", "/c/bench-surge/sign/", body, cookie, xff=f"2001:db8:{number:x}::1"
        )
        assert status == 200 and b"e-mail" in data, (status, data[:2000])

    pending = []

    def confirm():
        if not pending:
            pending.extend(
                Signature.objects.filter(status="pending").values_list("pk", "link_version")[:5000]
            )
        pk, version = pending.pop()
        body = urlencode({"csrfmiddlewaretoken": csrf}).encode()
        status, _, _ = call("POST", f"/confirm/{pk}/{confirm_token(pk, version)}/", body, cookie)
        assert status == 302, status

    def getter(path, expect=200):
        def run():
            status, _, _ = call("GET", path)
            assert status == expect, (path, status)

        return run

    endpoints = {
        # The floor: every middleware, a JSON answer, no query.
        "floor": getter("/api/areas/lookup?country=x", 400),
        "campaign": getter("/c/bench-surge/"),
        "count": getter("/api/campaigns/bench-surge/count.json"),
        "scale_campaign": getter("/c/bench-scale/"),
        "area": getter("/c/bench-scale/areas/country:us/state:al/place:benchville_0/"),
        "sign": sign,
        "confirm": confirm,
    }
    if args.whole:
        try:
            whole(args.whole, endpoints, connection)
        finally:
            from stack import stop

            stop(sink)
        return
    if args.only:
        endpoints = {name: endpoints[name] for name in args.only.split(",")}
    if args.cprofile:
        import cProfile
        import pstats

        run = endpoints[args.cprofile]
        if args.cprofile == "confirm":
            for _ in range(args.n + 50):  # signatures to confirm
                sign()
        for _ in range(50):
            run()
        profile = cProfile.Profile(time.process_time)
        profile.enable()
        for _ in range(args.n):
            run()
        profile.disable()
        stats = pstats.Stats(profile)
        stats.dump_stats(var / "cprofile.out")
        print(f"cProfile data: {var / 'cprofile.out'}")
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return
    if args.profile:
        from pyinstrument import Profiler

        run = endpoints[args.profile]
        for _ in range(50):
            run()
        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.n):
            run()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    results = {}
    for name, run in endpoints.items():
        try:
            for _ in range(30):
                run()
        except AssertionError as error:
            results[name] = f"skipped: {str(error)[:200]}"
            continue
        queries: list[str] = []

        def count(execute, sql, *rest, queries=queries):
            queries.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            run()
        backend = backend_cpu(connection)
        cpu = time.process_time()
        wall = time.perf_counter()
        for _ in range(args.n):
            run()
        cpu = (time.process_time() - cpu) / args.n
        wall = (time.perf_counter() - wall) / args.n
        results[name] = {
            "cpu_us": round(cpu * 1e6),
            "wall_us": round(wall * 1e6),
            "queries": len(queries),
        }
        if backend is not None:
            results[name]["db_cpu_us"] = round((backend_cpu(connection) - backend) / args.n * 1e6)
        if args.queries:
            for sql in queries:
                print(f"    {sql[:150]}")
        print(f"{name:>16}: {results[name]}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
