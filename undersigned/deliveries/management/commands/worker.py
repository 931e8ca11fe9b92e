"""`undersigned worker`: the background worker. Run one or more.

It runs django-tasks-db's worker loop (e-mail, deliveries) and, in a second
thread, the periodic duties:

- every second, the tally processor (counts, milestones);
- every minute, re-queueing what a dead worker left half done;
- every day, the retention purge.

Each duty is safe to run from every worker at once.
"""

from __future__ import annotations

import io
import logging
import threading
import time

from django.core.management import call_command
from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker

log = logging.getLogger("undersigned.worker")


def run_duties(stop: threading.Event, *, count_every: float, requeue_every: float,
               purge_every: float) -> None:  # fmt: skip
    from undersigned.deliveries.actions import requeue_stuck as requeue_deliveries
    from undersigned.deliveries.counting import process_count_events
    from undersigned.outbox.actions import requeue_stuck as requeue_emails

    duties = [
        (count_every, _drain(process_count_events)),
        (requeue_every, lambda: requeue_emails() + requeue_deliveries()),
        (purge_every, lambda: call_command("purge", stdout=io.StringIO())),
    ]
    # Counting starts at once; the rest after their first interval would
    # skip a restart's clean-up, so they run at start too.
    due = [0.0 for _ in duties]
    try:
        while not stop.is_set():
            now = time.monotonic()
            for index, (every, duty) in enumerate(duties):
                if now < due[index]:
                    continue
                due[index] = now + every
                close_old_connections()
                try:
                    duty()
                except Exception:
                    log.exception("worker duty failed; it runs again at its next turn")
                    connection.close()
            stop.wait(max(0.05, min(due) - time.monotonic()))
    finally:
        connection.close()


def _drain(process):
    def run():
        while process() > 0:
            pass

    return run


class Command(db_worker.Command):
    help = "Run the background worker: tasks, counting, re-queueing and the daily purge."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Every queue by default: one kind of worker does everything.
        # The reloader would run the duties in its parent process too.
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--count-every", type=float, default=1.0, help="Seconds between tally runs."
        )
        parser.add_argument(
            "--requeue-every",
            type=float,
            default=60.0,
            help="Seconds between re-queueing work a dead worker left behind.",
        )
        parser.add_argument(
            "--purge-every", type=float, default=86400.0, help="Seconds between retention purges."
        )

    def handle(self, *args, count_every, requeue_every, purge_every, **options):
        if options.get("batch"):
            # Batch mode (one-off runs): count, then run the tasks that
            # creates (tasks never create count events); no background thread.
            from undersigned.deliveries.counting import process_all_count_events

            process_all_count_events()
            super().handle(*args, **options)
            return
        stop = threading.Event()
        duties = threading.Thread(
            target=run_duties,
            kwargs={
                "stop": stop,
                "count_every": count_every,
                "requeue_every": requeue_every,
                "purge_every": purge_every,
            },
            name="undersigned-duties",
            daemon=True,
        )
        duties.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()
            duties.join(timeout=10)
