"""A new organiser signs in with a password and a one-time code, builds a
per-area campaign from nothing ("write to each signer's state representative
every 100 signers"), tests a postal code, launches it; then a supporter signs,
agreeing to hear from the organisers, and confirms; the dashboard shows her
signature; the organiser writes an update and sends it, and the supporter
receives it, once, through the worker and a real SMTP server on loopback. In
Debian's Chromium, every request on our own origin.

The organiser's form interactions (each fill, tick and click) are counted:
the issue's bar is at most 15 from the campaign list to a live campaign.
axe-core checks each workspace page on the way (every workspace page, with
errors too: tests/test_every_workspace_page_passes_axe.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from undersigned.areas.models import SignatureDivision
from undersigned.campaigns.models import Campaign
from undersigned.counting.counts import confirmed_count
from undersigned.signatures.models import Signature
from undersigned.staff.roles import Role, create_account, new_authenticator

from .accessibility import assert_accessible
from .conftest import CONFIRM_LINK, run_worker
from .delivery_helpers import free_port, smtp_server  # noqa: F401 (the smtp fixture)
from .workspace import FIRST_MIDDLESEX, PASSWORD, code_for, districts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUILD_INTERACTIONS = 15


class Counted:
    """The organiser's hands: every fill, tick and click goes through here."""

    def __init__(self, page: Page):
        self.page = page
        self.count = 0

    def fill(self, locator, value: str) -> None:
        self.count += 1
        locator.fill(value)

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def tick(self, locator) -> None:
        self.count += 1
        locator.check()


