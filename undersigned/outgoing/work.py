"""One way to claim, send, retry and give up outgoing work.

Every kind of outgoing work (e-mails to signers, letters to lawmakers, later
supporter updates and webhooks) is a concrete `OutgoingWork` model and a
`Kind` registered here from its app's `AppConfig.ready()`. The worker's
sender (sender.py) then does the same for every kind:

- **claim** up to a batch of due rows (pending, `next_try_at` passed), in
  priority order, in one transaction (`SELECT … FOR UPDATE SKIP LOCKED` on
  PostgreSQL; SQLite's write lock serialises claims), after the kind's
  throttle has moved the rows over its caps to later;
- **send** each through a session kept open per transport (one SMTP
  connection for the whole batch and the next);
- **record** "sent" in a transaction of its own right after the server's
  reply; if that write fails, the write is retried, never the send;
- on failure, **retry** after a jittered exponential backoff (first_retry,
  doubling, at most longest_wait) until `give_up_after` has passed since the
  work was queued: giving up is a matter of time, not of a number of tries;
  a refusal for good (SMTP 5xx) fails at once;
- a sending row whose claim is older than the transport's **lease** (a
  multiple of its timeout) belongs to a worker that died: it is taken back;
- after an **outage**, once anything of a transport goes out again, every
  row that failed for the outage is due at once, given up or not (the
  sender checks every few seconds; `probe` tries a given-up row now and
  then when nothing else would find out).

docs/outgoing.md explains how to add a kind.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from django.db import DatabaseError, connection, transaction
from django.db.models import Case, DateTimeField, F, Field, QuerySet, Value, When
from django.utils import timezone

from .models import Failure, OutgoingWork, State

log = logging.getLogger(__name__)

# A claim is renewed before each send once it is older than one timeout, and
# one send takes at most a few timeouts (connect, MAIL, RCPT, DATA, the
# reply): a claim older than this many belongs to a worker that is gone.
LEASE_TIMEOUTS = 6


class Session(Protocol):
    """A transport's connection, kept open between sends (an SMTP connection)."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class Transport:
    """How work gets out: its sessions, its timeout and what its errors mean."""

    name: str
    open: Callable[[], Session]
    # Seconds one step of a send may take (EMAIL_TIMEOUT for SMTP).
    timeout: Callable[[], float]
    classify: Callable[[BaseException], str]
    # A summary safe to store: no address, no reply text.
    describe: Callable[[BaseException], str]

    def lease(self) -> timedelta:
        return timedelta(seconds=LEASE_TIMEOUTS * self.timeout())


def _unchanged(queryset: QuerySet[Any]) -> QuerySet[Any]:
    return queryset


@dataclass(frozen=True)
class Kind:
    """One kind of outgoing work: its rows, how one is sent, and its timing."""

    name: str
    model: type[OutgoingWork]
    transport: Transport
    # Hand one claimed row over through the transport's session; raise on failure.
    send: Callable[[Any, Any], None]
    give_up_after: timedelta
    first_retry: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(minutes=15)
    batch: int = 50
    # What sending reads with the row (select_related), fetched in the claim.
    fetch: Callable[[QuerySet[Any]], QuerySet[Any]] = _unchanged
    # Rows over the kind's caps, and when to try each again (outbox/caps.py).
    throttle: Callable[[list[Any], datetime], dict[Any, datetime]] | None = None
    # Told about rows that ended (sent, or failed for good) after each batch.
    finished: Callable[[list[Any]], None] | None = None
    # Only rows that match, if the model holds other work too.
    only: dict[str, Any] = field(default_factory=dict)

    def due(self, now: datetime) -> QuerySet[Any]:
        return self.model.objects.filter(state=State.PENDING, next_try_at__lte=now, **self.only)


_kinds: dict[str, Kind] = {}


def register(kind: Kind) -> None:
    """Make a kind of work known to every worker's sender (from AppConfig.ready())."""
    _kinds[kind.name] = kind


def kinds() -> list[Kind]:
    return list(_kinds.values())


def backoff(kind: Kind, tries: int) -> timedelta:
    """How long to wait after `tries` failed tries: first_retry, doubling, at most
    longest_wait, each drawn between half and all of that (jitter, so that work
    that failed together does not come back together). Nothing after none."""
    if tries <= 0:
        return timedelta(0)
    nominal = min(kind.longest_wait, kind.first_retry * 2 ** min(tries - 1, 20))
    jittered: timedelta = nominal * random.uniform(0.5, 1.0)
    return jittered


