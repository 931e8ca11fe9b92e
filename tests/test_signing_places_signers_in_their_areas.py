"""Signing with areas, through the web pages and without JavaScript: the form
places each signer from their postal code, asks when the code spans several
areas the campaign writes to (with "I'm not sure" as an answer), takes codes
it cannot place yet, saying what waits, and keeps each signature's areas for
the counts.

The areas and officials are a small made-up set loaded through the same
importers an organiser uses; the officials are fictional, at example.org.
"""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.models import SignatureDivision
from undersigned.signatures.models import Signature

from .areas import (
    CAMBRIDGE,
    CD5,
    CD7,
    MA,
    SOMERVILLE,
    csv_text,
    made_up_massachusetts,
    target_by_area,
)
from .conftest import confirm_path_from, form_data, make_campaign, run_worker

pytestmark = pytest.mark.django_db

CA = "ocd-division/country:ca"


@pytest.fixture
def areas(db):
    made_up_massachusetts()


def local_campaign(division_type: str = "place", roles: str = "", **fields):
    campaign = make_campaign(**fields)
    target_by_area(campaign, division_type, roles)
    return campaign


def sign(client, campaign, **overrides):
    return client.post(reverse("sign", args=[campaign.slug]), form_data(**overrides))


def placed(signature) -> dict[str, str]:
    return dict(
        SignatureDivision.objects.filter(signature=signature).values_list("division__ocd_id", "how")
    )


def test_a_signature_keeps_the_areas_its_postal_code_lies_in(client, areas):
    campaign = local_campaign("place", "mayor")
    response = sign(client, campaign, postal_code="02143")
    assert b"Check your e-mail" in response.content
    assert placed(Signature.objects.get()) == {MA: "lookup", SOMERVILLE: "lookup", CD7: "lookup"}


def test_a_code_spanning_two_districts_asks_which_and_keeps_everything_typed(client, areas):
    campaign = local_campaign("cd")
    response = sign(client, campaign, postal_code="02145", comment="Ban it now.")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Which congressional district do you live in?" in page
    assert 'type="radio" name="area_cd"' in page
    assert f'value="{CD5}"' in page and f'value="{CD7}"' in page
    assert "postal code 02145 covers more than one" in html.unescape(page)
    for typed in ('value="Jane"', 'value="Doe"', 'value="jane@example.org"', "Ban it now."):
        assert typed in page
    assert not Signature.objects.exists()

    response = sign(client, campaign, postal_code="02145", area_cd=CD5)
    assert b"Check your e-mail" in response.content
    assert placed(Signature.objects.get()) == {MA: "lookup", SOMERVILLE: "lookup", CD5: "chosen"}


def test_a_choice_that_is_not_offered_is_refused(client, areas):
    campaign = local_campaign("cd")
    response = sign(client, campaign, postal_code="02145", area_cd=f"{MA}/cd:9")
    assert response.status_code == 400
    assert b"Please choose your congressional district from the list." in response.content
    assert not Signature.objects.exists()


def test_a_code_spanning_two_towns_asks_for_the_town(client, areas):
    campaign = local_campaign("place", "mayor")
    response = sign(client, campaign, postal_code="02140")
    assert b"Which city or town do you live in?" in response.content
    sign(client, campaign, postal_code="02140", area_place=CAMBRIDGE)
    assert placed(Signature.objects.get()) == {MA: "lookup", CAMBRIDGE: "chosen", CD7: "lookup"}


def test_areas_the_campaign_does_not_write_to_are_not_asked_nor_guessed(client, areas):
    campaign = local_campaign("place", "mayor")
    response = sign(client, campaign, postal_code="02145")
    assert b"Check your e-mail" in response.content
    # 02145 spans two districts; this campaign does not need to know which.
    assert placed(Signature.objects.get()) == {MA: "lookup", SOMERVILLE: "lookup"}


def test_an_unknown_postal_code_is_taken_and_the_signer_told_what_waits(client, areas):
    campaign = local_campaign("place")
    response = sign(client, campaign, postal_code="99999")
    assert b"Check your e-mail" in response.content
    page = html.unescape(response.content.decode())
    assert (
        "We don't know yet where postal code 99999 lies. "
        "We'll deliver your letter as soon as we do." in page
    )
    signature = Signature.objects.get()
    assert signature.postal_code == "99999"
    assert placed(signature) == {}


