"""A real browser visits every kind of public page and records every request:
none may go to another origin, and none of the page's own resources may fail."""

from __future__ import annotations

import re

import pytest

from undersigned.campaigns.models import Campaign, Partner
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.models import Delivery
from undersigned.signatures.links import confirm_url
from undersigned.signatures.models import Signature
from undersigned.signatures.rights import manage_url, unsubscribe_url

from .area_pages import geography, publish_now
from .conftest import run_worker
from .delivery_helpers import lawmaker, local_campaign, sign_and_confirm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    areas = geography()
    campaign = local_campaign(batch_size=10)
    campaign.partners.add(Partner.objects.create(name="Partner", url="https://p.example.org/"))
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@example.org")
    sign_and_confirm(campaign, areas["somerville"], 10)
    process_all_count_events()
    run_worker()  # renders and sends the delivery of the first 10
    publish_now(campaign)
    Campaign.objects.filter(pk=campaign.pk).update(proof_of_work=True)
    return campaign, areas


def test_every_public_page_loads_only_from_its_own_origin(new_page, site, requests_seen):
    campaign, areas = site
    signature = Signature.objects.filter(campaign=campaign).first()
    delivery = Delivery.objects.get()
    slug = campaign.slug
    somerville = areas["somerville"].ocd_id.removeprefix("ocd-division/")
    pages = [
        "/",
        f"/c/{slug}/",  # with the proof-of-work script switched on
        f"/c/{slug}/thanks/",
        f"/c/{slug}/areas/",
        f"/c/{slug}/areas/{somerville}/",
        f"/c/{slug}/areas/find/?postal_code=02140",
        f"/c/{slug}/areas/find/?postal_code=99999",
        delivery.get_absolute_url(),
        confirm_url(signature),
        manage_url(signature),
        unsubscribe_url(signature),
        f"/api/campaigns/{slug}/count.json",
        f"/api/campaigns/{slug}/areas.json",
        "/api/areas/lookup?country=US&postal_code=02143",
        "/no-such-page/",
    ]
    page = new_page()
    statuses = {}
    for path in pages:
        url = path if path.startswith("http") else requests_seen.home + path
        response = page.goto(url)
        statuses[path] = response.status
        if response.headers.get("content-type", "").startswith("text/html"):
            policy = response.headers["content-security-policy"]
            assert "default-src 'self'" in policy and not re.search(r"https?://", policy)
    assert statuses["/no-such-page/"] == 404
    assert statuses[f"/c/{slug}/areas/find/?postal_code=99999"] == 404
    assert all(
        status == 200
        for path, status in statuses.items()
        if "99999" not in path and path != "/no-such-page/"
    ), statuses
    # The share links on the thank-you page point elsewhere, but are never loaded.
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()
    assert len([url for url in requests_seen if url.endswith((".css", ".js"))]) >= 2
