"""The apps above the outbox can decide that an e-mail is not to be sent at
all (`outbox.actions.withhold_when`): for near-certain abuse, say, nothing
is queued, and the signer's answer page is the same."""

from __future__ import annotations

import pytest
from django.urls import reverse

from undersigned.outbox import actions as outbox_actions
from undersigned.outbox.models import Email
from undersigned.signatures.models import Signature

from .conftest import form_data, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def withhold_from_mallory(monkeypatch):
    monkeypatch.setattr(outbox_actions, "_withhold", [])
    outbox_actions.withhold_when(lambda signature, kind: signature.first_name == "Mallory")


def test_an_email_a_check_withholds_is_not_queued_and_the_answer_is_the_same(
    client, campaign, outbox, withhold_from_mallory
):
    sign = reverse("sign", args=[campaign.slug])
    honest = client.post(sign, form_data())
    withheld = client.post(sign, form_data(first_name="Mallory", email="m@example.org"))
    assert b"Check your e-mail" in honest.content
    assert b"Check your e-mail" in withheld.content
    assert Signature.objects.count() == 2
    run_worker()
    assert [message.to for message in outbox] == [["jane@example.org"]]
    assert Email.objects.count() == 1
