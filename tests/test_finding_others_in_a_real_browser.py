"""In a real Chromium: a supporter signs, confirms, follows "find others near
you" from the thank-you page to their area, and looks at the overview's map and
chart, and no request ever leaves the site."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .area_pages import bulk_signers, geography, publish_now
from .conftest import CONFIRM_LINK, run_worker
from .delivery_helpers import lawmaker, local_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def letter(settings, live_server):
    settings.SITE_URL = live_server.url
    # A test types faster than any person; the timing check would quarantine it.
    settings.SIGN_MIN_SECONDS = 0
    areas = geography()
    campaign = local_campaign()
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@example.org")
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 42, days=10, listed=True)
    bulk_signers(campaign, [areas["oakland"], areas["ca"]], 15, start=100, days=3)
    publish_now(campaign)
    return campaign


def test_find_others_near_you_goes_from_the_thank_you_page_to_the_signers_area(
    page, letter, outbox, live_server, requests_seen
):
    page.goto(letter.get_absolute_url())
    page.get_by_role("textbox", name=re.compile(r"^First name")).fill("Jane")
    page.get_by_role("textbox", name=re.compile(r"^Last name")).fill("Doe")
    page.get_by_role("textbox", name=re.compile(r"^E-mail")).fill("jane@example.org")
    page.get_by_role("textbox", name=re.compile(r"^Postal code")).fill("02143")
    listing = page.get_by_role("checkbox", name=re.compile("List my first name and city"))
    expect(listing).not_to_be_checked()
    listing.check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    run_worker()
    page.goto(CONFIRM_LINK.search(outbox[0].body).group(0))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", name="Thank you for signing.")).to_be_visible()

    page.get_by_role("link", name="Find others near you in Somerville, MA").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Somerville, MA")
    expect(page.get_by_role("progressbar", name=re.compile("^42 of 100 — 58 more"))).to_be_visible()
    expect(page.get_by_text("Bulk0 E.")).to_be_visible()
    # The pages after the sign form (the sign form's own postal-code lookup aside).
    visited = [url for url in requests_seen if f"/c/{letter.slug}/" in url]
    for private in ["jane", "Jane", "Doe", "02143"]:
        assert not any(private in url for url in visited), visited
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_the_overview_map_and_chart_load_nothing_from_elsewhere(page, letter, requests_seen):
    page.goto(f"/c/{letter.slug}/areas/")

    expect(page.get_by_role("img", name=re.compile("Where people have signed"))).to_be_visible()
    expect(page.get_by_role("img", name="Confirmed signatures over time")).to_be_visible()
    expect(page.get_by_role("table").first).to_be_visible()
    page.get_by_role("search").get_by_role("textbox").fill("94607")
    page.get_by_role("search").get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oakland, CA")
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()
