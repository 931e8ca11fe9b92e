"""A worker killed with SIGKILL in the middle of sending a delivery: a restarted
worker finishes the job, no milestone is lost or doubled, and only a letter the
dead worker had already handed to the mail server is sent again, once, with the
same Message-ID. (The worker's senders run side by side, so more than one
letter can be in flight when the kill lands.)

The worker is the real `undersigned worker` in its own process, on its own
database (an SQLite file, or a fresh PostgreSQL database when the tests run
on PostgreSQL), sending to a real SMTP server on loopback that holds each
message for a while so that the kill lands mid-send.
"""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from undersigned.deliveries import sending
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.deliveries.sending import requeue_stuck as requeue
from undersigned.outgoing import work

from .conftest import run_worker
from .delivery_helpers import (
    SMTPServer,
    bulk_confirmed,
    lawmaker,
    local_campaign,
    places,
    smtp_server,  # noqa: F401 (the smtp fixture)
    wait_for,
)
from .worker_processes import BIN, ROOT, ScenarioDatabase, run, worker_env


def pdf_bytes(message) -> bytes:
    (pdf,) = [p for p in message.iter_attachments() if p.get_filename().endswith(".pdf")]
    return pdf.get_content()


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "undersigned"), "worker", "--no-startup-delay", "--interval", "0.2",
         "--requeue-every", "1", "--count-every", "0.5"],
        env=env, cwd=ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def test_a_worker_killed_mid_send_is_finished_by_the_next_without_doubles(tmp_path):
    with ScenarioDatabase(tmp_path) as database, SMTPServer() as smtp:
        # A claim older than 6 x EMAIL_TIMEOUT belongs to a dead worker.
        env = worker_env(tmp_path, database, smtp_port=smtp.port, EMAIL_TIMEOUT="2")
        started = time.monotonic()
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        run([sys.executable, "-m", "tests.delivery_scenario", "setup", "250"], env)
        print(f"\nscenario database ready in {time.monotonic() - started:.1f}s")

        smtp.mailbox.delay = 4.0  # long enough to kill the worker mid-send
        log = tmp_path / "worker.log"
        first = start_worker(env, log)
        try:
            assert smtp.mailbox.arrived.wait(60), log.read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        assert first.returncode == -signal.SIGKILL
        in_flight = {str(m["Message-ID"]) for m in smtp.mailbox.letters()}
        assert 1 <= len(in_flight) <= 2
        states = dict(database.query(
            "SELECT state, COUNT(*) FROM deliveries_deliveryattempt GROUP BY state"
        ))  # fmt: skip
        # Both letters were claimed in one batch; the worker died sending the first.
        assert states == {"sending": 2}

        smtp.mailbox.delay = 0
        second = start_worker(env, log)
        try:
            finished = wait_for(
                lambda: (
                    database.query(
                        "SELECT COUNT(*) FROM deliveries_deliveryattempt WHERE state = 'sent'"
                    )[0][0]
                    == 4
                ),
                timeout=90,
            )
            assert finished, log.read_text()
            time.sleep(1.5)  # anything more it would wrongly send, it sends now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

        milestones = database.query(
            "SELECT milestone, COUNT(*) FROM deliveries_delivery GROUP BY milestone"
        )
        assert sorted(milestones) == [(1, 1), (2, 1)]
        attempts = database.query("SELECT id FROM deliveries_deliveryattempt")
        expected = {f"<delivery-{uuid.UUID(str(pk))}@undersigned>" for (pk,) in attempts}
        received = Counter(str(m["Message-ID"]) for m in smtp.mailbox.letters())
        print("letters received per Message-ID:", sorted(received.values()))
        assert set(received) == expected  # every letter arrived
        doubled = {message_id for message_id, copies in received.items() if copies > 1}
        assert doubled <= in_flight  # only what the dead worker had handed over
        assert max(received.values()) <= 2  # and that once more, at most
        for message_id, copies in received.items():
            if copies > 1:  # the re-sent letter is the same letter
                sent = [m for m in smtp.mailbox.letters() if m["Message-ID"] == message_id]
                assert len({m.get_body(("plain",)).get_content() for m in sent}) == 1
                assert len({pdf_bytes(m) for m in sent}) == 1
        carried = database.query(
            "SELECT COUNT(*), COUNT(DISTINCT signature_id) FROM deliveries_deliverysigner"
        )
        assert carried == [(200, 200)]


@pytest.mark.django_db
def test_a_delivery_whose_worker_died_after_its_last_letter_is_completed_by_the_next(smtp):
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 100)
    dying = dataclasses.replace(sending.LETTERS, finished=None)  # it dies before telling
    with mock.patch.dict(work._kinds, {sending.LETTERS.name: dying}):
        run_worker()
    delivery = Delivery.objects.get()
    assert delivery.attempts.get().state == DeliveryAttempt.State.SENT
    assert delivery.completed_at is None
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=False):
        assert requeue() == 1  # the minute duty of any worker
    delivery.refresh_from_db()
    assert delivery.completed_at is not None
