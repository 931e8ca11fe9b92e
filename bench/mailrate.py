"""E-mails per second and CPU per message of one `undersigned worker` process.

    .venv/bin/python bench/mailrate.py [--db sqlite|postgres] [--emails 5000]

Queues EMAILS confirmation e-mails (signatures written by the one bulk
writer, each e-mail through `outbox.actions.queue_email`, as signing does),
starts the loopback SMTP sink (bench/smtpsink.py) and one real
`undersigned worker` with production settings (counting off, no nice), and
measures from the first message the sink receives to the last: e-mails per
second, and the worker process's CPU (user + system, from /proc) per message
over the same span, so its start-up is not counted. Also printed: the
database rows each message left behind (task rows) and the PostgreSQL
server's CPU over the span when it runs on this machine.

With `--rate R` the e-mails are not queued up front: a feeder process
queues them at R a second while the worker runs, as a sign surge does (the
PostgreSQL figure then includes the feeder's inserts). A worker that sends
what trickles in pays its per-pass costs for few messages at a time, which a
queue filled up front hides.

Targets (issue 17): at least 300 e-mails a second per worker, at most 2 ms of
worker CPU per message. It uses only what every version has (queue_email and
the worker command), so it measures the code before and after a change.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from stack import (  # noqa: E402 (bench/stack.py, beside this file)
    BIN,
    PYTHON,
    cpu_seconds,
    free_port,
    production_environment,
    start,
    stop,
)

PG_DATABASE = "undersigned_bench_mailrate"
PG_ADMIN = "host=127.0.0.1 port=5432 user=undersigned password=undersigned dbname=postgres"


def seed(count: int, *, queue: bool = True) -> None:
    """Run in a child with the benchmark's environment: the signatures and,
    with `queue`, their e-mails."""
    import django

    django.setup()
    from django.db import transaction

    from undersigned.campaigns.actions import save_campaign
    from undersigned.campaigns.models import Campaign
    from undersigned.outbox.actions import queue_email
    from undersigned.privacy.identity import email_digest
    from undersigned.signatures.bulk import write_signatures
    from undersigned.signatures.models import Signature

    campaign = save_campaign(
        Campaign(
            slug="mailrate", title="Mail rate", summary="s", body="b", organisation="o",
            letter_subject="s", letter_body="b", status=Campaign.Status.LIVE,
        )
    )  # fmt: skip
    letter = campaign.current_letter()
    for start_at in range(0, count, 1000):
        with transaction.atomic():
            signatures = write_signatures(
                (
                    Signature(
                        campaign=campaign, letter_version=letter,
                        email_digest=email_digest(f"reader{n}@example.org"),
                        email=f"reader{n}@example.org", first_name=f"Reader{n}",
                        last_name="Example", postal_code="02143", country="US",
                        status=Signature.Status.PENDING,
                    ),
                    [],
                )
                for n in range(start_at, min(count, start_at + 1000))
            )  # fmt: skip
            if queue:
                for signature in signatures:
                    queue_email(signature, "confirm")


def feed(rate: float) -> None:
    """Run in a child: queue every seeded signature's e-mail, `rate` a second."""
    import django

    django.setup()
    from undersigned.outbox.actions import queue_email
    from undersigned.signatures.models import Signature

    signatures = list(Signature.objects.order_by("pk"))
    started, queued = time.monotonic(), 0
    while queued < len(signatures):
        due = min(len(signatures), int((time.monotonic() - started) * rate) + 1)
        for signature in signatures[queued:due]:
            queue_email(signature, "confirm")
        queued = due
        time.sleep(0.005)


