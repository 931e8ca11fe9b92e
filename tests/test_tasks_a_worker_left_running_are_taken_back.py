"""Task rows a worker left RUNNING are taken back, and staff see stuck work.

django-tasks-db marks a task row RUNNING when a worker takes it; a worker
killed mid-task, or one that lost the database while finishing it, left the
row RUNNING for ever (issue 11, item 22: 5, 3 and 2 such rows in three
runs). Each `undersigned worker` now reports itself every few seconds with
the task it runs (outgoing.models.WorkerBeat), and a duty of every worker
makes abandoned rows ready again (our tasks are safe to run twice), or
failed once one has been taken three times.
"""

from __future__ import annotations

import json
import signal
import subprocess
from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from undersigned.deliveries.management.commands import worker
from undersigned.outgoing import workers
from undersigned.outgoing.models import WorkerBeat

from .conftest import run_worker
from .delivery_helpers import wait_for
from .tasks_for_tests import slow_the_first_time
from .worker_processes import BIN, ROOT, ScenarioDatabase, run, worker_env


def running_task(tmp_path, *, worker_id: str, started_ago: timedelta, takes: int = 1):
    """A task row as a worker leaves it while running the task."""
    result = slow_the_first_time.enqueue(str(tmp_path / "task.log"))
    (tmp_path / "task.log").write_text("started\n")  # so that running it again is quick
    DBTaskResult.objects.filter(pk=result.id).update(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        worker_ids=[*(f"earlier-{n}" for n in range(takes - 1)), worker_id],
    )
    return DBTaskResult.objects.get(pk=result.id)


def alive(worker_id: str, *, task_id=None, every: float = 5.0) -> None:
    workers.beat(worker_id, started_at=timezone.now() - timedelta(hours=1), every=every,
                 task_id=task_id)  # fmt: skip


@pytest.mark.django_db
def test_a_task_whose_worker_stopped_reporting_runs_again(tmp_path):
    row = running_task(tmp_path, worker_id="killed", started_ago=timedelta(minutes=2))
    alive("killed")
    WorkerBeat.objects.filter(worker_id="killed").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert workers.take_back_tasks() == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.READY
    run_worker()
    row.refresh_from_db()
    assert (row.status, row.return_value) == (TaskResultStatus.SUCCESSFUL, "done")


@pytest.mark.django_db
def test_a_task_its_living_worker_dropped_runs_again(tmp_path):
    """The worker lost the database while finishing the task: it goes on, the row does not."""
    row = running_task(tmp_path, worker_id="distracted", started_ago=timedelta(minutes=1))
    alive("distracted", task_id=None)
    assert workers.take_back_tasks() == 1
    assert DBTaskResult.objects.get(pk=row.pk).status == TaskResultStatus.READY


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_loses_the_database_finishing_a_task_has_it_taken_back(tmp_path):
    """The real task loop: finishing the task fails (the database went away),
    the loop starts again, and the row it left RUNNING is run again."""
    log = tmp_path / "task.log"
    log.write_text("started\n")  # runs are quick
    result = slow_the_first_time.enqueue(str(log))
    command = worker.Command()
    command.beat = worker.Beat("loop", every=5.0)
    command.beat.listen()
    real_save = DBTaskResult.save
    failures = []

    def save(row, *args, **kwargs):
        # The six writes that finish the task (three tries to record success,
        # three to record failure) fail; claiming it does not.
        if row.status != TaskResultStatus.RUNNING and len(failures) < 6:
            failures.append(row.status)
            raise OperationalError("server closed the connection unexpectedly")
        return real_save(row, *args, **kwargs)

    try:
        with mock.patch.object(DBTaskResult, "save", save), mock.patch("time.sleep"):
            command.run_tasks(batch=True, interval=0, startup_delay=False, worker_id="loop",
                              queue_name="*", backend_name="default", reload=False,
                              max_tasks=None, exclude_queues="", verbosity=0)  # fmt: skip
        assert len(failures) == 6
        row = DBTaskResult.objects.get(pk=result.id)
        assert row.status == TaskResultStatus.RUNNING  # left as it was
        assert command.beat.task_id is None  # the loop knows it runs nothing
        command.beat()  # its next report, a beat's length after the task started
        later = timezone.now() + timedelta(seconds=6)
        WorkerBeat.objects.update(beat_at=later, expires_at=later + timedelta(seconds=15))
        assert workers.take_back_tasks(now=later) == 1
        run_worker()
        row.refresh_from_db()
        assert row.status == TaskResultStatus.SUCCESSFUL
    finally:
        command.beat.stop()


