"""A milestone reached and the letter it sent are told to the endpoints of
the organisation and of the campaign's co-sponsors, never to a partner that
does not co-sponsor it: with the area, the number of signers, the receipt,
and no signer. The letters go to a real SMTP server on loopback and the
events to a real receiver (tests/webhook_receiver.py); every lawmaker is
fictional."""

from __future__ import annotations

import pytest

from undersigned.campaigns.models import Partner
from undersigned.deliveries.models import Delivery
from undersigned.integrations.webhooks import add_endpoint

from .conftest import run_worker
from .delivery_helpers import (
    bulk_confirmed,
    lawmaker,
    local_campaign,
    places,
    smtp_server,  # noqa: F401 (the smtp fixture)
)
from .webhook_receiver import Receiver

pytestmark = pytest.mark.django_db

EVENTS = ["milestone.reached", "delivery.sent"]


def listen(receiver: Receiver, partner=None) -> None:
    new = add_endpoint(receiver.url, actor="organiser", partner=partner, events=EVENTS)
    receiver.secret = new.secret


def test_the_organisation_and_co_sponsors_hear_of_the_milestone_and_the_letter(smtp):
    somerville, _cambridge = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign(batch_size=5)
    sponsor = Partner.objects.create(name="Co-sponsor")
    stranger = Partner.objects.create(name="Not a co-sponsor")
    campaign.partners.add(sponsor)
    with Receiver() as ours, Receiver() as theirs, Receiver() as outsider:
        listen(ours)
        listen(theirs, sponsor)
        listen(outsider, stranger)
        bulk_confirmed(campaign, somerville, 5)
        run_worker()
        assert len(smtp.to("mayor@somerville.example.org")) == 1
        delivery = Delivery.objects.get()
        for receiver in (ours, theirs):
            assert receiver.unverified == 0 and set(receiver.accepted.values()) == {1}
            [milestone] = receiver.events("milestone.reached")
            [sent] = receiver.events("delivery.sent")
            area = {"id": somerville.ocd_id, "name": somerville.name}
            assert milestone["data"] == {
                "milestone": delivery.milestone, "kind": "milestone", "signers": 5,
                "area": area, "total_signatures": 5,
            }  # fmt: skip
            assert sent["data"]["signers"] == 5 and sent["data"]["area"] == area
            assert sent["data"]["receipt"].endswith(delivery.get_absolute_url())
            assert milestone["petition"]["name"] == campaign.slug
            assert "@" not in str(receiver.events())
        assert outsider.requests == 0
