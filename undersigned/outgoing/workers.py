"""Which workers are alive, task rows a dead worker left running, and the
stuck work staff should see.

django-tasks-db marks a task row RUNNING when a worker takes it and
finished when the task returns; a worker killed mid-task (SIGKILL, out of
memory) or one that lost the database while finishing leaves the row
RUNNING for ever. Every `undersigned worker` therefore reports itself in a
`WorkerBeat` row every few seconds, with the task it is running, and
`take_back_tasks()` (a worker duty) makes such rows ready again: our tasks
take ids and are safe to run twice. A task taken back twice already is
marked failed instead, so one that kills its worker cannot do it for ever.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import Failure, State, WorkerBeat
from .work import kinds

# A worker that reported nothing for this many of its beats is gone.
MISSED_BEATS = 3
# A running task row whose worker never reported (a bare `db_worker`, or a
# worker of a version before beats) is taken back only after this long.
UNKNOWN_WORKER_GRACE = timedelta(minutes=10)
# A task taken this many times without finishing is failed, not run again.
MAX_TAKES = 3
# Due work this late, with nothing sending it, is shown to staff as stuck.
LATE = timedelta(minutes=5)


class WorkerLost(Exception):
    """What a task row taken back too often is marked failed with."""


def beat(worker_id: str, *, started_at: datetime, every: float, task_id: Any = None) -> None:
    now = timezone.now()
    WorkerBeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
            "expires_at": now + timedelta(seconds=MISSED_BEATS * every),
            "task_id": uuid.UUID(str(task_id)) if task_id else None,
        },
    )


def gone(worker_id: str) -> None:
    """A worker that stops cleanly says so."""
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def _abandoned(row: Any, beats: dict[str, WorkerBeat], now: datetime) -> str:
    """Why a running task row is abandoned, or "" if it is not."""
    worker = row.worker_ids[-1] if row.worker_ids else ""
    found = beats.get(worker)
    if found is None:
        return "its worker is unknown" if row.started_at < now - UNKNOWN_WORKER_GRACE else ""
    if found.expires_at < now:
        return "its worker stopped"
    # A beat a whole interval after the task started knows whether it runs it
    # (one just after may have been written before the task began).
    every = (found.expires_at - found.beat_at) / MISSED_BEATS
    if found.task_id == row.id or found.beat_at <= row.started_at + every:
        return ""
    return "its worker dropped it (the database went away mid-task)"


def take_back_tasks(now: datetime | None = None) -> int:
    """Make task rows that dead (or distracted) workers left RUNNING ready
    again, or failed after MAX_TAKES; returns how many were changed."""
    now = now or timezone.now()
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    if not running:
        return 0
    beats = {b.worker_id: b for b in WorkerBeat.objects.all()}
    changed = 0
    for row in running:
        why = _abandoned(row, beats, now)
        if not why:
            continue
        same = DBTaskResult.objects.filter(pk=row.pk, status=row.status, started_at=row.started_at)
        if len(row.worker_ids) >= MAX_TAKES:
            changed += same.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"Taken {len(row.worker_ids)} times without finishing; last: {why}.",
            )
        else:
            changed += same.update(status=TaskResultStatus.READY, started_at=None)
    WorkerBeat.objects.filter(expires_at__lt=now - timedelta(days=1)).delete()
    return changed


def task_waiting(paths: list[str], argument: str) -> bool:
    """Whether a task of one of these paths, with this first argument, is
    ready or running (so that enqueueing it again would double it)."""
    return DBTaskResult.objects.filter(
        task_path__in=paths,
        status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING],
        args_kwargs__args__0=argument,
    ).exists()


@dataclass
class KindReport:
    name: str
    counts: dict[str, int] = field(default_factory=dict)
    late: int = 0
    oldest_late: datetime | None = None
    stale_claims: int = 0
    failed_by_cause: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    workers: list[WorkerBeat]
    kinds: list[KindReport]
    tasks_ready_late: int
    tasks_running: int
    tasks_abandoned: int
    tasks_lost: int

    @property
    def anything_stuck(self) -> bool:
        return bool(
            self.tasks_ready_late
            or self.tasks_abandoned
            or any(k.late or k.stale_claims or k.counts.get(State.FAILED) for k in self.kinds)
        )


def report(now: datetime | None = None) -> Report:
    """What staff should know about outgoing work and the workers: a handful
    of aggregate queries, whatever the size of the queues."""
    now = now or timezone.now()
    beats = {b.worker_id: b for b in WorkerBeat.objects.all()}
    running = list(DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING))
    tasks = DBTaskResult.objects.filter(status=TaskResultStatus.READY, run_after__lt=now - LATE)
    lost = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"
    return Report(
        workers=[b for b in beats.values() if b.expires_at >= now],
        kinds=[_kind_report(kind, now) for kind in kinds()],
        tasks_ready_late=tasks.count(),
        tasks_running=len(running),
        tasks_abandoned=sum(1 for row in running if _abandoned(row, beats, now)),
        tasks_lost=DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, exception_class_path=lost
        ).count(),
    )


def _kind_report(kind: Any, now: datetime) -> KindReport:
    rows = kind.model.objects.filter(**kind.only)
    result = KindReport(kind.name)
    result.counts = dict(rows.values_list("state").annotate(n=Count("pk")).order_by())
    late = rows.filter(state=State.PENDING, next_try_at__lt=now - LATE).aggregate(
        n=Count("pk"), oldest=Min("next_try_at")
    )
    result.late, result.oldest_late = late["n"], late["oldest"]
    result.stale_claims = rows.filter(
        state=State.SENDING, claimed_at__lt=now - kind.transport.lease()
    ).count()
    failed = rows.filter(state=State.FAILED).values_list("failure").annotate(n=Count("pk"))
    labels = dict(Failure.choices)
    result.failed_by_cause = {labels.get(cause, cause): n for cause, n in failed.order_by()}
    return result