def test_a_code_with_no_area_of_the_type_is_placed_where_it_can_be(client, areas):
    campaign = local_campaign("sldl")
    response = sign(client, campaign, postal_code="02143")
    page = html.unescape(response.content.decode())
    assert "We don't have your state house district for postal code 02143 yet." in page
    assert placed(Signature.objects.get()) == {MA: "lookup", SOMERVILLE: "lookup", CD7: "lookup"}


def test_an_area_without_lawmakers_is_said_plainly(client, areas):
    campaign = local_campaign("place", "council")
    page = html.unescape(sign(client, campaign, postal_code="02143").content.decode())
    assert "We don't have your city or town's lawmakers yet." in page
    assert placed(Signature.objects.get())[SOMERVILLE] == "lookup"


def test_a_signer_not_sure_of_their_district_signs_and_waits_for_it(client, areas):
    campaign = local_campaign("cd")
    page = html.unescape(sign(client, campaign, postal_code="02145").content.decode())
    assert "I'm not sure" in page
    assert 'value="unsure"' in page

    response = sign(client, campaign, postal_code="02145", area_cd="unsure")
    assert b"Check your e-mail" in response.content
    assert "Tell us which congressional district you live in whenever you know" in (
        html.unescape(response.content.decode())
    )
    # Counted in every area the code determines without doubt, waiting for the district.
    assert placed(Signature.objects.get()) == {MA: "lookup", SOMERVILLE: "lookup"}


def test_a_campaign_without_targets_by_area_takes_any_code_and_keeps_known_areas(client, areas):
    campaign = make_campaign()
    sign(client, campaign, postal_code="99999", email="far@example.org")
    sign(client, campaign, postal_code="02143", email="near@example.org")
    far, near = Signature.objects.order_by("created_at")
    assert placed(far) == {}
    assert placed(near) == {MA: "lookup", SOMERVILLE: "lookup", CD7: "lookup"}


def test_the_confirmation_page_shows_whom_the_letter_goes_to(client, areas, outbox):
    campaign = local_campaign("cd", "rep")
    campaign.targets.create(name="A. Governor (fictional)", title="Governor")
    sign(client, campaign, postal_code="02145", area_cd=CD7)
    run_worker()
    page = client.get(confirm_path_from(outbox[0])).content.decode()
    assert (
        "Your letter will go to: A. Governor (fictional), Governor; "
        "Kim Sevenson (fictional), U.S. Representative." in page
    )
    assert "Lee Fiveson" not in page


def test_the_campaign_page_says_who_gets_the_letter_by_area_and_loads_the_preview_script(
    client, areas
):
    campaign = local_campaign("place", "mayor")
    page = client.get(campaign.get_absolute_url()).content.decode()
    assert "It goes to the mayor of your city or town." in page
    assert "data-area-preview" in page
    assert f'data-lookup="/api/areas/lookup?campaign={campaign.slug}"' in page
    assert "undersigned/areas.js" in page
    assert "<script>" not in page  # no inline script: the page's CSP forbids it
    plain = make_campaign(slug="no-areas")
    assert "areas.js" not in client.get(plain.get_absolute_url()).content.decode()


def test_a_canadian_signer_is_placed_through_the_same_importers_and_form(client, db):
    import_ocd_divisions(
        csv_text(
            "id,name",
            f"{CA},Canada",
            f"{CA}/province:on,Ontario",
            f"{CA}/ed:35075,Ottawa Centre",
            f"{CA}/ed:35079,Ottawa South",
        )
    )
    import_postal_csv(
        csv_text(
            "country,postal_code,division_id,weight,method,source",
            f"CA,K1A,{CA}/province:on,1,concordance,made-up",
            f"CA,K1A,{CA}/ed:35075,0.6,area share,made-up",
            f"CA,K1A,{CA}/ed:35079,0.4,area share,made-up",
        )
    )
    campaign = local_campaign("ed", country="CA", slug="ottawa")
    response = sign(client, campaign, postal_code="k1a0b1")
    assert b"Which electoral district do you live in?" in response.content
    response = sign(client, campaign, postal_code="k1a0b1", area_ed=f"{CA}/ed:35079")
    assert b"Check your e-mail" in response.content
    signature = Signature.objects.get()
    assert (signature.postal_code, signature.country) == ("K1A 0B1", "CA")
    assert placed(signature) == {f"{CA}/province:on": "lookup", f"{CA}/ed:35079": "chosen"}