# Claiming ---------------------------------------------------------------------


def claim(kind: Kind, *, now: datetime | None = None, limit: int | None = None,
          pk: Any = None) -> tuple[list[Any], int]:  # fmt: skip
    """Take up to a batch of due rows for sending: (the rows, how many were deferred).

    A read first: an idle queue costs no write lock (SQLite has one for the
    whole database). Rows over the kind's caps get a later `next_try_at`
    instead (never dropped); the others become `sending`, with a try counted.
    """
    now = now or timezone.now()
    due = kind.due(now)
    if pk is not None:
        due = due.filter(pk=pk)
    if not due.exists():
        return [], 0
    with transaction.atomic():
        locked = kind.fetch(due.select_for_update(skip_locked=True, of=("self",)))
        rows = list(locked.order_by("priority", "next_try_at")[: limit or kind.batch])
        deferred = kind.throttle(rows, now) if kind.throttle and rows else {}
        _defer(kind, deferred)
        claimed = [row for row in rows if row.pk not in deferred]
        if claimed:
            kind.model.objects.filter(pk__in=[row.pk for row in claimed]).update(
                state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
    for row in claimed:
        row.state, row.claimed_at, row.attempts = State.SENDING, now, row.attempts + 1
    return claimed, len(deferred)


def _defer(kind: Kind, deferred: dict[Any, datetime]) -> None:
    """Each row to its own time, in one statement."""
    if deferred:
        kind.model.objects.filter(pk__in=list(deferred)).update(
            next_try_at=Case(
                *(When(pk=pk, then=Value(when)) for pk, when in deferred.items()),
                output_field=DateTimeField(),
            )
        )


def renew(kind: Kind, rows: list[Any], now: datetime) -> None:
    """Extend the claim on rows this worker still has to send."""
    kind.model.objects.filter(pk__in=[row.pk for row in rows], state=State.SENDING).update(
        claimed_at=now
    )
    for row in rows:
        row.claimed_at = now


def release(kind: Kind, rows: list[Any]) -> None:
    """Give back claimed rows not tried (the worker is stopping): due at once,
    the try not counted."""
    if rows:
        kind.model.objects.filter(pk__in=[row.pk for row in rows], state=State.SENDING).update(
            state=State.PENDING, attempts=F("attempts") - 1, next_try_at=timezone.now()
        )


# Recording --------------------------------------------------------------------


def record_sent(kind: Kind, row: Any, stop: threading.Event | None = None) -> bool:
    """Record that the server accepted the row, in a transaction of its own.

    Sending again what a server has accepted is the one duplicate we can
    prevent, so a failed write is written again (the database may be
    restarting, the connection gone), for as long as it takes, never sent
    again. Only a worker told to stop gives up, and says so: that row is
    then sent twice (docs/deliveries.md, "Exactly once, nearly").
    """
    delay = 0.05
    while True:
        try:
            # One statement in autocommit mode: a transaction of its own, in
            # one round trip (no BEGIN, no COMMIT to wait for separately).
            _mark_sent(kind.model, row.pk, timezone.now())
            row.state = State.SENT
            return True
        except DatabaseError as error:
            if stop is not None and stop.is_set():
                log.error("%s %s was sent, but recording it failed: %s; it will be sent "
                          "again", kind.name, row.pk, type(error).__name__)  # fmt: skip
                return False
            log.warning("%s %s was sent; recording it failed (%s), writing it again in "
                        "%.2f s", kind.name, row.pk, type(error).__name__, delay)  # fmt: skip
            _reconnect()
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _mark_sent(model: type[OutgoingWork], pk: Any, now: datetime) -> None:
    """One UPDATE by primary key, as QuerySet.update() would write it, without
    building the query each time: this runs once per message sent, and the
    ORM's query building was a sixth of the sender's CPU."""
    meta = model._meta
    quote = connection.ops.quote_name
    key = meta.pk
    assert key is not None
    state, sent_at, failure, last_error = (
        cast("Field[Any, Any]", meta.get_field(name))
        for name in ("state", "sent_at", "failure", "last_error")
    )
    columns = ", ".join(
        f"{quote(str(f.column))} = %s" for f in (state, sent_at, failure, last_error)
    )
    # Names from the model, values as parameters.
    sql = f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(str(key.column))} = %s"  # noqa: S608
    values = [State.SENT.value, sent_at.get_db_prep_value(now, connection), "", ""]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, key.get_db_prep_value(pk, connection)])


def _reconnect() -> None:
    """Drop a connection that may be broken, unless a caller's transaction
    holds it (a test's): closing that would abort the caller's work."""
    if not connection.in_atomic_block:
        connection.close()


