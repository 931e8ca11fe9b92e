"""A supporter finds their area by postal code, from the campaign page or the
thank-you page; after confirming, "find others near you" goes straight to it.
Only the area travels in a URL after the search, never personal data."""

from __future__ import annotations

import pytest

from undersigned.participation.queries import area_url
from undersigned.signatures.links import confirm_token

from .area_pages import bulk_signers, publish_now, signer

pytestmark = pytest.mark.django_db


def find(client, campaign, code):
    return client.get(f"/c/{campaign.slug}/areas/find/", {"postal_code": code})


def test_the_campaign_and_thank_you_pages_have_the_search_form(client, letter):
    for path in [letter.get_absolute_url(), f"/c/{letter.slug}/thanks/"]:
        page = client.get(path).content.decode()
        assert f'action="/c/{letter.slug}/areas/find/"' in page
        assert 'method="get"' in page


def test_a_postal_code_in_one_area_goes_straight_to_its_page(client, letter, areas):
    response = find(client, letter, " 02143-1234 ")

    assert response.status_code == 302
    assert response["Location"] == area_url(letter, areas["somerville"])
    assert "02143" not in response["Location"]


def test_a_postal_code_in_several_areas_lists_them_with_their_counts(client, letter, areas):
    bulk_signers(letter, [areas["cambridge"], areas["ma"]], 12)
    publish_now(letter)

    response = find(client, letter, "02140")

    page = response.content.decode()
    assert response.status_code == 200
    assert "The postal code 02140 covers more than one area" in page
    assert f'<a href="{area_url(letter, areas["cambridge"])}">Cambridge, MA</a>' in page
    assert "(12 signers)" in page
    assert f'<a href="{area_url(letter, areas["somerville"])}">Somerville, MA</a>' in page
    assert "(number not shown yet)" in page
    assert f'<a href="{area_url(letter, areas["ma"])}">Massachusetts</a>' in page


def test_an_unknown_postal_code_gets_a_clear_message(client, letter):
    response = find(client, letter, "99999")

    assert response.status_code == 404
    assert "We do not know the postal code 99999" in response.content.decode()


@pytest.mark.parametrize(
    "code",
    [
        "",
        "   ",
        "1" * 41,
        "x" * 100_000,
        "021\x0043",
        "02143\r\nSet-Cookie: x=1",
        "<script>alert(1)</script>",
        "\u202e34120",
        "０２１４３٣",
        "' OR 1=1 --",
    ],
)
def test_malicious_input_gets_a_400_with_a_message_never_a_500(client, letter, code):
    response = find(client, letter, code)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert "<script>alert" not in page
    assert "Set-Cookie" not in page


def test_confirming_leads_to_a_thank_you_page_that_knows_the_signers_area(client, letter, areas):
    signature = signer(letter, [areas["somerville"], areas["ma"]], 1, confirm=False)

    response = client.post(
        f"/confirm/{signature.pk}/{confirm_token(signature.pk, signature.link_version)}/"
    )

    assert response.status_code == 302
    location = response["Location"]
    assert location == f"/c/{letter.slug}/thanks/?area={areas['somerville'].pk}"
    page = client.get(location).content.decode()
    assert (
        f'<a href="{area_url(letter, areas["somerville"])}">'
        "Find others near you in Somerville, MA</a>" in page
    )


def test_the_thank_you_page_ignores_an_area_that_is_not_one(client, letter):
    for value in ["", "abc", "-1", "99999999", "1" * 50, "١٢", "<b>"]:
        response = client.get(f"/c/{letter.slug}/thanks/", {"area": value})
        assert response.status_code == 200
        assert "Find others near you in" not in response.content.decode()
