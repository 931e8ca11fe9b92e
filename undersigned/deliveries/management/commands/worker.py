"""`undersigned worker`: the background worker. Run one or more.

Each worker is two processes:

- the worker runs django-tasks-db's task loop (rendering deliveries); in a
  second thread, the sender (undersigned/outgoing/sender.py), which claims
  due outgoing work in batches (e-mails to signers, letters to lawmakers)
  and sends it over one kept-open SMTP connection; and in a third, its
  duties: reporting itself alive every few seconds (with the task it is
  running), taking back task rows and deliveries a dead worker left half
  done (every minute), opening and closing campaigns on their dates
  (every 30 seconds), the retention purge (every day) and the review queue
  digest to reviewers (looked at hourly, sent at most daily);
- its child, `undersigned count`, runs the tally processor (counts,
  milestones) every second. It has a process of its own so that a delivery
  PDF, seconds of CPU, never holds it up on the GIL. The worker restarts it
  if it dies and stops it when the worker stops; if the worker is killed
  outright, the child notices within a second and exits.

The task loop runs at a lower CPU priority (`--nice`, 10 by default): on a
machine that also serves the web, a surge's requests come first and the
queued e-mail and letters follow. Counting keeps normal priority (on Linux;
elsewhere it inherits the worker's).

`--counting thread` runs the tally processor in the worker's duties thread
instead (one process); `--counting off` leaves it to an `undersigned count`
run separately. `--batch` counts once, runs the queued tasks, sends what is
due and exits.

A task loop that loses the database (SQLite locked for longer than the busy
timeout, a dropped PostgreSQL connection) logs it, waits a little and starts
again rather than ending the worker.

Each duty is safe to run from every worker at once.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management import call_command
from django.db import OperationalError, close_old_connections, connection, connections
from django.utils import timezone
from django_tasks_db.compat import task_finished, task_started
from django_tasks_db.management.commands import db_worker

from undersigned.abuse.digest import send_review_digest
from undersigned.campaigns.actions import open_and_close_due
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.sending import requeue_stuck as requeue_deliveries
from undersigned.outgoing import sender, workers

log = logging.getLogger("undersigned.worker")

Duty = tuple[float, Callable[[], object]]  # (seconds between runs, what to run)
# A campaign opens or closes at most this long after its time.
CAMPAIGN_DATES_EVERY = 30.0


def count() -> None:
    process_all_count_events()


def requeue() -> None:
    workers.take_back_tasks()
    requeue_deliveries()


def open_and_close() -> None:
    open_and_close_due()


class Beat:
    """This worker's report of itself (outgoing.workers): who, since when, and
    the task its loop is running, told by django-tasks' signals."""

    def __init__(self, worker_id: str, every: float) -> None:
        self.worker_id = worker_id
        self.every = every
        self.started_at = timezone.now()
        self.task_id: str | None = None
        self.__name__ = "beat"

    def __call__(self) -> None:
        workers.beat(
            self.worker_id, started_at=self.started_at, every=self.every, task_id=self.task_id
        )

    def started(self, sender, task_result, **kwargs) -> None:
        self.task_id = task_result.id

    def finished(self, sender, task_result, **kwargs) -> None:
        self.task_id = None

    def listen(self) -> None:
        task_started.connect(self.started, dispatch_uid="undersigned-worker-beat")
        task_finished.connect(self.finished, dispatch_uid="undersigned-worker-beat")

    def stop(self) -> None:
        task_started.disconnect(dispatch_uid="undersigned-worker-beat")
        task_finished.disconnect(dispatch_uid="undersigned-worker-beat")
        with contextlib.suppress(OperationalError):  # else its row expires by itself
            workers.gone(self.worker_id)


def purge() -> None:
    call_command("purge", stdout=io.StringIO())


REVIEW_DIGEST_EVERY = 3600.0


def review_digest() -> None:
    send_review_digest()


def reason(error: OperationalError) -> str:
    """What went wrong, for the log: the first line only, as a driver's
    detail lines may quote values."""
    return str(error).partition("\n")[0]


def run_duties(stop: threading.Event, duties: list[Duty]) -> None:
    """Run each duty at its interval until `stop` is set, each first at once
    (a restart's clean-up should not wait an interval). A duty that fails is
    logged and runs again at its next turn."""
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
                except OperationalError as error:
                    # Expected while SQLite is locked or PostgreSQL is away: no traceback.
                    log.warning("%s: %s; runs again at its next turn", duty.__name__, reason(error))
                    connection.close()
                except Exception:
                    log.exception("worker duty failed; it runs again at its next turn")
                    connection.close()
            stop.wait(max(0.05, min(due) - time.monotonic()))
    finally:
        connection.close()


