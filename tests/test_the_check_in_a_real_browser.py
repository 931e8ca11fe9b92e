"""The check, as a person meets it in Chromium: a form sent before a person
could have typed it (autofill) comes back with "One more step", the page's
own script solves the proof of work and sends the form, and the signature
is taken; without JavaScript, the page says how long to wait, and pressing
Sign after that signs. Nothing loads from another origin."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from undersigned.signatures.models import Signature

from .conftest import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECK = "One more step: your signature is not sent yet."


@pytest.fixture
def live_campaign(settings, live_server):
    settings.SITE_URL = live_server.url
    # Every form these tests send is "too fast" (the default, 3 s).
    settings.SIGN_MIN_SECONDS = 3
    settings.SIGN_CHECK_WAIT_SECONDS = 2
    return make_campaign()


def fill_in_and_sign(page: Page, campaign) -> None:
    page.goto(campaign.get_absolute_url())
    for label, value in [("First name", "Jane"), ("Last name", "Doe"),
                         ("E-mail", "jane@example.org"), ("Postal code", "02143")]:  # fmt: skip
        page.get_by_role("textbox", name=re.compile(rf"^{re.escape(label)}\b")).fill(value)
    page.get_by_role("button", name="Sign", exact=True).click()


def test_an_autofilled_form_passes_the_check_by_itself(page, live_campaign, requests_seen):
    fill_in_and_sign(page, live_campaign)
    # The check page, then (the browser's work done) the answer, with no click.
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible(timeout=30_000)
    signature = Signature.objects.get()
    assert (signature.signals, signature.check_passed) == ("submitted too fast", "pow")
    assert signature.status == Signature.Status.PENDING
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_without_javascript_a_person_waits_then_signs(new_page, live_campaign):
    page = new_page(java_script_enabled=False)
    fill_in_and_sign(page, live_campaign)
    expect(page.get_by_text(CHECK)).to_be_visible()
    expect(page.get_by_text("Please wait 2 seconds, then press Sign again.")).to_be_visible()
    assert page.get_by_role("textbox", name=re.compile("^First name")).input_value() == "Jane"
    page.wait_for_timeout(2500)
    page.get_by_role("button", name="Sign", exact=True).click()
    expect(page.get_by_role("heading", name="Check your e-mail")).to_be_visible()
    assert Signature.objects.get().check_passed == "wait"