@pytest.fixture
def world(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.SIGN_MIN_SECONDS = 0
    districts()
    user = create_account(Role.ORGANISER, "new-organiser", password=PASSWORD, actor="test")
    return new_authenticator(user)


def sign_in(page: Page, device) -> int:
    hands = Counted(page)
    page.goto("/organise/")
    expect(page.get_by_role("heading", name="Organisers' workspace")).to_be_visible()
    hands.fill(page.get_by_label("Username"), "new-organiser")
    hands.fill(page.get_by_label("Password"), PASSWORD)
    hands.fill(page.get_by_label("Code from your authenticator app"), code_for(device))
    hands.click(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("heading", name="Campaigns", level=1)).to_be_visible()
    return hands.count


def build_and_launch(page: Page) -> int:
    hands = Counted(page)
    hands.click(page.get_by_role("link", name="New campaign"))
    # 1. Basics (the address is made from the title).
    hands.fill(page.get_by_label("Title"), "Protect our privacy")
    hands.fill(
        page.get_by_label("Summary"), "Ask your state representative to ban face surveillance."
    )
    hands.fill(page.get_by_label("The campaign page's text"), "Face surveillance is **spreading**.")
    expect(page.locator("[data-preview] strong")).to_have_text("spreading")  # live preview
    assert_accessible(page)
    hands.click(page.get_by_role("button", name="Save and continue"))
    # 2. The letter.
    expect(page.get_by_role("heading", name="2. The letter")).to_be_visible()
    assert_accessible(page)
    hands.fill(page.get_by_label("Subject"), "Ban face surveillance")
    hands.fill(page.get_by_label("Letter"), "Dear representative,\n\nPlease ban it.")
    hands.click(page.get_by_role("button", name="Save and continue"))
    # 3. Targets: the picker names each kind of area in words, with its numbers.
    expect(page.get_by_role("heading", name="3. Targets")).to_be_visible()
    assert_accessible(page)
    hands.tick(page.get_by_label("State house districts (sldl)"))
    hands.click(page.get_by_role("button", name="Save and continue"))
    # Delivery defaults to every 100 signers per area: straight to the checklist.
    expect(page.get_by_role("heading", name="4. Delivery")).to_be_visible()
    expect(page.get_by_label(re.compile("Deliver to an area's officials"))).to_have_value("100")
    assert_accessible(page)
    hands.click(page.get_by_role("link", name="Launch checklist"))
    expect(page.get_by_role("heading", name="Launch checklist")).to_be_visible()
    expect(page.get_by_text("Signers from 2 of 3 postal codes")).to_be_visible()
    # What a signer from a split ZIP sees, and whom each answer writes to.
    hands.fill(page.get_by_label("Test a postal code"), "02140")
    hands.click(page.get_by_role("button", name="Test", exact=True))
    expect(page.get_by_text("Which state house district do you live in?")).to_be_visible()
    expect(
        page.get_by_text(re.compile("2nd Middlesex: the letter goes to Casey Sample"))
    ).to_be_visible()
    # Partial coverage: California's district has no postal codes yet.
    expect(
        page.get_by_text(re.compile("California: 1 of 1 have no postal codes linked"))
    ).to_be_visible()
    assert_accessible(page)
    hands.tick(page.get_by_label("I understand what is missing and want to launch anyway."))
    hands.click(page.get_by_role("button", name="Launch now"))
    expect(page.get_by_text("The campaign is live.")).to_be_visible()
    assert_accessible(page)
    return hands.count


def supporter_signs_and_confirms(page: Page, campaign: Campaign, smtp) -> None:
    page.goto(campaign.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Protect our privacy")
    expect(page.get_by_text(re.compile("state house district"))).to_be_visible()
    page.get_by_role("textbox", name=re.compile(r"^First name\b")).fill("Jane")
    page.get_by_role("textbox", name=re.compile(r"^Last name\b")).fill("Doe")
    page.get_by_role("textbox", name=re.compile(r"^E-mail\b")).fill("jane@example.org")
    page.get_by_role("textbox", name=re.compile(r"^Postal code\b")).fill("02143")
    page.get_by_label(re.compile("may e-mail me about this and other campaigns")).check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    run_worker()
    assert len(smtp.received) == 1
    text = smtp.received[0].get_body(("plain",)).get_content()
    page.goto(CONFIRM_LINK.search(text).group(0))
    page.get_by_role("button", name="Confirm my signature").click()
    expect(page.get_by_role("heading", name="Thank you for signing.")).to_be_visible()


def dashboard_shows_the_signature(page: Page, campaign: Campaign) -> None:
    """The organiser, still signed in, opens the campaign's dashboard."""
    page.goto("/organise/campaigns/")
    page.get_by_role("link", name="Protect our privacy").click()
    figures = page.locator("dl.figures")
    expect(figures.locator("div", has_text="Confirmed").locator("dd")).to_have_text("1")
    expect(figures.locator("div", has_text="Awaiting confirmation").locator("dd")).to_have_text("0")
    expect(page.get_by_role("heading", name="Signatures over time")).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    # Jane's district is one signer into its first hundred.
    closest = page.get_by_role(
        "table", name="The areas fewest signers away from their next delivery"
    )
    expect(closest.get_by_role("row", name=re.compile("1st Middlesex 1 100 99"))).to_be_visible()
    assert_accessible(page)


def organiser_sends_an_update(page: Page, campaign: Campaign) -> None:
    page.get_by_role("link", name="Updates to supporters").click()
    expect(page.get_by_text("1 confirmed signer agreed to hear from you.")).to_be_visible()
    page.get_by_role("link", name="Write an update").click()
    page.get_by_label("Subject").fill("We are on our way")
    page.get_by_label("Message").fill("Thank you! **One** signer so far.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("It will go to 1 supporter")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Send to 1 supporter").click()
    expect(page.get_by_text("The update is on its way to 1 supporter.")).to_be_visible()
    assert_accessible(page)
    run_worker()
    page.reload()
    figures = page.locator("dl.figures")
    expect(figures.locator("div", has_text="Handed to the mail server").locator("dd")).to_have_text(
        "1"
    )


def test_a_new_organiser_launches_a_per_area_campaign_and_a_supporter_signs(
    new_page, world, smtp, requests_seen
):
    organiser = new_page()
    assert sign_in(organiser, world) == 4
    assert_accessible(organiser)  # the campaign list
    assert build_and_launch(organiser) == BUILD_INTERACTIONS

    campaign = Campaign.objects.get(slug="protect-our-privacy")
    assert campaign.status == Campaign.Status.LIVE
    rules = list(campaign.delivery_rules.values_list("kind", "division_type", "batch_size"))
    assert rules == [("local", "sldl", 100)]

    supporter_signs_and_confirms(new_page(), campaign, smtp)
    signature = Signature.objects.get(campaign=campaign)
    assert signature.status == Signature.Status.CONFIRMED
    placed = SignatureDivision.objects.filter(signature=signature)
    assert FIRST_MIDDLESEX in set(placed.values_list("division__ocd_id", flat=True))
    run_worker()
    assert confirmed_count(campaign) == 1
    dashboard_shows_the_signature(organiser, campaign)
    smtp.received.clear()
    organiser_sends_an_update(organiser, campaign)
    [update] = smtp.received
    assert (update["Subject"], update["X-Test-Rcpt"]) == ("We are on our way", "jane@example.org")
    assert "Hello Jane," in update.get_body(("plain",)).get_content()
    assert update["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_the_builder_works_without_javascript(new_page, world):
    page = new_page(java_script_enabled=False)
    sign_in(page, world)
    page.get_by_role("link", name="New campaign").click()
    page.get_by_label("The campaign page's text").fill("A **bold** claim.")
    page.get_by_role("button", name="Preview the text").click()
    expect(page.locator("[data-preview] strong")).to_have_text("bold")
    assert Campaign.objects.count() == 0  # a preview saves nothing
    page.get_by_label("Title").fill("No script needed")
    page.get_by_label("Summary").fill("Works everywhere.")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="2. The letter")).to_be_visible()
    assert Campaign.objects.get().slug == "no-script-needed"
