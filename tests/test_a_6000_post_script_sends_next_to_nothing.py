"""Issue 11, item 1 (the sign path): the script that made the site send
6,000 e-mails. One client without a browser fetches the campaign page once
and posts the form 6,000 times in 115 seconds, each with another address.

Its form token is spent by the first signature; every later POST is a
replay, answered with the check and nothing stored or sent. A script that
fetches a fresh page for every POST is checked once its network passes the
campaign's hourly limit. Real SMTP on loopback counts what leaves.

What this does not cover yet: the outbox's caps per network, recipient
domain and hour (the `outgoing` work). See the report of the abuse branch.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client, override_settings

from undersigned.outbox.models import Email
from undersigned.signatures.models import Signature

from .conftest import run_worker
from .crowd import script_post, token_in
from .delivery_helpers import SMTPServer

pytestmark = pytest.mark.django_db

POSTS = 6000


def test_one_token_posted_6000_times_sends_one_email(campaign):
    bot = Client(REMOTE_ADDR="100.64.9.9")
    start = datetime.now(UTC).replace(microsecond=0)
    with SMTPServer() as smtp, override_settings(**smtp.settings()):
        with time_machine.travel(start, tick=False) as clock:
            token = token_in(bot.get(campaign.get_absolute_url()).content.decode())
            clock.shift(5)
            answers = {}
            for n in range(POSTS):
                data = {"first_name": "Visit https://phish.example", "last_name": "X",
                        "email": f"victim{n}@example.org", "postal_code": "02143",
                        "issued": token}  # fmt: skip
                answer = script_post(bot, campaign, data).content.decode()
                kind = "check" if "One more step" in answer else "answer"
                answers[kind] = answers.get(kind, 0) + 1
                clock.shift(115 / POSTS)
            run_worker()
        received = len(smtp.mailbox.received)
    queued = Email.objects.count()
    print(f"\n{POSTS} POSTs with one token: {answers}, {queued} e-mail queued, {received} sent")
    assert (queued, received) == (1, 1)
    assert Signature.objects.count() == 1
