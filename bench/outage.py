"""An SMTP outage while confirmations wait, replayed on a moved clock.

    .venv/bin/python bench/outage.py [--signers 300] [--outage-minutes 30] [--db sqlite|postgres]

Issue 11 (item 19) measured a few minutes of SMTP outage failing every queued
confirmation for good. This replays that: SIGNERS people sign (through the
actions the sign page calls), the loopback SMTP server (aiosmtpd) goes down,
and one worker runs as `undersigned worker` does — its batch pass every
10 s of clock and its minute duties every 60 s — while the clock is moved
forward with time-machine (no real waiting). After OUTAGE minutes the server
comes back and the worker runs for another two hours of clock. Printed:
how many e-mails were sent, failed or are still waiting, how many messages
the server received, and how many Message-IDs it received more than once.

It drives only what every version of the worker has (the batch command and
the duties of `undersigned.deliveries.management.commands.worker`), so the
same script measures the code before and after a change. Nothing leaves the
machine: the SMTP server listens on 127.0.0.1 and the addresses are on
example.org.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import tempfile
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
STEP = timedelta(seconds=10)
PG_ADMIN = "host=127.0.0.1 port=5432 user=undersigned password=undersigned dbname=postgres"


def environment(db: str, var: str) -> str:
    """Settings as the tests use them, on a database of this run's own."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "undersigned.settings",
            "UNDERSIGNED_TESTING": "1",
            "UNDERSIGNED_VAR_DIR": var,
            "UNDERSIGNED_KEYS": json.dumps(
                {
                    "current": "b1",
                    "keys": {"b1": base64.b64encode(b"b" * 32).decode()},
                    "pepper": base64.b64encode(b"q" * 32).decode(),
                }
            ),
            "LOG_LEVEL": "ERROR",
        }
    )
    if db == "sqlite":
        os.environ["SQLITE_PATH"] = f"{var}/outage.sqlite3"
        return ""
    import psycopg

    name = f"undersigned_outage_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://undersigned:undersigned@127.0.0.1:5432/{name}"
    return name


def drop(name: str) -> None:
    if name:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--signers", type=int, default=300)
    parser.add_argument("--outage-minutes", type=float, default=30)
    parser.add_argument("--after-minutes", type=float, default=120)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="undersigned-outage-") as var:
        database = environment(args.db, var)
        try:
            print(json.dumps(replay(args), indent=2))
        finally:
            drop(database)


def replay(args) -> dict:
    import django

    django.setup()
    import logging

    import time_machine
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings

    from tests.delivery_helpers import SMTPServer  # the tests' loopback SMTP server
    from undersigned.campaigns.actions import save_campaign
    from undersigned.campaigns.models import Campaign
    from undersigned.deliveries.management.commands import worker
    from undersigned.outbox.models import Email
    from undersigned.signatures import actions

    call_command("migrate", verbosity=0)
    logging.disable(logging.WARNING)  # one line per failed try otherwise
    start = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock, SMTPServer() as smtp:
        campaign = save_campaign(
            Campaign(
                slug="outage", title="Outage", summary="s", body="b", organisation="o",
                letter_subject="s", letter_body="b", status=Campaign.Status.LIVE,
            )
        )  # fmt: skip
        smtp.controller.stop()  # the outage starts before the first e-mail is sent
        with override_settings(**smtp.settings()):
            for n in range(args.signers):
                actions.sign(campaign, actions.SignerDetails(email=f"signer{n}@example.org"))

            def run_for(minutes: float) -> None:
                ends = datetime.now(UTC) + timedelta(minutes=minutes)
                last_duties = datetime.now(UTC) - timedelta(minutes=1)
                while datetime.now(UTC) < ends:
                    if datetime.now(UTC) - last_duties >= timedelta(minutes=1):
                        worker.requeue()
                        last_duties = datetime.now(UTC)
                    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
                    clock.shift(STEP)
                connections.close_all()

            run_for(args.outage_minutes)
            during = states(Email)
            # The server is back, on the same port (a stopped controller cannot restart).
            smtp.controller = Controller(smtp.mailbox, hostname="127.0.0.1", port=smtp.port)
            smtp.controller.start()
            recovered_at = datetime.now(UTC)
            run_for(args.after_minutes)
    received = Counter(str(m["Message-ID"]) for m in smtp.mailbox.received)
    return {
        "signers": args.signers,
        "outage_minutes": args.outage_minutes,
        "emails_at_end_of_outage": during,
        "emails_at_end": states(Email),
        "messages_received": sum(received.values()),
        "distinct_message_ids": len(received),
        "message_ids_received_twice_or_more": sum(1 for n in received.values() if n > 1),
        "attempts_max": max(Email.objects.values_list("attempts", flat=True)),
        "last_sent_minutes_after_recovery": minutes_after(Email, recovered_at),
    }


def minutes_after(model, moment: datetime) -> float | None:
    last = model.objects.filter(sent_at__isnull=False).order_by("-sent_at").first()
    return round((last.sent_at - moment).total_seconds() / 60, 1) if last else None


def states(model) -> dict[str, int]:
    field = "state" if any(f.name == "state" for f in model._meta.fields) else "status"
    return dict(Counter(model.objects.values_list(field, flat=True)))


if __name__ == "__main__":
    main()