def postgres_cpu() -> float:
    """CPU seconds of every PostgreSQL server process on this machine (0 if none)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in {"postgres", "postmaster"}:
                    pids.append(int(entry.name))
            except OSError:
                continue
    return cpu_seconds(pids)


def measure(db: str, emails: int, timeout: float, senders: int, rate: float = 0) -> dict:
    var = BENCH / "var" / f"mailrate-{db}"  # the database and logs of the last run
    shutil.rmtree(var, ignore_errors=True)
    var.mkdir(parents=True)
    env = production_environment(var)
    smtp_port = free_port()
    # PYTHONPATH: this checkout's package, even if another one is installed.
    env.update({"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port), "PYTHONPATH": str(ROOT)})
    # The caps on mail (outbox/caps.py) off: this measures the sender, and
    # every address here is at one domain.
    env.update({"MAIL_PER_HOUR": "0", "MAIL_PER_HOUR_PER_DOMAIN": "0"})
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_DATABASE}")
        env["DATABASE_URL"] = f"postgres://undersigned:undersigned@127.0.0.1:5432/{PG_DATABASE}"
    else:
        env["SQLITE_PATH"] = str(var / "mailrate.sqlite3")
    subprocess.run([str(BIN / "undersigned"), "migrate", "-v0"], env=env, check=True)
    seeding = [PYTHON, __file__, "--seed", str(emails), *(["--rate", str(rate)] if rate else [])]
    subprocess.run(seeding, env=env, check=True, cwd=ROOT)
    count_file = var / "smtp.count"
    sink = start([PYTHON, str(BENCH / "smtpsink.py"), str(smtp_port), str(count_file)], env,
                 var / "smtp.log")  # fmt: skip
    worker = start(
        [str(BIN / "undersigned"), "worker", "--counting", "off", "--nice", "0",
         "--no-startup-delay", *(["--senders", str(senders)] if senders else [])],
        env, var / "worker.log",
    )  # fmt: skip
    feeder = None
    if rate:
        time.sleep(3)  # the worker's start-up, before the first e-mail is queued
        feeder = start([PYTHON, __file__, "--feed", str(rate)], env, var / "feeder.log")

    def received() -> int:
        try:
            return int(count_file.read_text() or 0)
        except (OSError, ValueError):
            return 0

    try:
        deadline = time.monotonic() + timeout
        while received() == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        first, started, cpu0, pg0 = (
            received(),
            time.monotonic(),
            cpu_seconds([worker.pid]),
            postgres_cpu(),
        )
        while received() < emails and time.monotonic() < deadline:
            time.sleep(0.02)
        last, seconds = received(), time.monotonic() - started
        cpu, pg = cpu_seconds([worker.pid]) - cpu0, postgres_cpu() - pg0
    finally:
        if feeder:
            stop(feeder)
        stop(worker)
        stop(sink)
    sent = last - first
    result = {
        "db": db,
        "senders": senders or "default",
        "queued": f"{rate} a second while sending" if rate else "all before the worker started",
        "emails": emails,
        "received": last,
        "timed_out": last < emails,
        "seconds": round(seconds, 2),
        "emails_per_second": round(sent / seconds, 1) if seconds else None,
        "worker_cpu_ms_per_email": round(1000 * cpu / sent, 3) if sent else None,
        "postgres_cpu_ms_per_email": round(1000 * pg / sent, 3)
        if sent and db == "postgres"
        else None,
        "task_rows": task_rows(env, db),
    }
    if db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
    return result


def task_rows(env: dict, db: str) -> int:
    sql = "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult"
    if db == "sqlite":
        import sqlite3

        with sqlite3.connect(env["SQLITE_PATH"]) as conn:
            return conn.execute(sql).fetchone()[0]
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        return conn.execute(sql).fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument(
        "--senders", type=int, default=0, help="the worker's sender threads (0: its default)"
    )
    parser.add_argument(
        "--rate", type=float, default=0,
        help="queue the e-mails at this many a second while the worker runs (0: all first)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--feed", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, queue=not args.rate)
        return
    if args.feed:
        feed(args.feed)
        return
    for db in ["postgres", "sqlite"] if args.db == "both" else [args.db]:
        result = measure(db, args.emails, args.timeout, args.senders, args.rate)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
