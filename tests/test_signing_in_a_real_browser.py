"""A supporter signs, confirms from the e-mail and is counted, in a real Chromium.

The whole journey runs against the live server, and every request the pages
make is checked: nothing may load from another origin.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import CONFIRM_LINK, make_campaign, run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_campaign(settings, live_server):
    # E-mail links are built from SITE_URL: point them at the live server.
    settings.SITE_URL = live_server.url
    # A test types faster than any person; the anti-bot timing check would
    # quarantine it silently and the count would never move.
    settings.SIGN_MIN_SECONDS = 0
    return make_campaign()


def field(page: Page, label: str):
    """The text box a person finds by its label (the label starts with this text;
    "E-mail" must not find the "E-mail me when…" checkboxes)."""
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\b"))


def sign(page: Page, campaign) -> None:
    page.goto(campaign.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(campaign.title)
    expect(page.get_by_text("0 people have signed")).to_be_visible()
    field(page, "First name").fill("Jane")
    field(page, "Last name").fill("Doe")
    field(page, "E-mail").fill("jane@example.org")
    field(page, "Postal code").fill("02143")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()


def confirm_from_email(page: Page, outbox, live_server) -> None:
    run_worker()
    assert len(outbox) == 1
    match = CONFIRM_LINK.search(outbox[0].body)
    assert match, f"no confirmation link in: {outbox[0].body!r}"
    link = match.group(0)
    assert link.startswith(live_server.url + "/")
    page.goto(link)
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", name="Thank you for signing.")).to_be_visible()


def test_a_supporter_signs_confirms_and_is_counted_without_leaving_the_site(
    page, live_campaign, outbox, live_server, requests_seen
):
    sign(page, live_campaign)
    confirm_from_email(page, outbox, live_server)
    page.goto(live_campaign.get_absolute_url())
    expect(page.get_by_text("1 person has signed")).to_be_visible()
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_the_letter_is_signed_with_the_name_as_it_is_typed(page, live_campaign, requests_seen):
    page.goto(live_campaign.get_absolute_url())
    letter = page.get_by_role("region", name=re.compile("The letter we will send"))
    expect(letter).to_contain_text("Signed, your name")
    field(page, "First name").press_sequentially("Jane")
    expect(letter).to_contain_text("Signed, Jane")
    field(page, "Last name").press_sequentially("Doe")
    expect(letter).to_contain_text("Signed, Jane Doe")
    field(page, "First name").fill("")
    field(page, "Last name").fill("")
    expect(letter).to_contain_text("Signed, your name")
    assert any(url.endswith("/letter.js") for url in requests_seen)
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_signing_and_confirming_work_without_javascript(
    new_page, live_campaign, outbox, live_server, requests_seen
):
    page = new_page(java_script_enabled=False)
    sign(page, live_campaign)
    confirm_from_email(page, outbox, live_server)
    page.goto(live_campaign.get_absolute_url())
    expect(page.get_by_text("1 person has signed")).to_be_visible()
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()
