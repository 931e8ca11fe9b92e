"""A worker killed with SIGKILL in the middle of webhook deliveries: the next
worker sends the rest, no event is lost, and only what was in flight at the
kill arrives twice, with the same webhook-id, which the receiver (written
from docs/api.md) uses to keep each event once.

Each delivery's "sent" is committed the moment the receiver answers 2xx;
the ones the dead worker had claimed are taken back once their claim is
older than 6 x WEBHOOK_TIMEOUT. A delivery the receiver kept while the
worker died before hearing so is sent again: at most one per sender thread
(docs/api.md, "Delivery"). The worker is the real `undersigned worker` in its
own process, on its own database (SQLite file, or a fresh PostgreSQL
database when the tests run on PostgreSQL); the receiver holds each answer
for a while after keeping the event, so that the kill lands mid-delivery.
"""

from __future__ import annotations

import signal
import sys
import time

from .delivery_helpers import SMTPServer, wait_for
from .webhook_receiver import Receiver
from .worker_processes import BIN, ScenarioDatabase, kill_when, run, start_sender, worker_env

EVENTS = 24
SENDERS = 4
SECRET = "whsec_" + "c2VjcmV0IGZvciB0aGUga2lsbGVkIHdvcmtlciB0ZXN0IQ=="  # any bytes will do


def test_a_worker_killed_mid_delivery_loses_no_event_and_repeats_only_those_in_flight(tmp_path):
    with (
        ScenarioDatabase(tmp_path) as database,
        SMTPServer() as smtp,
        # The worker's clock is its own in the suite's moved-clock pass: the
        # signature is checked, the replay window is not (the other tests do).
        Receiver(SECRET, delay=0.5, check_time=False) as receiver,
    ):
        env = worker_env(
            tmp_path, database, smtp_port=smtp.port, WEBHOOK_TIMEOUT="1",
            UNDERSIGNED_TESTING="1", PARTNERS_ON_LOOPBACK="1",
        )  # fmt: skip
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        args = ["webhooks", str(EVENTS), receiver.url, SECRET]
        run([sys.executable, "-m", "tests.delivery_scenario", *args], env)

        log = tmp_path / "worker.log"
        first = start_sender(env, log, senders=SENDERS)
        kill_when(first, lambda: len(receiver.kept) >= 4, log)
        killed_at = time.monotonic()
        claimed = "SELECT event_id FROM integrations_webhookdelivery WHERE state = 'sending'"
        in_flight = {str(pk).replace("-", "") for (pk,) in database.query(claimed)}
        sent = "SELECT COUNT(*) FROM integrations_webhookdelivery WHERE state = 'sent'"
        print(
            f"\nat the kill: {database.query(sent)[0][0]} recorded sent, {len(in_flight)} claimed"
        )

        receiver.delay = 0
        second = start_sender(env, log, senders=SENDERS)
        try:
            assert wait_for(lambda: database.query(sent) == [(EVENTS,)], 60), log.read_text()
            taken_back_after = time.monotonic() - killed_at
            time.sleep(1)  # anything more it would wrongly send, it sends now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

    print("repeats per event id:", dict(receiver.repeats))
    print(f"all sent {taken_back_after:.1f} s after the kill")
    assert receiver.unverified == 0
    assert len(receiver.kept) == EVENTS  # no event lost
    assert set(receiver.accepted.values()) == {1}  # each kept once
    assert max(receiver.repeats.values(), default=0) <= 1
    # Only what was claimed at the kill comes again, at most one per sender.
    assert {event_id.replace("-", "") for event_id in receiver.repeats} <= in_flight
    assert len(receiver.repeats) <= SENDERS
    assert taken_back_after < 30  # 6 x WEBHOOK_TIMEOUT, plus the second worker's start
