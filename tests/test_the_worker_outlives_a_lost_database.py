"""The worker's task loop outlives a database it loses for a while: SQLite
locked by another writer for longer than the busy timeout (in the benchmark
a long import did this and `undersigned worker` exited), or a PostgreSQL
connection dropped mid-query. It logs one line, waits a little and goes on
to run the next task.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResultQuerySet

from .conftest import form_data
from .delivery_helpers import SMTPServer, wait_for
from .worker_processes import BIN, ROOT, ScenarioDatabase, run, worker_env


@contextmanager
def failing_once(owner, name: str, error: Exception):
    """`owner.name` raises `error` the first time it is called, then works."""
    real = getattr(owner, name)
    calls = []

    def fail_first(*args, **kwargs):
        calls.append(name)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    with mock.patch.object(owner, name, fail_first):
        yield calls


def sign(client, campaign) -> None:
    """A supporter signs: their confirmation e-mail waits in the task queue."""
    client.post(reverse("sign", args=[campaign.slug]), form_data())


def run_worker_batch() -> None:
    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_a_database_locked_at_begin_does_not_end_the_worker(client, campaign, outbox, caplog):
    sign(client, campaign)
    # Where the benchmark's worker died: the BEGIN before fetching a task.
    locked = OperationalError("database is locked")
    with failing_once(db_worker, "exclusive_transaction", locked) as calls:
        run_worker_batch()
    assert len(calls) > 1  # it failed, then fetched again
    assert [m.subject.split(":")[0] for m in outbox] == ["Please confirm your signature"]
    assert "task loop: database is locked; retrying in 1 s" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_does_not_end_the_worker(client, campaign, outbox, caplog):
    sign(client, campaign)
    dropped = OperationalError(
        "consuming input failed: server closed the connection unexpectedly\n"
        "\tThis probably means the server terminated abnormally"
    )
    with failing_once(DBTaskResultQuerySet, "get_locked", dropped) as calls:
        run_worker_batch()
    assert len(calls) > 1
    assert [m.subject.split(":")[0] for m in outbox] == ["Please confirm your signature"]
    assert "server closed the connection unexpectedly; retrying" in caplog.text
    assert "This probably means" not in caplog.text  # one line, never the driver's detail


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="an SQLite write lock")
def test_a_real_sqlite_lock_held_beyond_the_busy_timeout_does_not_end_the_worker(tmp_path):
    """The real thing: another writer holds SQLite's write lock past the busy
    timeout (0.2 s here, 20 s in production) while the worker starts."""
    with ScenarioDatabase(tmp_path) as database, SMTPServer() as smtp:
        env = worker_env(tmp_path, database, smtp_port=smtp.port, short_busy_timeout=True)
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        # 100 confirmed signers: counting them creates a milestone delivery.
        run([sys.executable, "-m", "tests.delivery_scenario", "setup", "100"], env)
        log = tmp_path / "worker.log"
        writer = sqlite3.connect(database.tmp_path / "scenario.sqlite3", isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")
        worker = subprocess.Popen(
            [str(BIN / "undersigned"), "worker", "--no-startup-delay", "--interval", "0.2"],
            env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            assert wait_for(lambda: "Starting worker" in log.read_text(), 30), log.read_text()
            time.sleep(1)  # the loop's BEGIN gives up after 0.2 s
            writer.execute("ROLLBACK")
            assert worker.poll() is None, log.read_text()
            # Once the lock is gone, the milestone is counted, rendered and sent.
            assert wait_for(lambda: len(smtp.mailbox.letters()) == 2, 30), log.read_text()
            assert "task loop: database is locked; retrying in 1 s" in log.read_text()
        finally:
            writer.close()
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
