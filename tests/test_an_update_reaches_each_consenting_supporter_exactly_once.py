"""An organiser sends an update: each confirmed signer who agreed to hear from
the organisers gets it once, through the worker's sender and a real SMTP
server on loopback, with their own private link and a one-click unsubscribe
(List-Unsubscribe, RFC 8058) that withdraws that consent; nobody else gets
it. Sending twice queues nothing more; an audience that changed since the
organiser saw it sends nothing; a supporter who unsubscribes before theirs
goes gets nothing; the mail caps hold updates back, never drop them, and
confirmations go first. The kill -9 test is
tests/test_an_update_survives_a_killed_worker.py.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.db import IntegrityError, transaction
from django.test import Client, override_settings
from django.urls import reverse

from undersigned.outbox.actions import queue_emails
from undersigned.outbox.models import Email
from undersigned.privacy.models import AuditEntry
from undersigned.signatures import actions, rights
from undersigned.staff.roles import Role
from undersigned.updates import actions as updates
from undersigned.updates.models import Update

from .conftest import make_campaign, run_worker
from .delivery_helpers import free_port, smtp_server  # noqa: F401 (the smtp fixture)
from .test_organisers_write_an_update_and_test_it_before_sending import supporters
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(smtp, settings):
    settings.MAIL_PER_HOUR_PER_NETWORK = 0  # the test's signers share one network
    campaign, areas = supporters()
    run_worker()  # the confirmation e-mails go first
    smtp.received.clear()
    client = signed_in(account(Role.ORGANISER, "organiser", email="organiser@example.org"))
    update = updates.save_update(
        Update(campaign=campaign, subject="We are close", body="Only **12** more."), actor="o"
    )
    return campaign, areas, client, update


def send(client, update, recipients):
    url = reverse("organise:update_send", args=[update.campaign_id, update.pk])
    return client.post(url, {"recipients": str(recipients)})


def received_by(smtp) -> dict[str, list]:
    found: dict[str, list] = {}
    for message in smtp.received:
        found.setdefault(message["X-Test-Rcpt"], []).append(message)
    return found


def test_each_consenting_supporter_gets_the_update_once_and_nobody_else(world, smtp):
    campaign, _areas, client, update = world
    page = client.get(reverse("organise:update", args=[campaign.pk, update.pk])).content.decode()
    assert "Send to 2 supporters" in page

    response = send(client, update, 2)
    assert response.status_code == 302
    update.refresh_from_db()
    assert (update.is_sent, update.sent_by, update.recipients) == (True, "organiser", 2)
    assert updates.progress(update) == {"sent": 0, "waiting": 2, "failed": 0}
    run_worker()

    got = received_by(smtp)
    assert sorted(got) == ["ann@example.org", "ben@example.org"]
    assert [len(messages) for messages in got.values()] == [1, 1]
    ann = got["ann@example.org"][0]
    assert ann["Subject"] == "We are close"
    assert ann["To"] == "Ann Example <ann@example.org>"
    assert ann["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = ann.get_body(("plain",)).get_content()
    assert "Hello Ann," in text and "Only **12** more." in text
    assert re.search(r"/my/[^/\s]+/", text)  # her own private link
    assert updates.progress(update) == {"sent": 2, "waiting": 0, "failed": 0}
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).get()
    assert (entry.actor, entry.detail["recipients"]) == ("organiser", 2)

    # A second click (another tab) queues nothing and sends nothing.
    again = send(client, update, 2)
    assert again.status_code == 400
    assert "sent already" in again.content.decode()
    run_worker()
    assert len(smtp.received) == 2
    assert Email.objects.filter(kind=Email.Kind.UPDATE).count() == 2

    # The one-click unsubscribe from the header, as a mail client posts it.
    link = str(ann["List-Unsubscribe"]).strip().strip("<>")
    answer = Client().post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert {s.first_name for s in updates.audience(campaign)} == {"Ben"}


def test_an_update_for_one_area_reaches_only_its_supporters(world, smtp):
    _campaign, areas, client, update = world
    update.area = areas["cambridge"]
    updates.save_update(update, actor="o")
    assert send(client, update, 1).status_code == 302
    run_worker()
    assert sorted(received_by(smtp)) == ["ben@example.org"]


def test_an_audience_that_changed_since_it_was_shown_sends_nothing(world, smtp):
    campaign, _areas, client, update = world
    # Shown 2; Ben unsubscribes before the click.
    ben = next(s for s in updates.audience(campaign) if s.first_name == "Ben")
    rights.withdraw_consents(ben)
    response = send(client, update, 2)
    assert response.status_code == 409
    assert "it is now 1 supporter" in response.content.decode()
    update.refresh_from_db()
    assert not update.is_sent
    assert Email.objects.filter(kind=Email.Kind.UPDATE).count() == 0
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_a_supporter_who_unsubscribes_before_theirs_goes_does_not_get_it(world, smtp):
    campaign, _areas, client, update = world
    assert send(client, update, 2).status_code == 302
    ann = next(s for s in updates.audience(campaign) if s.first_name == "Ann")
    rights.withdraw_consents(ann)  # queued, not yet sent
    run_worker()
    assert sorted(received_by(smtp)) == ["ben@example.org"]
    assert updates.progress(update) == {"sent": 1, "waiting": 0, "failed": 0}


def test_updates_wait_under_the_mail_caps_behind_confirmations(world, smtp, settings):
    campaign, _areas, client, update = world
    assert send(client, update, 2).status_code == 302
    # Someone signs meanwhile: their confirmation goes before the news.
    actions.sign(campaign, actions.SignerDetails(email="new@example.org", postal_code="02143"))
    # Room for the confirmations sent this hour, then for two more.
    settings.MAIL_PER_HOUR = Email.objects.filter(state=Email.State.SENT).count() + 2
    run_worker()
    got = received_by(smtp)
    assert sorted(got) == ["ann@example.org", "new@example.org"]
    assert got["new@example.org"][0]["Subject"].startswith("Please confirm")
    waiting = Email.objects.get(kind=Email.Kind.UPDATE, state=Email.State.PENDING)
    assert waiting.next_try_at > waiting.queued_at  # deferred to when the cap has room
    assert updates.progress(update) == {"sent": 1, "waiting": 1, "failed": 0}


def test_bad_sends_are_refused_and_send_nothing(world, smtp):
    campaign, _areas, client, update = world
    url = reverse("organise:update_send", args=[campaign.pk, update.pk])
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"recipients": "two"}).status_code == 400
    assert client.get(url).status_code == 405
    nobody = updates.save_update(
        Update(campaign=make_campaign(slug="empty"), subject="Hi", body="Hi."), actor="o"
    )
    refused = send(client, nobody, 0)
    assert refused.status_code == 400
    assert "no one to send it to" in refused.content.decode()
    run_worker()
    assert smtp.received == []
    assert Email.objects.filter(kind=Email.Kind.UPDATE).count() == 0
    assert Update.objects.filter(sent_at__isnull=False).count() == 0


@override_settings(MAIL_PER_HOUR=0)
def test_two_queueings_of_one_update_make_one_email_each(world):
    """The database says it too: one e-mail per supporter and update."""
    campaign, _areas, _client, update = world
    assert updates.send(update, expected=2, actor="o") == 2
    with pytest.raises(IntegrityError), transaction.atomic():
        queue_emails(list(updates.audience(campaign)), Email.Kind.UPDATE, about=update.pk)
    assert Email.objects.filter(kind=Email.Kind.UPDATE).count() == 2
