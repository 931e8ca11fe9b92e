"""'Remember me on this device' and 'Not Jane? Click here.'"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from undersigned.counting.counts import confirmed_count
from undersigned.signatures.models import Device, Signature

from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db


def sign_and_confirm(client, campaign, outbox, **overrides) -> None:
    client.post(reverse("sign", args=[campaign.slug]), form_data(**overrides))
    run_worker()
    response = client.post(confirm_path_from(outbox[-1]))
    assert response.status_code == 302


def test_confirming_with_remember_sets_an_opaque_httponly_cookie(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox, remember="on")
    cookie = client.cookies[settings.REMEMBER_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert "jane" not in cookie.value.lower() and "02143" not in cookie.value
    assert Device.objects.count() == 1
    assert bytes(Device.objects.get().token_digest) != cookie.value.encode()


def test_without_remember_no_cookie_and_no_device(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox)
    assert settings.REMEMBER_COOKIE not in client.cookies
    assert Device.objects.count() == 0


def test_a_remembered_supporter_signs_another_campaign_without_confirming(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox, remember="on")
    other = make_campaign(slug="second-campaign", title="Second campaign")
    page = client.get(reverse("campaign", args=[other.slug])).content.decode()
    assert "Signing as <strong>Jane D.</strong>" in page
    assert "Not Jane? Click here." in page
    assert 'name="email"' not in page
    sent_before = len(outbox)
    # The browser posts the form as rendered: only its token and consents remain.
    response = client.post(reverse("sign", args=[other.slug]), {"issued": form_data()["issued"]})
    assert response.status_code == 302
    assert response["Location"] == reverse("thanks", args=[other.slug])
    signature = Signature.objects.get(campaign=other)
    assert signature.status == Signature.Status.CONFIRMED
    assert (signature.first_name, signature.email) == ("Jane", "jane@example.org")
    assert confirmed_count(other) == 1
    run_worker()
    # No confirmation to make: only the receipt with the private link
    # (tests/test_remembered_signers_get_a_receipt_and_see_when_they_signed.py).
    assert [message.subject for message in outbox[sent_before:]] == ["You signed: Second campaign"]


def test_not_you_forgets_the_device(client, campaign, outbox):
    sign_and_confirm(client, campaign, outbox, remember="on")
    response = client.post(reverse("forget_device"), {"next": campaign.get_absolute_url()})
    assert response.status_code == 302
    assert response["Location"] == campaign.get_absolute_url()
    assert client.cookies[settings.REMEMBER_COOKIE].value == ""
    assert Device.objects.count() == 0
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "Signing as" not in page
    assert 'name="email"' in page


def test_forget_device_never_redirects_off_site(client, db):
    response = client.post(reverse("forget_device"), {"next": "//evil.example/"})
    assert response["Location"] == "/"


def test_an_unknown_device_cookie_is_ignored(client, campaign):
    client.cookies[settings.REMEMBER_COOKIE] = "made-up-token"
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "Signing as" not in page
