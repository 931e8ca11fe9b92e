"""Every e-mail carries a private link: see, download, change, withdraw, erase."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from undersigned.counting.counts import confirmed_count
from undersigned.signatures.models import Consent, Signature

from .conftest import confirm_path_from, form_data, run_worker

pytestmark = pytest.mark.django_db

MANAGE = re.compile(r"https?://[^/\s]+(/my/[^/\s]+/)")


def signed_and_confirmed(client, campaign, outbox, **extra):
    client.post(reverse("sign", args=[campaign.slug]), form_data(**extra))
    run_worker()
    client.post(confirm_path_from(outbox[-1]))
    return MANAGE.search(outbox[-1].body).group(1)


def test_every_email_carries_a_private_link_and_one_click_unsubscribe(client, campaign, outbox):
    client.post(reverse("sign", args=[campaign.slug]), form_data())
    run_worker()
    message = outbox[0]
    assert MANAGE.search(message.body)
    assert MANAGE.search(message.alternatives[0][0]) or "/my/" in message.alternatives[0][0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.match(
        r"^<https?://[^>]+/unsubscribe/[^>]+/>$", message.extra_headers["List-Unsubscribe"]
    )


def test_the_private_page_shows_what_we_hold(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox, consent_organiser="on")
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "jane@example.org" in text and "02143" in text
    assert "Test Rights Group may e-mail me" in text
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]


def test_the_supporter_downloads_their_data_as_json(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox, consent_organiser="on")
    response = client.get(path + "?format=json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["details"]["email"] == "jane@example.org"
    assert data["status"] == "confirmed"
    assert data["consents"][0]["kind"] == "organiser"
    assert data["letter_body"] == campaign.current_letter().body


def test_unticking_a_consent_withdraws_it(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox, consent_organiser="on")
    client.post(path, {"action": "consents"})
    assert Consent.objects.get().withdrawn_at is not None


def test_withdrawing_takes_the_signature_out_of_the_count(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox)
    assert confirmed_count(campaign) == 1
    client.post(path, {"action": "withdraw"})  # without the confirming tick: nothing
    assert confirmed_count(campaign) == 1
    client.post(path, {"action": "withdraw", "sure": "yes"})
    assert confirmed_count(campaign) == 0
    assert Signature.objects.get().status == Signature.Status.WITHDRAWN


def test_erasing_wipes_personal_data_and_kills_the_link(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox, consent_organiser="on")
    response = client.post(path, {"action": "erase", "sure": "yes"})
    assert b"Your data is erased" in response.content
    signature = Signature.objects.get()
    assert (signature.first_name, signature.email, bytes(signature.email_digest)) == ("", "", b"")
    assert signature.erased_at is not None
    assert signature.postal_code == "02143"  # the area stays, as an anonymous tally
    assert Consent.objects.count() == 0
    # Never delivered: erasing also withdraws.
    assert confirmed_count(campaign) == 0
    assert client.get(path).status_code == 404
    # The same person may sign again afterwards.
    client.post(reverse("sign", args=[campaign.slug]), form_data())
    assert Signature.objects.count() == 2


def test_a_revoked_link_stops_working(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox)
    client.post(path, {"action": "revoke"})
    assert client.get(path).status_code == 404


def test_a_link_expires_after_ninety_days(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox)
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        response = client.get(path)
    assert response.status_code == 410
    assert b"expired" in response.content


def test_a_forged_or_mangled_link_is_refused(client, campaign, outbox):
    path = signed_and_confirmed(client, campaign, outbox)
    assert client.get(path[:-5] + "xxxx/").status_code == 404
    assert client.get("/my/not-a-token/").status_code == 404


def test_one_click_unsubscribe_withdraws_update_consents(client, campaign, outbox):
    client.post(reverse("sign", args=[campaign.slug]), form_data(consent_organiser="on"))
    run_worker()
    url = outbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("/", 3)[3]
    assert client.get(path).status_code == 200
    assert Consent.objects.get().withdrawn_at is None
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Consent.objects.get().withdrawn_at is not None
