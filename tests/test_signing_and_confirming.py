"""Sign, confirm, count: the heart of the platform, through the web pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from undersigned.counting.counts import confirmed_count
from undersigned.signatures.models import Consent, Signature

from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db


def sign(client, campaign, **overrides):
    return client.post(reverse("sign", args=[campaign.slug]), form_data(**overrides))


def test_signing_stores_a_pending_signature_and_answers_check_your_email(client, campaign):
    response = sign(client, campaign)
    assert response.status_code == 200
    assert b"Check your e-mail" in response.content
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.PENDING
    assert signature.first_name == "Jane"
    assert signature.letter_version == campaign.current_letter()
    assert confirmed_count(campaign) == 0


def test_confirmation_email_is_sent_by_the_worker_not_the_request(client, campaign, outbox):
    sign(client, campaign)
    assert outbox == []
    run_worker()
    assert len(outbox) == 1
    assert outbox[0].to == ["jane@example.org"]  # no name before the address is confirmed
    assert "/confirm/" in outbox[0].body


def test_second_signature_with_same_email_is_not_counted_twice(client, campaign, outbox):
    sign(client, campaign)
    response = sign(client, campaign, email="  Jane@Example.ORG ", first_name="Janet")
    assert b"Check your e-mail" in response.content
    assert Signature.objects.count() == 1
    run_worker()
    assert [m.subject.split(":")[0] for m in outbox] == [
        "Please confirm your signature",
        "You have already signed",
    ]
    assert "/confirm/" in outbox[1].body  # still pending: the link comes again


def test_gmail_dots_and_plus_tags_are_the_same_person(client, campaign):
    make = {"email": "jane.doe@gmail.com"}
    sign(client, campaign, **make)
    sign(client, campaign, email="JaneDoe+petitions@googlemail.com")
    assert Signature.objects.count() == 1


def test_a_signature_gets_at_most_three_emails(client, campaign, outbox):
    for _ in range(6):
        sign(client, campaign)
    run_worker()
    assert len(outbox) == 3


def test_get_on_the_confirmation_link_does_not_confirm(client, campaign, outbox):
    sign(client, campaign)
    run_worker()
    path = confirm_path_from(outbox[0])
    response = client.get(path)
    assert response.status_code == 200
    assert b"Confirm my signature" in response.content
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_posting_the_confirmation_counts_the_signature_and_twice_is_harmless(
    client, campaign, outbox
):
    sign(client, campaign)
    run_worker()
    path = confirm_path_from(outbox[0])
    first = client.post(path)
    assert first.status_code == 302
    assert first["Location"] == reverse("thanks", args=[campaign.slug])
    assert confirmed_count(campaign) == 1
    second = client.post(path)
    assert second.status_code == 302
    assert confirmed_count(campaign) == 1
    page = client.get(reverse("campaign", args=[campaign.slug]))
    assert b"data-count>1<" in page.content


def test_a_forged_confirmation_link_is_refused(client, campaign, outbox):
    sign(client, campaign)
    signature = Signature.objects.get()
    response = client.post(reverse("confirm", args=[signature.id, "0" * 32]))
    assert response.status_code == 404
    assert Signature.objects.get().status == Signature.Status.PENDING


def test_consents_are_recorded_with_the_exact_text_shown(client, campaign):
    partner = campaign.partners.get()
    page = client.get(reverse("campaign", args=[campaign.slug])).content.decode()
    sign(client, campaign, consent_organiser="on", **{f"consent_partner_{partner.pk}": "on"})
    consents = {c.kind: c for c in Consent.objects.all()}
    assert set(consents) == {"organiser", "partner"}
    assert consents["organiser"].text in page
    assert consents["partner"].partner == partner
    assert consents["partner"].text in page
    assert len(consents["partner"].text_sha256) == 64


def test_consent_boxes_are_never_pre_ticked(client, campaign):
    page = client.get(reverse("campaign", args=[campaign.slug])).content.decode()
    assert "checked" not in page


def test_unticked_consents_record_nothing(client, campaign):
    sign(client, campaign)
    assert Consent.objects.count() == 0


def test_draft_campaigns_are_not_public(client, db):
    draft = make_campaign(slug="draft-one", status="draft")
    assert client.get(reverse("campaign", args=[draft.slug])).status_code == 404
    assert sign(client, draft).status_code == 404
    assert Signature.objects.count() == 0


def test_closed_campaigns_show_the_final_count_and_no_form(client, db):
    closed = make_campaign(slug="closed-one", status="closed")
    page = client.get(reverse("campaign", args=[closed.slug]))
    assert page.status_code == 200
    assert b"This campaign has closed" in page.content
    assert b'action="/c/closed-one/sign/"' not in page.content
    response = sign(client, closed)
    assert response.status_code == 410
    assert b"This campaign has closed" in response.content
    assert Signature.objects.count() == 0


def test_the_count_endpoint_is_small_cacheable_json(client, campaign):
    response = client.get(reverse("api_count", args=[campaign.slug]))
    assert response.status_code == 200
    assert response.json() == {
        "campaign": campaign.slug, "status": "live", "confirmed": 0, "goal": 100,
    }  # fmt: skip
    assert "max-age=" in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
