"""A worker killed with SIGKILL in the middle of sending an update to its
supporters: the next worker sends the rest; nobody is skipped, and nobody
gets it twice but for what was in flight at the kill.

An update's e-mails are outbox rows like every e-mail to signers
(docs/outgoing.md): "sent" is committed the moment the mail server accepts
each, so one accepted before the kill is never sent again, and the rows the
dead worker had claimed are taken back once their claim is older than
6 x EMAIL_TIMEOUT. What remains is the window docs/deliveries.md
describes ("Exactly once, nearly"): a message the server accepted while the
worker died before hearing so goes again, with the same Message-ID; at most
one per sender thread.

The worker is the real `undersigned worker` in its own process, on its own
database (SQLite, or a fresh PostgreSQL database when the tests run on
PostgreSQL), sending to a real SMTP server on loopback that holds each reply
for a while so that the kill lands mid-send.
"""

from __future__ import annotations

import signal
import sys
import time
import uuid
from collections import Counter

from .delivery_helpers import SMTPServer, wait_for
from .worker_processes import (
    BIN,
    ScenarioDatabase,
    emails_sent,
    kill_mid_send,
    run,
    start_sender,
    worker_env,
)

SUPPORTERS = 30
SENDERS = 4


def test_a_worker_killed_mid_update_skips_nobody_and_doubles_only_those_in_flight(tmp_path):
    with ScenarioDatabase(tmp_path) as database, SMTPServer() as smtp:
        env = worker_env(tmp_path, database, smtp_port=smtp.port, EMAIL_TIMEOUT="1")
        run([str(BIN / "undersigned"), "migrate", "--verbosity", "0"], env)
        run([sys.executable, "-m", "tests.delivery_scenario", "update", str(SUPPORTERS)], env)
        [(queued,)] = database.query("SELECT COUNT(*) FROM outbox_email WHERE kind = 'update'")
        assert queued == SUPPORTERS

        log = tmp_path / "worker.log"
        kill_mid_send(env, log, smtp.mailbox, senders=SENDERS)
        in_flight = {
            f"<{uuid.UUID(str(pk))}@undersigned>"  # outbox.Email.message_id
            for (pk,) in database.query(
                "SELECT id FROM outbox_email WHERE kind = 'update' AND state = 'sending'"
            )
        }
        sent_before = emails_sent(database)
        assert 0 < sent_before < SUPPORTERS, "the kill did not land mid-update"
        print(f"\nat the kill: {sent_before} recorded sent, {len(in_flight)} claimed")

        smtp.mailbox.delay = 0
        second = start_sender(env, log, senders=SENDERS)
        try:
            assert wait_for(lambda: emails_sent(database) == SUPPORTERS, 60), log.read_text()
            time.sleep(1)  # anything more it would wrongly send, it sends now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(20)

        per_person = Counter(m["X-Test-Rcpt"] for m in smtp.mailbox.received)
        per_message = Counter(str(m["Message-ID"]) for m in smtp.mailbox.received)
        print("update e-mails per supporter:", sorted(Counter(per_person.values()).items()))
        assert {str(m["Subject"]) for m in smtp.mailbox.received} == {"We are close"}
        # Nobody skipped: every supporter got it.
        assert sorted(per_person) == sorted(f"signer{n}@example.org" for n in range(SUPPORTERS))
        # Twice only for what was claimed at the kill, at most one per sender.
        twice = {message_id for message_id, n in per_message.items() if n > 1}
        assert max(per_person.values()) <= 2
        assert twice <= in_flight
        assert len(twice) <= SENDERS
