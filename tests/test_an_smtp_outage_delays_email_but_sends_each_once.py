"""An SMTP outage delays e-mail; it neither loses it nor sends it twice.

Issue 11 (item 19) found four minutes without a mail server failing every
queued confirmation for good: each re-queue spent a try, six tries and the
e-mail was failed, with no way back. Now the row is the queue: a failed try
waits out its backoff (`next_try_at`), nothing re-queues it early, giving up
is a matter of hours, and what an outage made fail goes out as soon as
anything goes out again.

The mail server is a real one on loopback (aiosmtpd), stopped for the
outage. The clock is moved with time-machine: thirty minutes of outage take
no thirty minutes.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from undersigned.deliveries.management.commands import worker
from undersigned.outbox.actions import EMAILS
from undersigned.outbox.models import Email
from undersigned.outgoing import sender, work
from undersigned.outgoing.models import Failure
from undersigned.signatures import actions

from .conftest import run_worker
from .delivery_helpers import SMTPServer

pytestmark = pytest.mark.django_db

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
State = Email.State


@pytest.fixture
def server():
    with SMTPServer() as smtp, override_settings(**smtp.settings()):
        yield smtp


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def sign(campaign, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        actions.sign(campaign, actions.SignerDetails(email=f"signer{n}@example.org"))


def run_for(clock, minutes: float, step: float = 10) -> None:
    """The worker, as it runs: its sender every `step` seconds of clock, its
    minute duties (re-queueing what a dead worker left) every minute."""
    ends = timezone.now() + timedelta(minutes=minutes)
    last_duties = None
    while timezone.now() < ends:
        if last_duties is None or timezone.now() - last_duties >= timedelta(minutes=1):
            worker.requeue()
            last_duties = timezone.now()
        run_worker()
        clock.shift(step)


def received(server) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in server.mailbox.received)


def states() -> dict[str, int]:
    return dict(Counter(Email.objects.values_list("state", flat=True)))


def test_an_email_waiting_out_its_backoff_is_not_sent_early(campaign, server, clock):
    server.mailbox.refusals = ["451 4.3.0 Try again later"] * 4
    sign(campaign, 1)
    run_worker()
    for _ in range(3):  # three more failed tries, each after the wait the one before asked for
        clock.move_to(Email.objects.get().next_try_at)
        run_worker()
    assert server.mailbox.received == []
    email = Email.objects.get()
    assert (email.state, email.attempts) == (State.PENDING, 4)
    wait = email.next_try_at - timezone.now()
    assert wait > timedelta(minutes=1)  # the fourth wait: 2 to 4 minutes
    # Every minute until then the worker re-queues what is overdue and sends
    # what is due: this e-mail is neither.
    while timezone.now() + timedelta(minutes=1) < email.next_try_at:
        clock.shift(timedelta(minutes=1))
        worker.requeue()
        run_worker()
    assert Email.objects.get().attempts == 4
    assert server.mailbox.received == []
    clock.move_to(email.next_try_at)
    run_worker()
    assert received(server) == {email.message_id: 1}
    assert Email.objects.get().state == State.SENT


def test_a_ten_minute_outage_uses_up_no_email(campaign, server, clock):
    sign(campaign, 20)
    server.down()
    run_for(clock, minutes=10)
    assert states() == {State.PENDING: 20}  # none failed
    server.up()
    run_for(clock, minutes=EMAILS.longest_wait / timedelta(minutes=1))
    assert states() == {State.SENT: 20}
    assert sorted(received(server).values()) == [1] * 20


def test_a_thirty_minute_outage_ends_with_every_confirmation_sent_exactly_once(
    campaign, server, clock
):
    sign(campaign, 30)
    server.down()
    run_for(clock, minutes=30, step=20)
    assert states() == {State.PENDING: 30}
    assert set(Email.objects.values_list("failure", flat=True)) == {Failure.OUTAGE}
    tries = max(Email.objects.values_list("attempts", flat=True))
    assert tries < 20  # backing off (30 s, 1, 2, 4, 5 minutes…), not trying every 20 s
    server.up()
    # The first e-mail due again goes out, and brings every other one with it:
    # all are sent within the longest wait, most at once.
    run_for(clock, minutes=EMAILS.longest_wait / timedelta(minutes=1))
    assert states() == {State.SENT: 30}
    ids = {email.message_id for email in Email.objects.all()}
    assert received(server) == dict.fromkeys(ids, 1)
    run_for(clock, minutes=60, step=60)  # and nothing is ever sent again
    assert received(server) == dict.fromkeys(ids, 1)


def give_up_in_an_outage(campaign, server, clock, count: int) -> None:
    sign(campaign, count)
    server.down()
    minutes = (EMAILS.give_up_after + EMAILS.longest_wait) / timedelta(minutes=1)
    run_for(clock, minutes, step=3600)
    assert states() == {State.FAILED: count}  # hours, not tries
    server.up()


def test_a_new_email_going_out_brings_back_those_given_up_in_the_outage(campaign, server, clock):
    give_up_in_an_outage(campaign, server, clock, 5)
    sign(campaign, 1, start=100)
    run_worker()  # the new one goes out, and the sender sees that mail works again
    assert states() == {State.SENT: 6}
    assert sorted(received(server).values()) == [1] * 6


def test_email_given_up_in_an_outage_goes_out_when_nothing_else_is_sent(campaign, server, clock):
    give_up_in_an_outage(campaign, server, clock, 5)
    run_worker()
    assert states() == {State.FAILED: 5}  # nothing tried them
    # Every quarter of an hour the worker tries one given-up e-mail; once it
    # goes out, so do the others.
    sender.housekeeping(work.Sessions(), probe=True)
    run_worker()
    assert states() == {State.SENT: 5}
    assert sorted(received(server).values()) == [1] * 5


def test_staff_send_failed_email_again(campaign, server, clock, staff_client):
    server.mailbox.refusals = ["550 5.1.1 No such mailbox"]
    sign(campaign, 1)
    run_worker()
    email = Email.objects.get()
    assert (email.state, email.failure, email.last_error) == (
        State.FAILED, Failure.REFUSED, "SMTPDataError 550"
    )  # fmt: skip
    listing = staff_client.get(reverse("admin:outbox_email_changelist") + "?state__exact=failed")
    assert b"SMTPDataError 550" in listing.content
    staff_client.post(
        reverse("admin:outbox_email_changelist"),
        {"action": "send_again", "_selected_action": [str(email.pk)]},
    )
    run_worker()
    assert Email.objects.get().state == State.SENT
    assert received(server) == {email.message_id: 1}