class Backoff:
    """Seconds to wait after a failure: 1, 2, 4 … at most 30; 1 again after a
    minute without failures."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.failed_at = -math.inf

    def next(self) -> float:
        now = time.monotonic()
        self.delay = 1.0 if now - self.failed_at > 60 else min(self.delay * 2, 30.0)
        self.failed_at = now
        return self.delay


class CountProcess:
    """`undersigned count` as this process's child: started, restarted when it
    dies, stopped with `stop()`."""

    def __init__(self, every: float) -> None:
        self.args = [
            sys.executable, "-m", "undersigned", "count", "--every", str(every),
            "--parent", str(os.getpid()), "--settings", settings.SETTINGS_MODULE,
        ]  # fmt: skip
        self.stopping = threading.Event()
        # Held while starting a child, so that stop() never misses one.
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.thread = threading.Thread(target=self.supervise, name="undersigned-count", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def supervise(self) -> None:
        backoff = Backoff()
        while True:
            try:
                with self.lock:
                    if self.stopping.is_set():
                        return
                    # A group of its own: Ctrl-C in a terminal reaches the
                    # worker only, and the worker decides when its child stops.
                    self.process = subprocess.Popen(  # noqa: S603 (our own command line)
                        self.args, stdin=subprocess.DEVNULL, process_group=0
                    )
                log.info("count process started (pid %d)", self.process.pid)
                outcome = f"exited with {self.process.wait()}"
            except OSError as error:  # could not start it: out of memory, say
                outcome = f"not started: {error}"
            if self.stopping.is_set():
                return
            delay = backoff.next()
            log.error("count process %s; starting it again in %.0f s", outcome, delay)
            if self.stopping.wait(delay):
                return

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            process = self.process
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.thread.join(timeout=1)


class Command(db_worker.Command):
    help = "Run the background worker: tasks, counting, re-queueing and the daily purge."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # Every queue by default: one kind of worker does everything.
        # The reloader would run the duties in its parent process too.
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument(
            "--counting",
            choices=["process", "thread", "off"],
            default="process",
            help="Run the tally processor in a child process (default), in a thread of "
            "the worker, or not at all (you run `undersigned count`).",
        )
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
        parser.add_argument(
            "--senders",
            type=int,
            default=4,
            help="Sender threads, each with its own SMTP connection. A sender mostly "
            "waits (for the mail server's replies, for the commit recording each "
            "message sent), so several keep one process busy.",
        )
        parser.add_argument(
            "--beat-every",
            type=float,
            default=5.0,
            help="Seconds between the worker's reports that it is alive (and what it runs); "
            "after three missed, other workers take back the task it was running.",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=10,
            help="Lower the worker's CPU priority by this much (0: leave it), so that "
            "on a shared machine a surge's web requests come first.",
        )

    def handle(self, *args, counting, count_every, requeue_every, purge_every, beat_every, nice,
               senders, **options):  # fmt: skip
        if options.get("batch"):
            # Batch mode (one-off runs): count, then run the tasks that
            # creates (tasks never create count events), then send what is
            # due; no background thread.
            process_all_count_events()
            self.run_tasks(*args, **options)
            sender.drain()
            return
        # The count process's supervisor starts before the worker lowers its
        # priority: on Linux niceness belongs to a thread, and a child takes
        # that of the thread that starts it. Counting is light and keeps
        # milestones current during a surge; it runs at normal priority.
        counter = CountProcess(count_every) if counting == "process" else None
        if counter:
            counter.start()
        if nice > 0:
            # Every signature is stored before its e-mail is sent: when the
            # machine is short of CPU, taking signatures comes first and the
            # e-mail and delivery letters catch up (threads started from
            # here on, the sender's among them, take this priority).
            os.nice(nice)
        self.beat = Beat(options["worker_id"], beat_every)
        self.beat.listen()
        # The review digest goes at most once a day; looking hourly sends it
        # within an hour of the queue growing past a quiet day.
        duties = [
            (beat_every, self.beat),
            (requeue_every, requeue),
            (CAMPAIGN_DATES_EVERY, open_and_close),
            (purge_every, purge),
            (REVIEW_DIGEST_EVERY, review_digest),
        ]
        if counting == "thread":
            duties.insert(0, (count_every, count))
        stop = threading.Event()
        threads = [
            threading.Thread(
                target=run_duties, args=(stop, duties), name="undersigned-duties", daemon=True
            ),
            *(
                threading.Thread(
                    target=sender.run,
                    args=(stop,),
                    kwargs={"probe": number == 0},
                    name=f"undersigned-sender-{number}",
                    daemon=True,
                )
                for number in range(senders)
            ),
        ]
        for thread in threads:
            thread.start()
        try:
            self.run_tasks(*args, **options)
        finally:
            stop.set()
            if counter:
                counter.stop()
            for thread in threads:
                # The sender finishes the message it is sending and records it.
                thread.join(timeout=settings.EMAIL_TIMEOUT * 2)
            self.beat.stop()

    def run_tasks(self, *args, **options) -> None:
        """django-tasks-db's task loop, started again when it loses the database.

        Its own loop rides out SQLite's "database is locked" when fetching a
        task raises it, but not when the BEGIN before the fetch does, and ends
        on every other OperationalError, a dropped PostgreSQL connection among
        them. A restart is a fresh loop with the same worker id (`--max-tasks`
        counts anew). In `--batch` mode too, as its loop already waits out a
        locked fetch there.
        """
        backoff = Backoff()
        while True:
            try:
                return super().handle(*args, **options)
            except OperationalError as error:
                delay = backoff.next()
                log.warning("task loop: %s; retrying in %.0f s", reason(error), delay)
                if getattr(self, "beat", None):
                    # Whatever it was running is lost: take_back_tasks sees to it.
                    self.beat.task_id = None
                connections.close_all()
                time.sleep(delay)
                options["startup_delay"] = False
