"""From their private link, a signer corrects their name and postal code, and
says which district they live in when they were not sure; every change moves
their signature between areas with count events, so the tallies stay exact
(reconcile finds nothing) whether or not their confirmation was counted yet.
Once a delivered letter carries them, the page says plainly that their name
and postal code can no longer change, and they do not.

The areas and officials are made up, loaded through the real importers.
"""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from undersigned.abuse.actions import quarantine, release
from undersigned.campaigns.models import DeliveryRule
from undersigned.deliveries.models import Delivery
from undersigned.signatures.models import Signature
from undersigned.signatures.placing import place_waiting
from undersigned.signatures.reconcile import reconcile
from undersigned.signatures.rights import withdraw

from .areas import CD5, CD7, MA, SOMERVILLE, made_up_massachusetts, placed, tallies, target_by_area
from .conftest import confirm_path_from, form_data, make_campaign, process_counts, run_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def areas(db):
    made_up_massachusetts()


MANAGE_LINK = re.compile(r"https?://[^/\s]+(/my/[^/\s]+/)")


def congress_campaign(batch_size: int = 0):
    campaign = make_campaign(slug="write-to-congress")
    target_by_area(campaign, "cd", "rep")
    if batch_size:
        DeliveryRule.objects.create(
            campaign=campaign,
            kind=DeliveryRule.Kind.LOCAL,
            division_type="cd",
            batch_size=batch_size,
        )
    return campaign


def signed(
    client, campaign, outbox, *, confirm=True, count=True, **details
) -> tuple[Signature, str]:
    client.post(reverse("sign", args=[campaign.slug]), form_data(**details))
    run_worker()
    message = outbox[-1]
    if confirm:
        client.post(confirm_path_from(message))
    if count:
        process_counts()
    manage = MANAGE_LINK.search(message.body).group(1)
    return Signature.objects.get(campaign=campaign), manage


def change(client, manage, **fields):
    return client.post(manage, {"action": "details", **fields})


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("counted_first", [True, False], ids=["counted", "not yet counted"])
def test_a_new_postal_code_moves_the_signature_and_keeps_tallies_exact(
    client, areas, outbox, counted_first
):
    campaign = congress_campaign()
    signature, manage = signed(client, campaign, outbox, postal_code="02143", count=counted_first)
    page = text(client.get(manage))
    assert "Change your details" in page and 'value="02143"' in page

    response = change(client, manage, first_name="Janet", last_name="Doe", postal_code="02140")
    assert response.status_code == 200
    assert "Your details are saved." in text(response)
    process_counts()
    signature.refresh_from_db()
    assert (signature.first_name, signature.postal_code) == ("Janet", "02140")
    # 02140 is in one district (7) and two towns this campaign does not write to.
    assert placed(signature) == {MA, CD7}
    assert tallies(campaign) == {None: 1, MA: 1, CD7: 1}
    assert reconcile() == []


def test_a_signer_not_sure_of_their_district_settles_it_later_from_their_link(
    client, areas, outbox
):
    campaign = congress_campaign(batch_size=1)
    signature, manage = signed(client, campaign, outbox, postal_code="02145", area_cd="unsure")
    assert "Tell us which congressional district you live in" in outbox[-1].body
    assert placed(signature) == {MA, SOMERVILLE}
    assert tallies(campaign) == {None: 1, MA: 1, SOMERVILLE: 1}
    page = text(client.get(manage))
    assert "Which congressional district do you live in?" in page
    # Imports do not guess for the signer: 02145 still spans two districts.
    assert place_waiting().placed == 0

    response = client.post(manage, {"action": "area", "area_cd": CD5})
    assert "your letter goes to your congressional district's lawmakers too" in text(response)
    run_worker()
    assert placed(signature) == {MA, SOMERVILLE, CD5}
    assert tallies(campaign) == {None: 1, MA: 1, SOMERVILLE: 1, CD5: 1}
    assert reconcile() == []
    # Settled once: a second answer changes nothing.
    client.post(manage, {"action": "area", "area_cd": CD7})
    process_counts()
    assert CD7 not in placed(signature)
    assert Delivery.objects.filter(division__ocd_id=CD5).count() == 1


