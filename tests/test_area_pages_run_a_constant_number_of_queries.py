"""The area page, the overview and the JSON counts run the same number of
queries however many areas, signers, deliveries and local groups there are."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undersigned.areas.models import Division
from undersigned.campaigns.models import Partner
from undersigned.memo import forget_all
from undersigned.participation.models import LocalGroup
from undersigned.participation.queries import area_url

from .area_pages import bulk_signers, geography, publish_now
from .delivery_helpers import lawmaker, local_campaign

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 22, 12, 0, 5, tzinfo=datetime.UTC)


@pytest.fixture
def at_noon():
    """The whole test, its seeding included, happens at one fixed instant: signers
    seeded on the real clock and measured on a frozen one would lie in the future."""
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def world(at_noon):
    areas = geography()
    campaign = local_campaign()
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@example.org")
    network = Partner.objects.create(name="Network")
    campaign.partners.add(network)
    LocalGroup.objects.create(partner=network, division=areas["somerville"], email="a@example.org")
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 12, listed=True)
    return campaign, areas, network


def grow(campaign, areas, network) -> None:
    """Many more areas, signers, listed signers, deliveries and local groups."""
    for n in range(30):
        place = Division(ocd_id=f"{areas['ma'].ocd_id}/place:town{n}", name=f"Town {n}")
        place.save()
        bulk_signers(campaign, [place, areas["ma"]], 11, start=1000 + 20 * n, days=7)
        LocalGroup.objects.create(partner=network, division=place, email=f"g{n}@example.org")
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 240, start=5000, listed=True)
    lawmaker(areas["somerville"], "Council Example", "council", email="c@example.org")


def queries(client, path: str) -> int:
    forget_all()  # both measurements start from cold per-process caches
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", ["area", "state", "overview", "json"])
def test_a_page_runs_as_many_queries_with_many_areas_and_signers_as_with_few(
    client, world, page, django_assert_num_queries
):
    campaign, areas, network = world
    paths = {
        "area": area_url(campaign, areas["somerville"]),
        "state": area_url(campaign, areas["ma"]),
        "overview": f"/c/{campaign.slug}/areas/",
        "json": f"/api/campaigns/{campaign.slug}/areas.json",
    }
    publish_now(campaign)
    few = queries(client, paths[page])

    grow(campaign, areas, network)
    publish_now(campaign)
    assert campaign.deliveries.count() == 2

    forget_all()
    with django_assert_num_queries(few):
        response = client.get(paths[page])
    assert response.status_code == 200
