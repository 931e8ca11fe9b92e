"""A capped e-mail is deferred to the moment the oldest claim in its window is
an hour old; at that moment it goes.

A claim exactly one window old had stayed inside the window (`>=`), so the
network was still full, and the e-mail was deferred to that same moment
again: the sender spun on it until the clock moved on (with a frozen clock,
the 10,000 passes of `drain`, and the e-mail still waiting).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from undersigned.abuse.networks import network_digest
from undersigned.outbox.actions import EMAILS
from undersigned.outbox.models import Email
from undersigned.outgoing import work
from undersigned.signatures import actions

from .conftest import run_worker

pytestmark = pytest.mark.django_db


@override_settings(MAIL_PER_HOUR_PER_NETWORK=5)
def test_the_sixth_email_goes_when_the_first_is_an_hour_old(campaign, outbox):
    office = network_digest("192.0.2.0/24")
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(6):
            actions.sign(campaign, actions.SignerDetails(email=f"s{n}@example.org"),
                         network_digest=office)  # fmt: skip
        run_worker()
        assert len(outbox) == 5
        (waiting,) = Email.objects.filter(state=Email.State.PENDING)
        assert waiting.next_try_at == start + timedelta(hours=1)

        clock.move_to(start + timedelta(hours=1))
        rows, deferred = work.claim(EMAILS)
        assert (len(rows), deferred) == (1, 0)
        work.release(EMAILS, rows)
        run_worker()
    assert len(outbox) == 6
    assert not Email.objects.exclude(state=Email.State.SENT).exists()
