"""The per-process caches that carry a surge (undersigned/memo.py) never serve a
stale campaign to its own process, never share one visitor's page or tokens
with another, and still let everyone sign."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse

from undersigned import memo
from undersigned.areas.actions import run_import
from undersigned.areas.importers.base import LinkRow
from undersigned.areas.lookup import place
from undersigned.areas.models import Division, PostalCodeDivision
from undersigned.campaigns.actions import close_campaign, save_campaign
from undersigned.campaigns.models import Partner
from undersigned.memo import Expiring
from undersigned.signatures.models import Signature

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ISSUED_INPUT = re.compile(r'name="issued" value="([^"]+)"')


@pytest.fixture
def cached_pages(settings):
    # The test settings turn the page cache off; these tests are about it.
    settings.PAGE_FRESH_SECONDS = 60


def page_of(client, campaign) -> str:
    response = client.get(reverse("campaign", args=[campaign.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_visitor_gets_their_own_tokens_from_the_cached_page(cached_pages, campaign):
    first, second = Client(), Client()
    page_one, page_two = page_of(first, campaign), page_of(second, campaign)
    csrf = [CSRF_INPUT.search(page).group(1) for page in (page_one, page_two)]
    assert all(ISSUED_INPUT.search(page) for page in (page_one, page_two))
    assert csrf[0] != csrf[1]
    assert first.cookies["csrftoken"].value != second.cookies["csrftoken"].value
    # The placeholders never reach anyone.
    for page in (page_one, page_two):
        assert not re.search(r"(csrf|issued)[0-9a-f]{32}", page)


def test_a_visitor_signs_with_the_tokens_of_the_cached_page(cached_pages, campaign, outbox):
    browser = Client(enforce_csrf_checks=True)
    page_of(Client(), campaign)  # someone else fills the cache first
    page = page_of(browser, campaign)
    data = form_data(csrfmiddlewaretoken=CSRF_INPUT.search(page).group(1))
    response = browser.post(reverse("sign", args=[campaign.slug]), data)
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    run_worker()
    confirm = {"csrfmiddlewaretoken": data["csrfmiddlewaretoken"]}
    assert browser.post(confirm_path_from(outbox[-1]), confirm).status_code == 302
    assert Signature.objects.get().status == Signature.Status.CONFIRMED


def test_the_cached_page_is_not_served_to_a_remembered_supporter(cached_pages, campaign, outbox):
    page_of(Client(), campaign)
    supporter = Client()
    supporter.post(reverse("sign", args=[campaign.slug]), form_data(remember="on"))
    run_worker()
    supporter.post(confirm_path_from(outbox[-1]))
    page = page_of(supporter, campaign)
    assert "You signed this on" in page
    assert "Not Jane? Click here." in page
    assert "You signed this on" not in page_of(Client(), campaign)


def test_an_edit_shows_at_once_in_the_process_that_made_it(cached_pages, campaign):
    assert "Stop face surveillance" in page_of(Client(), campaign)
    campaign.title = "End face surveillance now"
    save_campaign(campaign)
    assert "End face surveillance now" in page_of(Client(), campaign)
    partner = Partner.objects.create(name="Second Partner Org")
    campaign.partners.add(partner)
    assert "Second Partner Org" in page_of(Client(), campaign)


def test_a_closed_campaign_takes_no_signature_from_the_process_that_closed_it(
    cached_pages, client, campaign
):
    page_of(client, campaign)
    close_campaign(campaign)
    response = client.post(reverse("sign", args=[campaign.slug]), form_data())
    assert response.status_code == 410
    assert not Signature.objects.exists()


def test_the_count_json_is_kept_for_the_configured_seconds(
    settings, monkeypatch, client, campaign, outbox
):
    settings.PAGE_FRESH_SECONDS = 1
    url = reverse("api_count", args=[campaign.slug])
    client.post(reverse("sign", args=[campaign.slug]), form_data())
    run_worker()
    assert client.get(url).json()["confirmed"] == 0
    client.post(confirm_path_from(outbox[-1]))
    assert client.get(url).json()["confirmed"] == 0  # kept
    later = time.monotonic() + 1.5
    monkeypatch.setattr(memo.time, "monotonic", lambda: later)
    assert client.get(url).json()["confirmed"] == 1  # read again


def test_an_import_reaches_postal_code_lookups_at_once(db):
    state = Division(ocd_id="ocd-division/country:us/state:vt", name="Vermont")
    state.save()
    assert not place("US", "05401").known  # remembered as unknown
    report = run_import(
        "postal codes",
        [LinkRow("US", "05401", state.ocd_id, "manual", "test", line=2, file="t.csv")],
        [],
        lambda report: PostalCodeDivision.objects.create(
            country="US", postal_code="05401", division=state, method="manual"
        ),
    )
    assert report.rows == 1
    assert [d.name for d in place("US", "05401").divisions] == ["Vermont"]


def test_an_expiring_cache_stays_within_its_size(settings):
    settings.CAMPAIGN_FRESH_SECONDS = 60
    cache: Expiring[int] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=3)
    loads = []
    for key in range(10):
        cache.get(key, lambda key=key: loads.append(key) or key)
    assert len(cache._entries) <= 3
    assert cache.get(9, lambda: -1) == 9  # still kept
    settings.CAMPAIGN_FRESH_SECONDS = 0
    cache.clear()
    assert cache.get(9, lambda: -1) == -1
    assert cache.get(9, lambda: -2) == -2  # zero seconds: nothing kept
