"""A signer whose postal code spans two congressional districts chooses theirs,
or says they are not sure, in a real Chromium: with JavaScript the page asks
and previews the letter's recipients before the first submit, never saying
"no lawmakers" while there are some to choose from; without it the form asks
after it. A signer who is not sure signs all the same and waits for the
district."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from undersigned.areas.models import SignatureDivision

from .areas import CD5, CD7, MA, SOMERVILLE, made_up_massachusetts, target_by_area
from .conftest import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(live_server, settings):
    # A test types faster than any person: it would be asked for the check
    # (test_the_check_in_a_real_browser.py), which is not what this is about.
    settings.SIGN_MIN_SECONDS = 0
    made_up_massachusetts()
    campaign = make_campaign()
    target_by_area(campaign, "cd", "rep")
    return campaign


def field(page: Page, label: str):
    return page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\b"))


def fill_details(page: Page, postal_code: str) -> None:
    field(page, "First name").fill("Jane")
    field(page, "Last name").fill("Doe")
    field(page, "E-mail").fill("jane@example.org")
    field(page, "Postal code").fill(postal_code)


def placement() -> dict[str, str]:
    return dict(SignatureDivision.objects.values_list("division__ocd_id", "how"))


def test_with_javascript_the_page_asks_and_previews_before_the_first_submit(
    page, campaign, requests_seen
):
    page.goto(campaign.get_absolute_url())
    fill_details(page, "02143")
    preview = page.locator("[data-area-preview]")
    expect(preview).to_contain_text(
        "Your letter will go to: Kim Sevenson (fictional), U.S. Representative."
    )
    field(page, "Postal code").fill("02145")
    question = page.get_by_role("group", name="Which congressional district do you live in?")
    expect(question).to_be_visible()
    expect(preview).to_contain_text("Choose your congressional district")
    question.get_by_label("Massachusetts's 5th congressional district").check()
    expect(preview).to_contain_text("Your letter will go to: Lee Fiveson (fictional)")
    expect(preview).not_to_contain_text("Kim Sevenson")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert placement() == {MA: "lookup", SOMERVILLE: "lookup", CD5: "chosen"}
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()
    assert any("/api/areas/lookup?campaign=" in url for url in requests_seen)


def test_without_javascript_the_form_comes_back_with_the_question(new_page, campaign):
    page = new_page(java_script_enabled=False)
    page.goto(campaign.get_absolute_url())
    fill_details(page, "02145")
    expect(page.locator("[data-area-preview]")).to_be_hidden()
    page.get_by_role("button", name="Sign", exact=True).click()
    question = page.get_by_role("group", name="Which congressional district do you live in?")
    expect(question).to_be_visible()
    expect(question).to_contain_text(
        "Please choose your congressional district, or “I'm not sure”: postal code 02145 "
        "covers more than one."
    )
    expect(field(page, "First name")).to_have_value("Jane")
    expect(field(page, "E-mail")).to_have_value("jane@example.org")
    question.get_by_label("Massachusetts's 7th congressional district").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert placement() == {MA: "lookup", SOMERVILLE: "lookup", CD7: "chosen"}


def test_with_javascript_a_signer_not_sure_of_their_district_still_signs(page, campaign):
    page.goto(campaign.get_absolute_url())
    fill_details(page, "02145")
    preview = page.locator("[data-area-preview]")
    question = page.get_by_role("group", name="Which congressional district do you live in?")
    expect(question).to_be_visible()
    # Before a choice: lawmakers are on file for both districts, so say nothing of none.
    expect(preview).to_contain_text("Choose your congressional district")
    expect(preview).not_to_contain_text("lawmakers yet")
    expect(preview).not_to_contain_text("no lawmakers")
    question.get_by_label("I'm not sure").check()
    expect(preview).to_contain_text("Tell us which congressional district you live in")
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert placement() == {MA: "lookup", SOMERVILLE: "lookup"}


def test_without_javascript_a_signer_not_sure_of_their_district_still_signs(new_page, campaign):
    page = new_page(java_script_enabled=False)
    page.goto(campaign.get_absolute_url())
    fill_details(page, "02145")
    page.get_by_role("button", name="Sign", exact=True).click()
    question = page.get_by_role("group", name="Which congressional district do you live in?")
    question.get_by_label("I'm not sure").check()
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    expect(page.locator(".area-notice")).to_contain_text(
        "Tell us which congressional district you live in whenever you know"
    )
    assert placement() == {MA: "lookup", SOMERVILLE: "lookup"}


def test_with_javascript_a_code_we_do_not_know_is_said_plainly(page, campaign):
    page.goto(campaign.get_absolute_url())
    fill_details(page, "99999")
    expect(page.locator("[data-area-preview]")).to_contain_text(
        "We don't know yet where postal code 99999 lies. "
        "We'll deliver your letter as soon as we do."
    )
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert placement() == {}
