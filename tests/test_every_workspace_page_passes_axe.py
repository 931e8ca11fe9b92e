"""axe-core, injected by Playwright into every workspace page in Chromium, finds
no serious or critical accessibility violation, and no label, description or
in-page link pointing at nothing: each page as the role that may open it sees
it, with data in it (a launched campaign with signatures, letters to post,
failed letters and e-mails, signatures waiting and in review, an update; a
draft with a rule to check before launch), and the pages' answers that show
errors, messages and a tested postal code.

The workspace URLs are read from the resolver: a new one fails
`test_every_workspace_url_is_checked_or_said_not_to_be_a_page` until it is
given a role here (or said to be a file or a POST-only action).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from undersigned.areas.models import TargetRule
from undersigned.campaigns.models import DeliveryRule, Partner
from undersigned.deliveries.milestones import deliver_now
from undersigned.deliveries.models import DeliveryAttempt
from undersigned.outbox.models import Email
from undersigned.privacy.identity import email_digest
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.models import Signature
from undersigned.staff.roles import Role
from undersigned.updates.actions import save_update
from undersigned.updates.models import Update

from .accessibility import assert_accessible
from .area_pages import publish_now
from .conftest import make_campaign, run_worker
from .delivery_helpers import sign_and_confirm
from .workspace import (
    account,
    districts,
    draft,
    signed_in,
    workspace_url,
    workspace_url_names,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Who opens each workspace page; None: not a page (a file, or an action that
# only takes a POST, whose answer is a page checked below).
OPENED_BY = {
    "home": None,  # a redirect to one's own section
    "sign_in": "anonymous",
    "sign_out": None,
    "campaigns": "organiser",
    "new_campaign": "organiser",
    "body_preview": None,
    "campaign": "organiser",
    "step_basics": "organiser",
    "step_letter": "organiser",
    "step_targets": "organiser",
    "step_delivery": "organiser",
    "step_form": "organiser",
    "step_partners": "organiser",
    "step_dates": "organiser",
    "letter_pdf": None,
    "letter_png": None,
    "launch": "organiser",
    "review": "reviewer",
    "partner_campaigns": "partner",
    "partner_campaign": "partner",
    "retry_deliveries": None,
    "mark_mailed": None,
    "place_now": None,
    "protection": None,
    "delivery_pack": None,
    "export": "organiser",
    "export_csv": None,
    "partner_export_csv": None,
    "updates": "organiser",
    "new_update": "organiser",
    "update": "organiser",
    "update_test": None,
    "update_send": None,
    "embedding": "organiser",
    "keys": "organiser",
    "revoke_key": None,
    "webhooks": "organiser",
    "webhook": "organiser",
}
LETTER_PREVIEW_MS = 90_000
# The builder's steps and the launch checklist are checked on a draft.
ON_THE_DRAFT = {name for name in OPENED_BY if name.startswith("step_")} | {"launch"}


@pytest.fixture
def world(settings, live_server):
    settings.SITE_URL = live_server.url
    areas = districts()
    partner = Partner.objects.create(name="Partner A")
    campaign = make_campaign(letter_body="Dear representative,\n\nPlease act.")
    campaign.partners.add(partner)
    TargetRule.objects.create(campaign=campaign, division_type="sldl", roles="lower")
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="sldl", batch_size=100
    )
    campaign.targets.create(name="A. Official", postal_address="1 Example St")
    campaign.targets.create(name="B. Official", email="b.official@example.org")
    signed = sign_and_confirm(campaign, areas["1st"], 3)
    run_worker()
    delivery = deliver_now(campaign, actor="test")
    run_worker()  # letters e-mailed, one to print and post
    # What the worker records after its last try, for the dashboard to list.
    DeliveryAttempt.objects.filter(channel="email").update(state="failed", last_error="SMTPX 550")
    Email.objects.filter(signature__campaign=campaign).update(state=Email.State.FAILED)
    # A signature waiting for an area, and one in review.
    waiting = Signature(
        campaign=campaign,
        letter_version=campaign.current_letter(),
        email_digest=email_digest("waiting@example.org"),
        email="waiting@example.org",
        first_name="Waiting",
        postal_code="02999",
        country="US",
        status=Signature.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    )
    write_signatures([(waiting, [])])
    Signature.objects.filter(pk=signed[0]).update(
        status="quarantined", held_status="confirmed", quarantine_reason="test"
    )
    publish_now(campaign)
    save_update(Update(campaign=campaign, subject="News", body="We are **close**."), actor="t")

    rule_draft = draft()
    TargetRule.objects.create(campaign=rule_draft, division_type="sldl", roles="lower")
    DeliveryRule.objects.create(
        campaign=rule_draft, kind=DeliveryRule.Kind.LOCAL, division_type="sldl", batch_size=100
    )
    users = {
        "organiser": account(Role.ORGANISER, "organiser", email="o@example.org"),
        "reviewer": account(Role.REVIEWER, "reviewer"),
        "partner": account(Role.PARTNER, "partner-a", partner),
    }
    return campaign, rule_draft, delivery, users


def opened_as(new_page, live_server, user) -> Page:
    """A browser page whose session is `user`'s, second factor verified."""
    page = new_page()
    if user is not None:
        cookie = signed_in(user).cookies[django_settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
    return page


def test_every_workspace_url_is_checked_or_said_not_to_be_a_page():
    assert sorted(workspace_url_names()) == sorted(OPENED_BY)


def test_every_workspace_page_has_no_serious_or_critical_violation(
    new_page, live_server, world, requests_seen
):
    campaign, rule_draft, delivery, users = world
    pages = {
        role: opened_as(new_page, live_server, users.get(role))
        for role in ("anonymous", "organiser", "reviewer", "partner")
    }
    checked = []
    for name, role in OPENED_BY.items():
        if role is None:
            continue
        page = pages[role]
        on = rule_draft if name in ON_THE_DRAFT else campaign
        # The letter's step renders the letter with 100 sample signers and draws
        # its first page: slow on a busy machine (over 10 s once, on 2 cores
        # under a load of 12), and part of what the check reads.
        url = workspace_url(name, on, delivery)
        response = page.goto(url, wait_until="domcontentloaded", timeout=LETTER_PREVIEW_MS)
        assert response.status == 200, (name, role, response.status)
        page.wait_for_load_state("load", timeout=LETTER_PREVIEW_MS)
        assert_accessible(page)
        checked.append(name)
    assert len(checked) == 23
    # The dashboard has data in every section the axe check read.
    page = pages["organiser"]
    page.goto(workspace_url("campaign", campaign, delivery))
    expect(page.get_by_text("SMTPX 550")).to_be_visible()
    expect(page.get_by_role("button", name="Mark the ticked ones as mailed")).to_be_visible()
    expect(page.get_by_role("button", name="Place now")).to_be_visible()
    requests_seen.assert_all_same_origin()
    requests_seen.assert_nothing_broken()


def test_the_workspace_pages_answers_have_no_serious_or_critical_violation(
    new_page, live_server, world
):
    """Errors, messages, a tested postal code and the 403 page."""
    campaign, rule_draft, delivery, users = world
    # The sign-in form refusing a wrong password.
    page = opened_as(new_page, live_server, None)
    page.goto(workspace_url("sign_in", campaign, delivery))
    page.get_by_label("Username").fill("organiser")
    page.get_by_label("Password").fill("not the password")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)

    page = opened_as(new_page, live_server, users["organiser"])
    # The launch checklist with a split postal code tested: a choice to make.
    page.goto(workspace_url("launch", rule_draft, delivery))
    page.get_by_label("Test a postal code").fill("02140")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.get_by_text("Which state house district do you live in?")).to_be_visible()
    assert_accessible(page)
    # A builder step refusing an empty title.
    page.goto(workspace_url("step_basics", rule_draft, delivery))
    page.get_by_label("Title").fill("")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    # An update without its words.
    page.goto(workspace_url("new_update", campaign, delivery))
    page.get_by_role("button", name="Save the draft").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page)
    # The dashboard with the message an action leaves.
    page.goto(workspace_url("campaign", campaign, delivery))
    page.get_by_role("button", name="Place now").click()
    expect(page.locator("[role=status], .messages")).to_be_visible()
    assert_accessible(page)
    # A reviewer where only organisers go: the 403 page.
    page = opened_as(new_page, live_server, users["reviewer"])
    response = page.goto(workspace_url("campaigns", campaign, delivery))
    assert response.status == 403
    assert_accessible(page)
