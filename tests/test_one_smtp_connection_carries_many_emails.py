"""The sender keeps one SMTP connection open and sends message after message
over it; when the server is done with a connection, it opens a new one.

Issue 17 measured a new SMTP connection for every e-mail (with a task row
claimed and finished each time): one worker topped out near 53 e-mails a
second. bench/mailrate.py measures the rate; this checks the connection.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import override_settings

from undersigned.outbox.models import Email
from undersigned.signatures import actions

from .conftest import run_worker
from .delivery_helpers import Mailbox, SMTPServer

pytestmark = pytest.mark.django_db


class CountingMailbox(Mailbox):
    """Keeps which connection (the client's port) each message came over; may
    answer MAIL FROM with 421 once, as a server limiting messages per
    connection does."""

    def __init__(self):
        super().__init__()
        self.peers: list[tuple] = []
        self.close_after: int | None = None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.close_after is not None and len(self.peers) == self.close_after:
            self.close_after = None
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server():
    smtp = SMTPServer()
    smtp.mailbox = CountingMailbox()
    smtp.controller.handler = smtp.mailbox
    with smtp, override_settings(**smtp.settings()):
        yield smtp.mailbox


def sign(campaign, count: int) -> None:
    for n in range(count):
        actions.sign(campaign, actions.SignerDetails(email=f"signer{n}@example.org"))


def test_thirty_emails_go_over_one_connection(campaign, server):
    sign(campaign, 30)
    run_worker()
    assert len(server.received) == 30
    assert len(set(server.peers)) == 1


def test_a_server_done_with_the_connection_gets_the_rest_over_a_new_one(campaign, server):
    server.close_after = 10
    sign(campaign, 30)
    run_worker()
    assert len(server.peers) == 30
    assert [n for _peer, n in Counter(server.peers).most_common()] == [20, 10]
    assert Counter(str(m["Message-ID"]) for m in server.received).most_common(1)[0][1] == 1
    # Nothing was handed over on the refused try: no failure, no extra try counted.
    assert set(Email.objects.values_list("state", "attempts", "last_error")) == {
        (Email.State.SENT, 1, "")
    }
