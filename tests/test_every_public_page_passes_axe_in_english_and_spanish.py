"""axe-core, injected by Playwright into every public page in Chromium, finds no
serious or critical accessibility violation, in English and in Spanish: the
campaign page, the sign form with its errors, "check your e-mail", confirm,
thanks, manage, unsubscribe, the area overview, an area page, the postal-code
search, a delivery receipt and the page for an address that does not exist."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .accessibility import assert_accessible, dangling_references, violations
from .conftest import make_campaign
from .public_pages import LANGUAGES, public_site

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(settings, live_server):
    settings.SITE_URL = live_server.url
    # A test types faster than any person; the timing check would quarantine it.
    settings.SIGN_MIN_SECONDS = 0
    return public_site()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_has_no_serious_or_critical_violation(
    new_page, site, language, requests_seen
):
    page = new_page()
    checked = []
    for name, path in site.pages(language).items():
        response = page.goto(path)
        assert response.status == (404 if name == "not found" else 200), (name, path)
        assert page.locator("html").get_attribute("lang") == language, name
        assert_accessible(page)
        checked.append(name)

    # The sign form's answer to a bad submit: the error summary, every field's message.
    page.goto(site.pages(language)["campaign"])
    page.click("button.primary")
    expect(page.locator("#error-summary")).to_be_focused()
    assert_accessible(page)
    # Its answer to a good one: "check your e-mail".
    page.fill("#id_first_name", "Ana")
    page.fill("#id_last_name", "García")
    page.fill("#id_email", "ana@example.org")
    page.fill("#id_postal_code", "02143")
    page.click("button.primary")
    expect(page.locator("h1")).to_have_text(
        {"en": "Check your e-mail", "es": "Revisa tu correo"}[language]
    )
    assert_accessible(page)
    assert len(checked) == 10
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


@pytest.fixture
def campaign_page(new_page):
    page = new_page()
    page.goto(make_campaign().get_absolute_url())
    return page


def test_the_check_finds_a_violation(campaign_page):
    page = campaign_page
    # An image without a text alternative, and a form field without a label.
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            main.insertAdjacentHTML("beforeend", '<img src="/static/undersigned/favicon.svg">');
            main.insertAdjacentHTML("beforeend", '<input type="text" name="x">');
        }"""
    )
    found = {violation["id"] for violation in violations(page)}
    assert {"image-alt", "label"} <= found
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_the_check_finds_a_description_that_is_not_on_the_page(campaign_page):
    page = campaign_page
    assert dangling_references(page) == []
    page.evaluate(
        """() => document.querySelector("#id_email").setAttribute(
            "aria-describedby", "id_email_helptext")"""
    )
    assert dangling_references(page) == ['aria-describedby="id_email_helptext"']
    with pytest.raises(AssertionError, match="id_email_helptext"):
        assert_accessible(page)
