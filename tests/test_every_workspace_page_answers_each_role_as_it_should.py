"""Every workspace URL, for everyone who might ask: the exact answer each gets.

The URLs are read from the resolver, so a new workspace page without a row
here fails this test: give it one (and see undersigned/organise/access.py).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from undersigned.campaigns.models import Partner, Target
from undersigned.deliveries.milestones import deliver_now
from undersigned.signatures import actions
from undersigned.signatures.rights import manage_url
from undersigned.staff.roles import Role
from undersigned.updates.actions import save_update
from undersigned.updates.models import Update

from .conftest import make_campaign, run_worker
from .delivery_helpers import sign_and_confirm
from .workspace import account, districts, draft, signed_in, workspace_url, workspace_url_names

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "supporter", "partner_a", "partner_b", "reviewer", "organiser"]
IN = 302  # to the sign-in page


def row(anonymous, supporter, partner_a, partner_b, reviewer, organiser):
    values = (anonymous, supporter, partner_a, partner_b, reviewer, organiser)
    return dict(zip(ROLES, values, strict=True))


ORGANISERS_ONLY = row(IN, IN, 403, 403, 403, 200)
EXPECTED = {
    "home": row(IN, IN, 302, 302, 302, 302),  # signed in: to one's own section
    "sign_in": row(200, 200, 200, 200, 200, 200),
    "sign_out": row(405, 405, 405, 405, 405, 405),  # POST only
    "campaigns": ORGANISERS_ONLY,
    "new_campaign": ORGANISERS_ONLY,
    "body_preview": row(IN, IN, 403, 403, 403, 405),  # POST only
    "campaign": ORGANISERS_ONLY,
    "step_basics": ORGANISERS_ONLY,
    "step_letter": ORGANISERS_ONLY,
    "step_targets": ORGANISERS_ONLY,
    "step_delivery": ORGANISERS_ONLY,
    "step_form": ORGANISERS_ONLY,
    "step_partners": ORGANISERS_ONLY,
    "step_dates": ORGANISERS_ONLY,
    "letter_pdf": ORGANISERS_ONLY,
    "letter_png": ORGANISERS_ONLY,
    "launch": ORGANISERS_ONLY,
    "embedding": ORGANISERS_ONLY,
    "keys": ORGANISERS_ONLY,
    "revoke_key": row(IN, IN, 403, 403, 403, 405),  # POST only
    "webhooks": ORGANISERS_ONLY,
    "webhook": ORGANISERS_ONLY,
    "review": row(IN, IN, 403, 403, 200, 200),
    "partner_campaigns": row(IN, IN, 200, 200, 403, 403),
    # Partner A co-sponsors the campaign; B learns nothing of it.
    "partner_campaign": row(IN, IN, 200, 404, 403, 403),
    # The campaign's dashboard: its actions are POST only, its pack and exports GET.
    "retry_deliveries": row(IN, IN, 403, 403, 403, 405),
    "mark_mailed": row(IN, IN, 403, 403, 403, 405),
    "place_now": row(IN, IN, 403, 403, 403, 405),
    "protection": row(IN, IN, 403, 403, 403, 405),
    "delivery_pack": ORGANISERS_ONLY,
    "export": ORGANISERS_ONLY,
    "export_csv": ORGANISERS_ONLY,
    "partner_export_csv": row(IN, IN, 200, 404, 403, 403),
    # Updates to supporters.
    "updates": ORGANISERS_ONLY,
    "new_update": ORGANISERS_ONLY,
    "update": ORGANISERS_ONLY,
    "update_test": row(IN, IN, 403, 403, 403, 405),
    "update_send": row(IN, IN, 403, 403, 403, 405),
}

# The same URLs' answers to a POST (CSRF aside: the test client does not check it).
AFTER_POST = 302  # back to the dashboard, with a message
EXPECTED_POST = {
    "retry_deliveries": row(IN, IN, 403, 403, 403, AFTER_POST),
    "mark_mailed": row(IN, IN, 403, 403, 403, AFTER_POST),
    "place_now": row(IN, IN, 403, 403, 403, AFTER_POST),
    # Without the settings: refused, nothing changed.
    "protection": row(IN, IN, 403, 403, 403, 400),
    "update_test": row(IN, IN, 403, 403, 403, AFTER_POST),
    # Without the number of recipients the organiser saw: refused, nothing sent.
    "update_send": row(IN, IN, 403, 403, 403, 400),
}


@pytest.fixture
def world(client):
    districts()
    partner_a = Partner.objects.create(name="Partner A")
    partner_b = Partner.objects.create(name="Partner B")
    campaign = make_campaign(letter_body="Dear representative,\n\nPlease act.")
    campaign.partners.add(partner_a)
    Target.objects.create(campaign=campaign, name="A. Official", postal_address="1 Example St")
    supporter = Client()
    signed = actions.sign(
        campaign, actions.SignerDetails(email="supporter@example.org", first_name="Sam")
    )
    assert supporter.get(manage_url(signed.signature)).status_code == 200
    sign_and_confirm(campaign, None, 1)
    run_worker()
    delivery = deliver_now(campaign, actor="test")
    run_worker()  # dispatched: one letter to print and post
    save_update(Update(campaign=campaign, subject="News", body="We are **close**."), actor="t")
    clients = {
        "anonymous": Client(),
        "supporter": supporter,
        "partner_a": signed_in(account(Role.PARTNER, "partner-a", partner_a)),
        "partner_b": signed_in(account(Role.PARTNER, "partner-b", partner_b)),
        "reviewer": signed_in(account(Role.REVIEWER, "reviewer")),
        "organiser": signed_in(account(Role.ORGANISER, "organiser", email="o@example.org")),
    }
    return campaign, delivery, clients


def test_every_workspace_url_has_a_row():
    assert sorted(workspace_url_names()) == sorted(EXPECTED)


def test_each_role_gets_exactly_its_answer_from_every_workspace_url(world):
    campaign, delivery, clients = world
    seen = {}
    for name in workspace_url_names():
        url = workspace_url(name, campaign, delivery)
        for role in ROLES:
            response = clients[role].get(url)
            seen[(name, role)] = response.status_code
            if response.status_code == IN and EXPECTED[name][role] == IN and name != "home":
                assert response["Location"].startswith(reverse("organise:sign_in"))
    expected = {(name, role): EXPECTED[name][role] for name in EXPECTED for role in ROLES}
    wrong = {key: (seen[key], expected[key]) for key in expected if seen[key] != expected[key]}
    assert wrong == {}, "(url, role): (got, expected)"


def test_each_role_gets_exactly_its_answer_when_it_posts_to_an_action(world, mailoutbox):
    campaign, delivery, clients = world
    seen = {}
    for name in EXPECTED_POST:
        url = workspace_url(name, campaign, delivery)
        for role in ROLES:
            response = clients[role].post(url, {"delivery": [str(delivery.pk)]})
            seen[(name, role)] = response.status_code
            if response.status_code == AFTER_POST and role == "organiser":
                assert response["Location"].startswith(f"/organise/campaigns/{campaign.pk}/")
    expected = {(n, role): EXPECTED_POST[n][role] for n in EXPECTED_POST for role in ROLES}
    wrong = {key: (seen[key], expected[key]) for key in expected if seen[key] != expected[key]}
    assert wrong == {}, "(url, role): (got, expected)"


def test_a_partner_never_sees_a_draft_it_co_sponsors(world):
    campaign, _delivery, clients = world
    partner = Partner.objects.get(name="Partner A")
    hidden = draft()
    hidden.partners.add(partner)
    url = reverse("organise:partner_campaign", args=[hidden.pk])
    assert clients["partner_a"].get(url).status_code == 404
    listing = clients["partner_a"].get(reverse("organise:partner_campaigns")).content.decode()
    assert campaign.title in listing and hidden.title not in listing


def test_each_role_starts_in_its_own_section(world):
    _campaign, _delivery, clients = world
    starts = {
        role: clients[role].get(reverse("organise:home"))["Location"]
        for role in ("partner_a", "reviewer", "organiser")
    }
    assert starts == {
        "partner_a": reverse("organise:partner_campaigns"),
        "reviewer": reverse("organise:review"),
        "organiser": reverse("organise:campaigns"),
    }


def test_a_password_without_the_second_factor_opens_nothing(world, settings):
    assert settings.STAFF_2FA
    organiser = Client()
    organiser.force_login(account(Role.ORGANISER, "half-signed-in"))
    response = organiser.get(reverse("organise:campaigns"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("organise:sign_in"))


def test_workspace_accounts_do_not_open_the_django_admin(world):
    _campaign, _delivery, clients = world
    for role in ("partner_a", "reviewer", "organiser"):
        response = clients[role].get(reverse("admin:index"))
        assert response.status_code == 302, role
