"""From a live campaign's dashboard an organiser sees its numbers and acts:
sends failed letters again, marks posted letters as mailed (after printing
the pack), places the signatures that waited for an area. Each action goes
through the deliveries' and signatures' own actions and is in the audit log
with the organiser's name; a wrong request changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from undersigned.areas.models import SignatureDivision
from undersigned.deliveries.models import DeliveryAttempt
from undersigned.memo import forget_all
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.models import Signature
from undersigned.staff.roles import Role

from .area_pages import geography, link_postal_codes, publish_now, signer
from .conftest import run_worker
from .delivery_helpers import division, lawmaker, local_campaign
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """Two places, a letter every 2 signers: Somerville's mayor by e-mail,
    Cambridge's by post; 02199 is in no place we know yet."""
    areas = geography()
    campaign = local_campaign(batch_size=2)
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@example.org")
    lawmaker(areas["cambridge"], "Mayor Sample", "mayor", postal="1 City Hall, Cambridge")
    for n in range(2):
        signer(campaign, [areas["somerville"], areas["ma"]], n)
        signer(campaign, [areas["cambridge"], areas["ma"]], 10 + n, postal_code="02140")
    waiting = signer(campaign, [areas["ma"]], 20, postal_code="02199")
    signer(campaign, [areas["somerville"]], 30, confirm=False)
    run_worker()  # two deliveries: one e-mailed, one to print and post
    publish_now(campaign)
    organiser = signed_in(account(Role.ORGANISER, "organiser"))
    return campaign, areas, waiting, organiser


def dashboard(client, campaign) -> str:
    response = client.get(reverse("organise:campaign", args=[campaign.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_dashboard_shows_the_campaigns_numbers(world):
    campaign, _areas, _waiting, organiser = world
    page = dashboard(organiser, campaign)
    assert "<dt>Confirmed</dt><dd>5</dd>" in page
    assert "<dt>Awaiting confirmation</dt><dd>1</dd>" in page
    assert "Confirmed signatures over time" in page and "<svg" in page
    assert '<th scope="row">Sent</th><td class="num">1</td>' in page
    assert '<th scope="row">Awaiting print and post</th><td class="num">1</td>' in page
    assert "Signers 1–2 from Cambridge, MA" in page  # noqa: RUF001 (the en dash we print)
    assert "02199: postal code not in the data" in page


def test_letters_to_post_are_printed_then_marked_mailed_on_record(world):
    campaign, _areas, _waiting, organiser = world
    attempt = DeliveryAttempt.objects.get(state="awaiting_mailing")
    pack = organiser.get(reverse("organise:delivery_pack", args=[campaign.pk, attempt.delivery_id]))
    assert pack.status_code == 200 and pack.content.startswith(b"%PDF")
    exported = AuditEntry.objects.filter(action="export").latest("id")
    assert (exported.actor, exported.detail["what"]) == ("organiser", "delivery pack")

    response = organiser.post(
        reverse("organise:mark_mailed", args=[campaign.pk]), {"delivery": [attempt.delivery_id]}
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert (attempt.state, attempt.mailed_by) == ("sent", "organiser")
    entry = AuditEntry.objects.filter(action="mailed").get()
    assert (entry.actor, entry.detail["letters"]) == ("organiser", 1)
    assert "1 letter marked as mailed." in dashboard(organiser, campaign)


def test_marking_nothing_or_another_campaigns_delivery_changes_nothing(world):
    campaign, _areas, _waiting, organiser = world
    url = reverse("organise:mark_mailed", args=[campaign.pk])
    for ticked in ({}, {"delivery": ["not-a-delivery"]}):
        response = organiser.post(url, ticked)
        assert response.status_code == 400
        assert "Tick the deliveries whose letters you posted." in response.content.decode()
    other = local_campaign(slug="elsewhere")
    response = organiser.post(
        reverse("organise:mark_mailed", args=[other.pk]),
        {"delivery": [str(DeliveryAttempt.objects.get(state="awaiting_mailing").delivery_id)]},
    )
    assert response.status_code == 302
    assert DeliveryAttempt.objects.filter(state="awaiting_mailing").count() == 1
    assert not AuditEntry.objects.filter(action="mailed").exists()


def test_failed_letters_are_sent_again_on_record(world, outbox):
    campaign, _areas, _waiting, organiser = world
    # The worker gave up on the e-mailed letter (what it records after its last try).
    DeliveryAttempt.objects.filter(channel="email").update(state="failed", last_error="SMTPX 550")
    assert "SMTPX 550" in dashboard(organiser, campaign)
    response = organiser.post(reverse("organise:retry_deliveries", args=[campaign.pk]))
    assert response.status_code == 302
    assert DeliveryAttempt.objects.get(channel="email").state == "pending"
    entry = AuditEntry.objects.filter(action="retry").get()
    assert (entry.actor, entry.detail["attempts"]) == ("organiser", 1)
    outbox.clear()
    run_worker()
    assert [message.to for message in outbox] == [["Mayor Example <mayor@example.org>"]]


def test_place_now_places_the_signatures_that_waited_on_record(world):
    campaign, areas, waiting, organiser = world
    place = division(f"{areas['ma'].ocd_id}/place:boston", "Boston")
    # Linked by hand without an import (which would place them by itself).
    link_postal_codes({"boston": place}, {"02199": ["boston"]})
    forget_all()  # as every process does within AREA_LOOKUP_FRESH_SECONDS
    response = organiser.post(reverse("organise:place_now", args=[campaign.pk]))
    assert response.status_code == 302
    assert SignatureDivision.objects.filter(signature=waiting, division=place).exists()
    entry = AuditEntry.objects.filter(action="place").get()
    assert (entry.actor, entry.detail["placed"], entry.detail["campaign"]) == (
        "organiser", 1, campaign.pk,
    )  # fmt: skip
    assert "1 of 1 waiting signature placed." in dashboard(organiser, campaign)
    assert Signature.objects.get(pk=waiting.pk).status == "confirmed"


def test_protection_is_switched_on_from_the_dashboard_on_record(world, client):
    campaign, _areas, _waiting, organiser = world
    page = dashboard(organiser, campaign)
    assert "Protection from automated sign-ups" in page and 'value="100"' in page
    url = reverse("organise:protection", args=[campaign.pk])
    for bad in ({"rate_limit_per_hour": "-1"}, {"rate_limit_per_hour": "many"}, {}):
        response = organiser.post(url, {**bad, "proof_of_work": "on"})
        assert response.status_code == 400
        assert "Nothing was changed" in response.content.decode()
    campaign.refresh_from_db()
    assert (campaign.proof_of_work, campaign.rate_limit_per_hour) == (False, 100)

    response = organiser.post(url, {"rate_limit_per_hour": "20", "proof_of_work": "on"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.proof_of_work, campaign.rate_limit_per_hour) == (True, 20)
    entry = AuditEntry.objects.filter(action=AuditEntry.Action.CAMPAIGN_EDIT).latest("pk")
    assert entry.actor == "organiser"
    assert entry.detail == {"campaign": campaign.pk, "step": "protection",
                            "proof_of_work": True, "rate_limit_per_hour": 20}  # fmt: skip
    # Every signer's form carries the check at once.
    assert "data-pow" in client.get(campaign.get_absolute_url()).content.decode()