@dataclass(frozen=True)
class Outcome:
    failure: str
    gave_up: bool


def record_failure(kind: Kind, row: Any, error: BaseException, now: datetime) -> Outcome:
    """Record a failed try: due again after the backoff, or failed for good
    when the server refused it for good or the kind's time is up."""
    failure = kind.transport.classify(error)
    gave_up = failure == Failure.REFUSED or now - row.queued_at >= kind.give_up_after
    summary = kind.transport.describe(error)[:200]
    retry_at = now + backoff(kind, row.attempts)
    try:
        kind.model.objects.filter(pk=row.pk, state=State.SENDING, claimed_at=row.claimed_at).update(
            state=State.FAILED if gave_up else State.PENDING,
            next_try_at=retry_at,
            failure=failure,
            last_error=summary,
        )
    except DatabaseError as error_recording:
        # The row stays claimed; when its lease runs out it is tried again.
        log.warning("%s %s: recording a failed try failed too (%s)", kind.name, row.pk,
                    type(error_recording).__name__)  # fmt: skip
        _reconnect()
    row.state, row.failure = State.FAILED if gave_up else State.PENDING, failure
    row.next_try_at, row.last_error = retry_at, summary
    log.warning(
        "%s %s: try %s failed (%s)%s", kind.name, row.pk, row.attempts, summary,
        "; given up" if gave_up else f"; next try in {(retry_at - now).total_seconds():.0f} s",
    )  # fmt: skip
    return Outcome(failure, gave_up)


def wait_out_outage(kind: Kind, rows: list[Any], failed: Any, now: datetime) -> list[Any]:
    """Claimed rows not tried because the row before them found the transport
    down: they wait as it does, their try not counted, and those whose time
    is up fail with it. Returns those."""
    if not rows:
        return []
    given_up = [row for row in rows if now - row.queued_at >= kind.give_up_after]
    waiting = [row for row in rows if row not in given_up]
    claimed = kind.model.objects.filter(state=State.SENDING)
    for group, state in ((given_up, State.FAILED), (waiting, State.PENDING)):
        if group:
            claimed.filter(pk__in=[row.pk for row in group]).update(
                state=state,
                attempts=F("attempts") - 1,
                next_try_at=failed.next_try_at,
                failure=Failure.OUTAGE,
                last_error=failed.last_error,
            )
    return given_up


# Recovering -------------------------------------------------------------------


def reclaim_stale(kind: Kind, now: datetime | None = None) -> int:
    """Take back rows whose sender died mid-send (their lease ran out).

    The dead worker may have handed a row over before it died, so it is sent
    again, with the same Message-ID. Due at once the first time, after the
    usual backoff if it keeps happening (a message that kills its worker);
    failed when the kind's time is up.
    """
    now = now or timezone.now()
    stale = kind.model.objects.filter(
        state=State.SENDING, claimed_at__lt=now - kind.transport.lease(), **kind.only
    )
    rows = list(stale.values_list("pk", "attempts", "queued_at", "claimed_at"))
    for pk, attempts, queued_at, claimed_at in rows:
        gave_up = now - queued_at >= kind.give_up_after
        kind.model.objects.filter(pk=pk, state=State.SENDING, claimed_at=claimed_at).update(
            state=State.FAILED if gave_up else State.PENDING,
            next_try_at=now + backoff(kind, attempts - 1),
            failure=Failure.ERROR,
            last_error="the worker sending it stopped",
        )
    if rows:
        log.warning("%s: took back %d claimed by a worker that stopped", kind.name, len(rows))
    return len(rows)


def recover(transport: Transport, now: datetime | None = None) -> int:
    """Something went out through `transport` after an outage: every row of
    its kinds that failed for the outage is due again now, and the given-up
    ones get their time again."""
    now = now or timezone.now()
    count = 0
    for kind in kinds():
        if kind.transport is not transport:
            continue
        outage = kind.model.objects.filter(failure=Failure.OUTAGE, **kind.only)
        count += outage.filter(state=State.FAILED).update(
            state=State.PENDING, next_try_at=now, queued_at=now, failure=""
        )
        count += outage.filter(state=State.PENDING).update(next_try_at=now, failure="")
    if count:
        log.info("%s works again: %d waiting for it are due now", transport.name, count)
    return count


