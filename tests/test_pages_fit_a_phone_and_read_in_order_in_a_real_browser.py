"""In Chromium, in English and Spanish, on 320 and 375 px phones and a 1280 px
screen: no page is wider than the screen even for 100-character names and a
delivery receipt's hashes, the letter comes before the sign button, and after
a bad submit the focus is on the error summary."""

from __future__ import annotations

import pytest

from undersigned.signatures import actions

from .conftest import make_campaign
from .public_pages import public_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Maximiliana" * 9 + "X"  # 100 characters, no space to break at
SCREENS = [320, 375, 1280]
LANGUAGES = ["", "/es"]


@pytest.fixture
def live_campaign(settings, live_server):
    settings.SITE_URL = live_server.url
    settings.SIGN_MIN_SECONDS = 0
    campaign = make_campaign(title="T" * 200, summary="S" * 300)
    actions.sign(
        campaign,
        actions.SignerDetails(email="long@example.org", first_name=LONG_NAME, last_name=LONG_NAME),
    )
    return campaign


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("prefix", LANGUAGES)
def test_no_page_is_wider_than_the_screen(new_page, live_server, live_campaign, width, prefix):
    page = new_page(viewport={"width": width, "height": 800})
    slug = live_campaign.slug
    for path in [f"{prefix}/", f"{prefix}/c/{slug}/", f"{prefix}/c/{slug}/areas/"]:
        page.goto(live_server.url + path)
        assert page_width(page) <= width, path
    # A bad submit with 100-character names shown back in the form.
    page.goto(f"{live_server.url}{prefix}/c/{slug}/")
    page.fill("#id_first_name", LONG_NAME)
    page.fill("#id_last_name", LONG_NAME)
    page.fill("#id_email", "not an address")
    page.click("button.primary")
    page.wait_for_selector("[data-error-summary]")
    # Measured once the stylesheet has loaded, as a person would see it.
    page.wait_for_load_state("load")
    assert page_width(page) <= width
    # The letter, signed with a long name as it is typed.
    page.fill("#id_first_name", LONG_NAME)
    assert page_width(page) <= width


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_delivery_receipt_with_its_hashes_fits_a_phone(new_page, settings, live_server, language):
    settings.SITE_URL = live_server.url
    receipt = public_site().pages(language)["delivery receipt"]
    page = new_page(viewport={"width": 375, "height": 800})
    for width in (375, 320):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(receipt)
        page.wait_for_load_state("load")
        # The 64-character SHA-256 fingerprints, shown whole.
        for fingerprint in ("#pdf-sha256", "#csv-sha256"):
            assert len(page.locator(fingerprint).inner_text()) == 64
            box = page.locator(fingerprint).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (fingerprint, width)
        assert page_width(page) <= width, width


@pytest.mark.parametrize("prefix", LANGUAGES)
def test_on_a_phone_the_letter_comes_before_the_sign_button(
    new_page, live_server, live_campaign, prefix
):
    page = new_page(viewport={"width": 375, "height": 800})
    page.goto(f"{live_server.url}{prefix}/c/{live_campaign.slug}/")
    letter = page.locator(".letter").bounding_box()
    button = page.locator("button.primary").bounding_box()
    assert letter["y"] + letter["height"] <= button["y"]


@pytest.mark.parametrize("width", SCREENS)
@pytest.mark.parametrize("prefix", LANGUAGES)
def test_after_a_bad_submit_the_focus_is_on_the_error_summary(
    new_page, live_server, live_campaign, width, prefix
):
    page = new_page(viewport={"width": width, "height": 800})
    page.goto(f"{live_server.url}{prefix}/c/{live_campaign.slug}/")
    page.click("button.primary")
    page.wait_for_selector("[data-error-summary]")
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    # Each entry links to its field.
    page.locator("#error-summary a").first.click()
    assert page.evaluate("document.activeElement.tagName") == "INPUT"
