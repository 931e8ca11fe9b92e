"""The thank-you page says "You have signed" only to the browser that just
signed: the one that confirmed, or a remembered supporter who signed at once.
Anyone else who opens /c/<slug>/thanks/ (a shared or guessed link, the
signer's own reload later) gets a page that claims nothing about them."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db

SIGNED = "You have signed"


def thanks_page(client, campaign, query: str = "") -> str:
    response = client.get(reverse("thanks", args=[campaign.slug]) + query)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    return response.content.decode()


def sign_and_confirm(client, campaign, outbox, **fields):
    client.post(reverse("sign", args=[campaign.slug]), form_data(**fields))
    run_worker()
    response = client.post(confirm_path_from(outbox[-1]))
    assert response.status_code == 302
    return response["Location"]


def test_anyone_opening_the_page_is_not_told_they_signed(campaign):
    page = thanks_page(Client(), campaign)
    assert SIGNED not in page
    assert "Thank you for signing" not in page
    assert campaign.title in page
    assert "Find other participants" in page  # still useful: find others, share


def test_the_signer_who_just_confirmed_is_thanked_once(campaign, outbox):
    signer = Client()
    thanks = sign_and_confirm(signer, campaign, outbox)
    assert SIGNED in signer.get(thanks).content.decode()
    # The same address, opened by someone else, or by the signer again later.
    assert SIGNED not in Client().get(thanks).content.decode()
    assert SIGNED not in signer.get(thanks).content.decode()


def test_signing_one_campaign_says_nothing_on_anothers_page(campaign, outbox):
    other = make_campaign(slug="another-campaign", title="Another campaign")
    signer = Client()
    sign_and_confirm(signer, campaign, outbox)
    assert SIGNED not in thanks_page(signer, other)


def test_a_remembered_supporter_who_signs_at_once_is_thanked(campaign, outbox):
    signer = Client()
    thanks = sign_and_confirm(signer, campaign, outbox, remember="on")
    signer.get(thanks)
    other = make_campaign(slug="another-campaign", title="Another campaign")
    response = signer.post(reverse("sign", args=[other.slug]), form_data())
    assert response.status_code == 302
    assert SIGNED in signer.get(response["Location"]).content.decode()


def test_a_forged_marker_is_ignored(campaign):
    forger = Client()
    forger.cookies[settings.SIGNED_COOKIE] = str(campaign.pk)
    assert SIGNED not in thanks_page(forger, campaign)
