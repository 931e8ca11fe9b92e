"""Signatures a partner records through the API come from the partner's
server, not from the signers' networks: the small-area rule
(participation/independence.py) must count them as separate people, as it
does bulk-loaded ones, not as one network. Otherwise ten real neighbours
who signed through a partner's form never open their town below the floor
(five times the threshold), while ten who signed on our page do."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from undersigned.areas.models import Division, PostalCodeDivision
from undersigned.integrations.keys import create_key
from undersigned.participation.actions import publish
from undersigned.participation.models import PublishedTally

from .conftest import make_campaign, process_counts
from .partners_tools import person

pytestmark = pytest.mark.django_db

HELPER = "/api/v1/petitions/stop-face-surveillance/record_signature_helper"


def test_ten_neighbours_relayed_by_a_partner_open_their_town():
    town = Division.objects.create(
        ocd_id="ocd-division/country:us/state:mt/place:absarokee", type="place", name="Absarokee"
    )
    PostalCodeDivision.objects.create(country="US", postal_code="59001", division=town)
    campaign = make_campaign(area_threshold=10)
    token = create_key(
        "Confirmed list", actor="organiser", scopes=["signatures:record", "signatures:vouch"]
    ).token
    for n in range(10):
        body = person(
            f"neighbour{n}@example.org",
            postal_code="59001",
            **{"undersigned:vouch_confirmed": True},
        )
        answer = Client().post(HELPER, json.dumps(body), "application/json",
                               HTTP_OSDI_API_TOKEN=token)  # fmt: skip
        assert answer.status_code == 202
    process_counts()
    publish(campaign)
    assert PublishedTally.objects.filter(campaign=campaign, division=town).exists()