def test_a_new_code_spanning_two_districts_asks_which_and_keeps_the_old_one_meanwhile(
    client, areas, outbox
):
    campaign = congress_campaign()
    signature, manage = signed(client, campaign, outbox, postal_code="02143")
    response = change(client, manage, first_name="Jane", last_name="Doe", postal_code="02145")
    assert response.status_code == 400
    assert "Which congressional district do you live in?" in text(response)
    assert placed(signature) == {MA, SOMERVILLE, CD7}

    change(client, manage, first_name="Jane", last_name="Doe", postal_code="02145", area_cd=CD5)
    process_counts()
    assert placed(signature) == {MA, SOMERVILLE, CD5}
    assert tallies(campaign) == {None: 1, MA: 1, SOMERVILLE: 1, CD5: 1}
    assert reconcile() == []


def test_changes_to_an_unconfirmed_held_or_withdrawn_signature_count_nowhere_until_they_should(
    client, areas, outbox
):
    campaign = congress_campaign()
    signature, manage = signed(client, campaign, outbox, postal_code="02143", confirm=False)
    change(client, manage, first_name="Jane", last_name="Doe", postal_code="02140")
    process_counts()
    assert tallies(campaign) == {}
    client.post(confirm_path_from(outbox[0]))
    process_counts()
    assert tallies(campaign) == {None: 1, MA: 1, CD7: 1}

    quarantine(Signature.objects.filter(pk=signature.pk), actor="staff")
    change(client, manage, first_name="Jane", last_name="Doe", postal_code="02143")
    process_counts()
    assert tallies(campaign) == {}
    release(Signature.objects.filter(pk=signature.pk), actor="staff")
    process_counts()
    assert tallies(campaign) == {None: 1, MA: 1, SOMERVILLE: 1, CD7: 1}
    assert reconcile() == []

    # Withdrawn, not yet folded: the page offers no change, the counts fall to nothing.
    withdraw(signature)
    assert "Save my details" not in text(client.get(manage))
    process_counts()
    assert tallies(campaign) == {}
    assert reconcile() == []


def test_after_a_delivery_the_page_says_what_can_no_longer_change(client, areas, outbox):
    campaign = congress_campaign(batch_size=1)
    signature, manage = signed(client, campaign, outbox, postal_code="02143")
    run_worker()
    assert Delivery.objects.filter(campaign=campaign).count() == 1
    page = text(client.get(manage))
    assert "Your name and postal code can no longer change" in page
    assert "Save my details" not in page

    response = change(client, manage, first_name="Mallory", last_name="X", postal_code="02140")
    assert "nothing was changed" in text(response)
    signature.refresh_from_db()
    assert (signature.first_name, signature.postal_code) == ("Jane", "02143")
    assert placed(signature) == {MA, SOMERVILLE, CD7}
    # Consents still change: the comment may now go with the next letters.
    assert reconcile() == []


def test_a_signer_gives_a_consent_they_had_not_given(client, areas, outbox):
    campaign = congress_campaign(batch_size=100)
    signature, manage = signed(client, campaign, outbox, postal_code="02143", comment="Ban it.")
    assert not signature.consents.exists()
    page = text(client.get(manage))
    assert "Include my comment, with my name, in the letter delivered to the lawmakers" in page
    client.post(manage, {"action": "consents", "give": ["consent_comment", "consent_delivery"]})
    assert sorted(signature.consents.values_list("kind", flat=True)) == ["comment", "delivery"]
    client.post(manage, {"action": "consents", "keep": []})
    assert not signature.consents.filter(withdrawn_at__isnull=True).exists()
