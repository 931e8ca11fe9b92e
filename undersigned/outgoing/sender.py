"""The sender: the worker's thread that sends every kind of outgoing work.

`run()` loops until told to stop: a pass claims a batch of each kind that is
due and sends it (work.py); when nothing was due it waits a moment (`idle`)
and looks again, with a read only, so an idle sender costs no write lock.
A pass that found only a few rows (fewer than `FEW`, and no kind's whole
batch) waits the same moment before the next: a pass has fixed costs (a
look at each kind, the claim's transaction), and work that trickles in, as
a sign surge's confirmation e-mails do, would otherwise pay them for one or
two messages each (`bench/mailrate.py --rate`). No message waits longer for
it than it would have waited for an idle sender to look.
Every `housekeeping` seconds it takes back rows whose worker died and probes
a transport that has work given up for an outage. Sessions (the SMTP
connection) stay open while work flows and close after `keep_open` idle
seconds. `drain()` does the same until nothing is due, in the calling
thread (tests, `undersigned worker --batch`).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError, close_old_connections, connection

from . import work

log = logging.getLogger(__name__)

KEEP_OPEN = 10.0
FEW = 10
HOUSEKEEPING = 10.0
PROBE_EVERY = 15 * 60.0


def housekeeping(sessions: work.Sessions, *, probe: bool) -> None:
    """Take back stale claims; bring back what an outage made fail if a
    transport worked since the last time; with `probe`, try one given-up row
    of each transport that has some (work.probe)."""
    for kind in work.kinds():
        work.reclaim_stale(kind)
    sessions.recover()
    if probe:
        for transport in {kind.transport.name: kind.transport for kind in work.kinds()}.values():
            work.probe(transport)


def run(stop: threading.Event, *, idle: float = 0.2, keep_open: float = KEEP_OPEN,
        probe: bool = True) -> None:  # fmt: skip
    """Send until `stop` is set. A database error is logged in one line and
    the loop goes on after a pause (1 s, doubling to 30 s while it lasts).
    Several threads may run it: each claims its own batches and keeps its own
    connection; one of them (`probe`) probes given-up work."""
    sessions = work.Sessions()
    next_housekeeping = next_probe = 0.0
    pause = 1.0
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                now = time.monotonic()
                if now >= next_housekeeping:
                    housekeeping(sessions, probe=probe and now >= next_probe)
                    next_housekeeping = now + HOUSEKEEPING
                    next_probe = next_probe if now < next_probe else now + PROBE_EVERY
                sent = work.send_due(sessions, stop=stop)
                pause = 1.0
            except DatabaseError as error:
                log.warning("sender: %s; going on in %.0f s", str(error).partition("\n")[0], pause)
                connection.close()
                stop.wait(pause)
                pause = min(pause * 2, 30.0)
                continue
            if not sent:
                sessions.close_idle(keep_open)
            if sent < FEW and not sessions.filled:
                stop.wait(idle)
    finally:
        sessions.close()
        connection.close()


def drain(*, limit: int = 10_000) -> int:
    """Send everything that is due now, then close the sessions. Returns how
    many rows were claimed or deferred (in at most `limit` passes)."""
    sessions = work.Sessions()
    total = 0
    try:
        for _ in range(limit):
            housekeeping(sessions, probe=False)
            handled = work.send_due(sessions)
            if not handled:
                break
            total += handled
    finally:
        sessions.close()
    return total