@pytest.mark.django_db
def test_a_task_its_worker_is_running_is_left_alone(tmp_path):
    long = running_task(tmp_path, worker_id="busy", started_ago=timedelta(hours=1))
    alive("busy", task_id=long.pk)
    running_task(tmp_path, worker_id="starting", started_ago=timedelta(seconds=1))
    alive("starting", task_id=None)  # reported just before it took the task
    assert workers.take_back_tasks() == 0
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {TaskResultStatus.RUNNING}
    assert long.status == TaskResultStatus.RUNNING


@pytest.mark.django_db
def test_a_task_of_a_worker_that_never_reported_gets_ten_minutes(tmp_path):
    """A bare `db_worker` (or a worker from before the reports) says nothing."""
    unknown = running_task(tmp_path, worker_id="db_worker", started_ago=timedelta(minutes=5))
    assert workers.take_back_tasks() == 0
    assert workers.take_back_tasks(now=timezone.now() + timedelta(minutes=6)) == 1
    assert DBTaskResult.objects.get(pk=unknown.pk).status == TaskResultStatus.READY


@pytest.mark.django_db
def test_a_task_taken_back_three_times_is_failed_not_run_again(tmp_path):
    row = running_task(tmp_path, worker_id="third", started_ago=timedelta(minutes=30), takes=3)
    assert workers.take_back_tasks(now=timezone.now() + timedelta(minutes=30)) == 1
    row.refresh_from_db()
    assert row.status == TaskResultStatus.FAILED
    assert row.exception_class_path == "undersigned.outgoing.workers.WorkerLost"


@pytest.mark.django_db
def test_staff_see_stuck_work(tmp_path, staff_client):
    running_task(tmp_path, worker_id="killed", started_ago=timedelta(minutes=30))
    page = staff_client.get(reverse("admin:outgoing_workerbeat_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Stuck work" in text
    assert "1 running, of which 1 left by a worker that stopped" in text
    assert "No worker is running" in text


def test_a_worker_killed_mid_task_leaves_a_row_the_next_worker_runs(tmp_path):
    """The real thing: `undersigned worker` killed with SIGKILL while a task runs."""
    log = tmp_path / "task.log"
    with ScenarioDatabase(tmp_path) as database:
        # The task is the tests' own (tests/tasks_for_tests.py).
        env = worker_env(tmp_path, database, PYTHONPATH=str(ROOT))
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        run([str(BIN / "python"), "-c", ENQUEUE, str(log)], env)
        worker_log = tmp_path / "worker.log"

        def start() -> subprocess.Popen:
            return subprocess.Popen(
                [str(BIN / "undersigned"), "worker", "--no-startup-delay", "--interval", "0.2",
                 "--counting", "off", "--beat-every", "0.5", "--requeue-every", "0.5"],
                env=env, cwd=ROOT, stdout=worker_log.open("ab"), stderr=subprocess.STDOUT,
            )  # fmt: skip

        first = start()
        try:
            assert wait_for(lambda: log.exists(), 60), worker_log.read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        [(status,)] = database.query("SELECT status FROM django_tasks_database_dbtaskresult")
        assert status == "RUNNING"  # as the killed worker left it
        second = start()
        try:
            finished = wait_for(lambda: "finished" in log.read_text(), 60)
            assert finished, worker_log.read_text()
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)
        [(status, workers_seen)] = database.query(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult"
        )
        assert status == "SUCCESSFUL"
        assert log.read_text().splitlines() == ["started", "started", "finished"]
        # The second worker said goodbye; the killed one never could.
        beats = database.query("SELECT COUNT(*) FROM outgoing_workerbeat")
        assert beats == [(1,)]
        if isinstance(workers_seen, str):  # SQLite gives the JSON text
            workers_seen = json.loads(workers_seen)
        assert len(workers_seen) == 2  # two workers took it


ENQUEUE = """
import sys, django
django.setup()
from tests.tasks_for_tests import slow_the_first_time
from django.db import transaction
with transaction.atomic():
    slow_the_first_time.enqueue(sys.argv[1])
"""
