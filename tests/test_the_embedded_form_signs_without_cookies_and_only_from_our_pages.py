"""The embedded form (front/embed.py): framed only by the sites listed for
its campaign, working without any cookie, and safe to exempt from the
cookie-based CSRF check because it acts with no one's authority, takes
posts only from our own pages, and carries a frame token for its campaign.
The rest of the site keeps frame-ancestors 'none' and its CSRF check."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from undersigned.integrations.embeds import set_embed_origins
from undersigned.signatures.actions import SignerDetails, confirm, sign
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import form_data, make_campaign
from .workspace import draft

pytestmark = pytest.mark.django_db

PARTNER = "https://partner.example.org"
OURS = "http://testserver"


@pytest.fixture
def campaign(db):
    campaign = make_campaign()
    set_embed_origins(campaign, [PARTNER, "https://b.example.org"], actor="organiser")
    return campaign


def frame_token(client, campaign) -> str:
    page = client.get(f"/embed/c/{campaign.slug}/").content.decode()
    return re.search(r'name="frame" value="([^"]+)"', page).group(1)


def post(client, campaign, token, origin=OURS, **fields):
    data = form_data(frame=token, **fields)
    return client.post(f"/embed/c/{campaign.slug}/sign/", data, HTTP_ORIGIN=origin)


def test_the_form_may_be_framed_by_the_listed_sites_only(campaign):
    response = Client().get(f"/embed/c/{campaign.slug}/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors https://b.example.org https://partner.example.org;" in policy
    assert "X-Frame-Options" not in response
    assert "no-store" in response["Cache-Control"]
    assert response.cookies == {}  # not even a CSRF cookie
    badge = Client().get(f"/embed/c/{campaign.slug}/badge/")
    assert (
        "frame-ancestors https://b.example.org https://partner.example.org;"
        in (badge["Content-Security-Policy"])
    )
    # Every other page still refuses every frame.
    page = Client().get(campaign.get_absolute_url())
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"


def test_without_listed_sites_nobody_may_frame_it(db):
    campaign = make_campaign(slug="unlisted")
    response = Client().get(f"/embed/c/{campaign.slug}/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_signing_in_the_frame_needs_no_cookie(campaign):
    client = Client()
    token = frame_token(client, campaign)
    response = post(client, campaign, token)
    assert response.status_code == 200
    assert b"Check your e-mail" in response.content
    assert (
        "frame-ancestors https://b.example.org https://partner.example.org;"
        in (response["Content-Security-Policy"])
    )
    assert Signature.objects.get().status == "pending"
    assert response.cookies == {}


def test_a_remembered_device_is_not_used_in_the_frame(campaign, settings):
    """On our own page a remembered signer's signature counts at once; in the
    frame, the cookie is never read: the signer confirms by e-mail."""
    earlier = make_campaign(slug="earlier")
    result = sign(
        earlier, SignerDetails(email="jane@example.org", first_name="Jane"), remember=True
    )
    device_token = confirm(
        result.signature.pk, confirm_token(result.signature.pk, result.signature.link_version)
    ).device_token
    client = Client()
    client.cookies[settings.REMEMBER_COOKIE] = device_token
    page = client.get(f"/embed/c/{campaign.slug}/").content.decode()
    assert "Signing as" not in page
    response = post(client, campaign, frame_token(client, campaign))
    assert response.status_code == 200
    assert Signature.objects.get(campaign=campaign).status == "pending"


@pytest.mark.parametrize("origin", [PARTNER, "null", "https://evil.example.net"])
def test_a_post_from_another_sites_page_is_refused(campaign, origin):
    client = Client()
    response = post(client, campaign, frame_token(client, campaign), origin=origin)
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_a_post_without_a_fresh_token_for_this_campaign_is_refused(campaign):
    other = make_campaign(slug="other-campaign")
    client = Client()
    for token in ("", "forged", frame_token(client, other)):
        response = post(client, campaign, token)
        assert response.status_code == 400, token
        assert b"open for too long" in response.content
    with time_machine.travel(timezone.now() - timedelta(hours=25), tick=False):
        stale = frame_token(client, campaign)
    assert post(client, campaign, stale).status_code == 400
    assert not Signature.objects.exists()
    # The form comes back with a fresh token and what was typed.
    again = post(client, campaign, "").content.decode()
    assert 'value="jane@example.org"' in again
    assert post(client, campaign, frame_token(client, campaign)).status_code == 200


def test_the_main_sites_csrf_check_is_unchanged(campaign):
    client = Client(enforce_csrf_checks=True)
    response = client.post(f"/c/{campaign.slug}/sign/", form_data())
    assert response.status_code == 403
    assert not Signature.objects.exists()


def test_a_draft_has_no_embed(db):
    hidden = draft(slug="hidden")
    for path in ("", "badge/", "badge.svg"):
        assert Client().get(f"/embed/c/{hidden.slug}/{path}").status_code == 404


def test_the_count_picture_may_be_shown_by_any_site(campaign):
    for n in range(3):
        sign(campaign, SignerDetails(email=f"s{n}@example.org"), vouched_by="test")
    response = Client().get(f"/embed/c/{campaign.slug}/badge.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "3 people have signed" in response.content.decode()
    assert response.cookies == {}