def probe(transport: Transport, now: datetime | None = None) -> bool:
    """When work was given up for an outage and nothing of the transport is
    trying any more, try one such row again: if it goes out, `recover` brings
    back the rest; if not, it fails again at once."""
    now = now or timezone.now()
    ours = [kind for kind in kinds() if kind.transport is transport]
    outage = [kind.model.objects.filter(failure=Failure.OUTAGE, **kind.only) for kind in ours]
    if any(rows.filter(state=State.PENDING).exists() for rows in outage):
        return False
    for rows in outage:
        oldest = rows.filter(state=State.FAILED).order_by("next_try_at").first()
        if oldest is not None:
            return bool(
                rows.filter(pk=oldest.pk, state=State.FAILED).update(
                    state=State.PENDING, next_try_at=now
                )
            )
    return False


def retry(rows: QuerySet[Any], now: datetime | None = None) -> int:
    """Staff: try failed rows again, from the start (after fixing an address, say)."""
    now = now or timezone.now()
    return rows.filter(state=State.FAILED).update(
        state=State.PENDING, next_try_at=now, queued_at=now, failure="", last_error=""
    )


# Sending ----------------------------------------------------------------------


class Sessions:
    """The open session of each transport, for one sending thread."""

    def __init__(self) -> None:
        self.open: dict[str, Session] = {}
        self.used: dict[str, float] = {}
        # Transports that got something out since the last recovery check.
        self.worked: dict[str, Transport] = {}
        # Whether the last pass (send_due) took a whole batch of some kind:
        # more may be due, so the sender should not wait.
        self.filled = False

    def get(self, transport: Transport) -> Session:
        session = self.open.get(transport.name)
        if session is None:
            session = self.open[transport.name] = transport.open()
        self.used[transport.name] = time.monotonic()
        return session

    def went_out(self, transport: Transport) -> None:
        self.worked[transport.name] = transport

    def recover(self) -> int:
        """Bring back what failed for an outage of a transport that works now."""
        worked, self.worked = self.worked, {}
        return sum(recover(transport) for transport in worked.values())

    def close_idle(self, seconds: float) -> None:
        for name in [n for n, used in self.used.items() if time.monotonic() - used > seconds]:
            self._close(name)

    def close(self) -> None:
        for name in list(self.open):
            self._close(name)

    def _close(self, name: str) -> None:
        session = self.open.pop(name, None)
        self.used.pop(name, None)
        if session is not None:
            session.close()


def process(kind: Kind, rows: list[Any], sessions: Sessions,
            stop: threading.Event | None = None) -> None:  # fmt: skip
    """Send claimed rows one by one and record each outcome at once."""
    ended: list[Any] = []
    try:
        for index, row in enumerate(rows):
            if stop is not None and stop.is_set():
                release(kind, rows[index:])
                return
            if _send_one(kind, row, rows[index:], sessions, stop, ended):
                return
    finally:
        if ended and kind.finished is not None:
            kind.finished(ended)


def _send_one(kind: Kind, row: Any, left: list[Any], sessions: Sessions,
              stop: threading.Event | None, ended: list[Any]) -> bool:  # fmt: skip
    """Send one row; True when the rest of the batch must wait (an outage)."""
    now = timezone.now()
    if (now - row.claimed_at).total_seconds() > kind.transport.timeout():
        renew(kind, left, now)
    try:
        kind.send(row, sessions.get(kind.transport))
    except Exception as error:
        outcome = record_failure(kind, row, error, timezone.now())
        if outcome.gave_up:
            ended.append(row)
        if outcome.failure == Failure.OUTAGE:
            ended += wait_out_outage(kind, left[1:], row, timezone.now())
            return True
        return False
    record_sent(kind, row, stop)
    ended.append(row)
    sessions.went_out(kind.transport)
    return False


def send_due(sessions: Sessions, *, stop: threading.Event | None = None,
             only: Iterable[Kind] | None = None) -> int:  # fmt: skip
    """One pass: claim a batch of each kind and send it. Returns how many rows
    were claimed or deferred (0: nothing was due)."""
    handled, sessions.filled = 0, False
    for kind in only or kinds():
        rows, deferred = claim(kind)
        handled += len(rows) + deferred
        sessions.filled |= len(rows) + deferred >= kind.batch
        if rows:
            process(kind, rows, sessions, stop)
    return handled


def send_one(kind: Kind, pk: Any) -> bool:
    """Send one row now if it is due (for tasks queued before the sender existed)."""
    sessions = Sessions()
    try:
        rows, _deferred = claim(kind, pk=pk)
        process(kind, rows, sessions)
    finally:
        sessions.close()
    return bool(rows) and rows[0].state == State.SENT
