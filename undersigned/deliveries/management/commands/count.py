"""`undersigned count`: the tally processor (counts, milestones), every second.

`undersigned worker` runs it as its child process. Run it yourself beside
`undersigned worker --counting off`; several at once are safe.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import threading

from django.core.management.base import BaseCommand

from .worker import count, run_duties

log = logging.getLogger("undersigned.count")


def exit_now(signum, frame):
    # Not stop.set() from the handler: it could deadlock on the event's own
    # lock. A tally batch cut short rolls back and runs again next time.
    raise SystemExit(0)


class Command(BaseCommand):
    help = "Run the tally processor (counts, milestones) until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--every", type=float, default=1.0, help="Seconds between tally runs.")
        # Set by `undersigned worker`: exit once that process is gone, even
        # when it was killed with no chance to stop us.
        parser.add_argument("--parent", type=int, help=argparse.SUPPRESS)

    def handle(self, *, every: float, parent: int | None, **options) -> None:
        signal.signal(signal.SIGTERM, exit_now)
        signal.signal(signal.SIGINT, exit_now)
        stop = threading.Event()
        duties = [(every, count)]
        if parent:

            def watch_parent() -> None:
                if os.getppid() != parent:
                    log.warning("the worker that started this count process is gone; exiting")
                    stop.set()

            duties.append((1.0, watch_parent))
        run_duties(stop, duties)
