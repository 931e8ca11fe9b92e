"""Once the mail server has accepted an e-mail, a failure to record that is
mended by writing the record again, never by sending again.

Issue 11 (item 20) saw a lost database connection after SMTP succeeded send
the e-mail again 11 minutes later. Now "sent" is committed in a statement of
its own right after the server's reply, and when that write fails the sender
writes it again until it holds. Tried three ways: the write raising once in
this process; a real `undersigned worker` whose PostgreSQL connections are
all terminated the moment the server accepts a message; and one whose
SQLite database is locked by another writer past its busy timeout just then.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
from collections import Counter
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

from undersigned.outbox.models import Email
from undersigned.outgoing import work
from undersigned.signatures import actions

from .conftest import run_worker
from .delivery_helpers import SMTPServer, wait_for
from .pooler import unpooled
from .worker_processes import (
    BIN,
    TEST_CLIENT,
    ScenarioDatabase,
    emails_sent,
    run,
    start_sender,
    worker_env,
)

EMAILS = 12


@pytest.mark.django_db(transaction=True)
def test_a_failed_write_of_sent_is_written_again_and_nothing_is_sent_twice(campaign, caplog):
    actions.sign(campaign, actions.SignerDetails(email="jane@example.org"))
    real = work._mark_sent
    calls = []

    def blip(*args):
        calls.append(args)
        if len(calls) <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args)

    with SMTPServer() as smtp, override_settings(**smtp.settings()):
        with mock.patch.object(work, "_mark_sent", blip):
            run_worker()
        run_worker()  # anything left to send goes now: nothing is
    assert len(calls) == 3
    assert [m["Message-ID"] for m in smtp.mailbox.received] == [Email.objects.get().message_id]
    assert Email.objects.get().state == Email.State.SENT
    assert "was sent; recording it failed (OperationalError), writing it again" in caplog.text


def break_the_database(database: ScenarioDatabase):
    """What to do when the server accepts the first message: on PostgreSQL,
    terminate every connection of the worker; on SQLite, hold the write lock
    for two seconds, ten times the worker's busy timeout."""
    done = threading.Event()

    def on_accept(message) -> None:
        if done.is_set():
            return
        done.set()
        if database.url:
            import psycopg

            # The worker's, not the test's own (its polling would fail instead).
            with psycopg.connect(database.env()["DATABASE_URL"], autocommit=True) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND application_name <> %s",
                    [TEST_CLIENT],
                )
            return
        writer = sqlite3.connect(database.tmp_path / "scenario.sqlite3", isolation_level=None,
                                 check_same_thread=False)  # fmt: skip
        writer.execute("BEGIN IMMEDIATE")
        threading.Timer(2.0, lambda: (writer.execute("ROLLBACK"), writer.close())).start()

    return on_accept


def test_a_real_worker_that_loses_the_database_just_after_a_send_does_not_send_again(tmp_path):
    with ScenarioDatabase(tmp_path) as database, SMTPServer() as smtp:
        # Straight to PostgreSQL: behind PgBouncer the cut would not reach the worker.
        env = unpooled(worker_env(tmp_path, database, smtp_port=smtp.port, short_busy_timeout=True))
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        run([sys.executable, "-m", "tests.delivery_scenario", "emails", str(EMAILS)], env)
        smtp.mailbox.on_accept = break_the_database(database)
        log = tmp_path / "worker.log"
        worker = start_sender(env, log, senders=1)
        try:
            sent = wait_for(lambda: emails_sent(database) == EMAILS, timeout=60)
            assert sent, log.read_text()
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(20)
        received = Counter(str(m["Message-ID"]) for m in smtp.mailbox.received)
        assert len(received) == EMAILS
        assert set(received.values()) == {1}  # none twice
        text = log.read_text()
        assert "was sent; recording it failed" in text, text
        assert worker.returncode == 0, text
