"""Held sign-ups are sent nothing, so only a reviewer can let a person
through: those who work the workspace's review queue (reviewers, organisers,
superusers) get an e-mail when it grows (at most one a day, over real SMTP
on loopback, with no personal data) that links to the queue, and release the
whole queue there at once; the released get their confirmation."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from undersigned.abuse.actions import review_queue
from undersigned.abuse.digest import send_review_digest
from undersigned.abuse.timing import issue_form_token
from undersigned.campaigns.models import Partner
from undersigned.counting.counts import confirmed_count
from undersigned.deliveries.management.commands.worker import review_digest
from undersigned.signatures.models import Signature
from undersigned.staff.roles import Role, create_account

from .conftest import confirm_path_from, process_counts, run_worker
from .delivery_helpers import SMTPServer
from .workspace import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def held_sign_up(campaign, n: int) -> None:
    data = {"first_name": "Ann", "last_name": "Held", "email": f"held{n}@example.org",
            "postal_code": "02143", "issued": issue_form_token(time.time() - 60),
            "website": "autofilled"}  # fmt: skip
    Client().post(reverse("sign", args=[campaign.slug]), data)


def workspace_account(role: Role, name: str, **extra):
    return create_account(
        role, name, password=PASSWORD, email=f"{name}@example.org", actor="test", **extra
    )


@pytest.fixture
def staff(django_user_model):
    """A reviewer and an organiser (both work the queue), a partner and a
    plain staff account (neither does), and a superuser."""
    reviewer = workspace_account(Role.REVIEWER, "reviewer")
    workspace_account(Role.ORGANISER, "organiser")
    workspace_account(Role.PARTNER, "partner", partner=Partner.objects.create(name="Partner"))
    django_user_model.objects.create_user("other", "other@example.org", "pw", is_staff=True)
    django_user_model.objects.create_superuser("boss", "boss@example.org", "pw")
    return reviewer


def test_a_digest_goes_to_reviewers_at_most_once_a_day(campaign, staff):
    start = datetime.now(UTC).replace(microsecond=0)
    with SMTPServer() as smtp, override_settings(**smtp.settings()):
        with time_machine.travel(start, tick=False) as clock:
            assert send_review_digest() is False  # nothing waits
            for n in range(3):
                held_sign_up(campaign, n)
            assert send_review_digest() is True
            clock.shift(timedelta(minutes=5))
            held_sign_up(campaign, 3)
            clock.shift(timedelta(hours=23))
            assert send_review_digest() is False  # grown, but a digest went out today
            clock.shift(timedelta(hours=2))
            assert send_review_digest() is True
            clock.shift(timedelta(hours=25))
            assert send_review_digest() is False  # a day later, but nothing new
        received = smtp.mailbox.received
    assert len(received) == 2
    first = received[0]
    assert sorted(first["X-Test-Rcpt"].split(",")) == [
        "boss@example.org", "organiser@example.org", "reviewer@example.org",
    ]  # fmt: skip
    body = first.get_content()
    assert "3 sign-ups are waiting in the review queue" in body
    assert "Stop face surveillance: 3 (honeypot filled)" in body
    assert "/organise/review/" in body
    assert "held0" not in body and "Ann" not in body  # no personal data
    assert "1 new since the last digest" in received[1].get_content()


def test_the_worker_sends_the_digest(campaign, staff):
    held_sign_up(campaign, 0)
    mail.outbox = []
    review_digest()
    assert [message.subject for message in mail.outbox] == ["Review queue: 1 sign-up waiting"]


def test_a_reviewer_releases_the_whole_queue_from_the_workspace(campaign, staff, outbox):
    for n in range(5):
        held_sign_up(campaign, n)
    run_worker()
    assert outbox == [] and review_queue().count() == 5
    reviewer = signed_in(staff)
    url = reverse("organise:review")
    everything = {"scope": "all", "decision": "release", "campaign": str(campaign.pk)}

    asked = reviewer.post(url, everything)
    assert b"5 signatures will be released" in asked.content
    assert review_queue().count() == 5  # nothing happens before it is confirmed
    reviewer.post(url, {**everything, "confirmed": "yes"})

    assert review_queue().count() == 0
    run_worker()
    assert len(outbox) == 5
    assert not Signature.objects.filter(status=Signature.Status.QUARANTINED).exists()
    for message in outbox:
        Client().post(confirm_path_from(message))
    process_counts()
    assert confirmed_count(campaign) == 5


def test_the_admin_releases_a_whole_filtered_queue(admin_client, campaign, outbox):
    for n in range(3):
        held_sign_up(campaign, n)
    url = reverse("admin:abuse_reviewsignature_changelist")
    everything = {"action": "release_selected", "select_across": "1", "index": "0",
                  "_selected_action": [str(Signature.objects.first().pk)]}  # fmt: skip
    asked = admin_client.post(url + "?status__exact=quarantined", everything)
    assert b"3 signatures will be released" in asked.content
    admin_client.post(url + "?status__exact=quarantined", {**everything, "confirmed": "yes"})
    assert review_queue().count() == 0
    run_worker()
    assert len(outbox) == 3
