"""An area page shows its count, the progress to the next delivery, the letters
delivered, local groups and the people who asked to be listed, and protects
small areas: below the threshold there is no number and no name."""

# ruff: noqa: RUF001 (en dashes, as the pages print them)
from __future__ import annotations

import pytest

from undersigned.campaigns.models import Partner
from undersigned.participation.models import LocalGroup
from undersigned.participation.queries import area_url

from .area_pages import bulk_signers, publish_now, signer
from .delivery_helpers import lawmaker, local_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def letter(areas):
    campaign = local_campaign()
    lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@somerville.example.org")
    lawmaker(areas["somerville"], "Council Example", "council", email="council@example.org")
    return campaign


def test_an_area_below_the_threshold_shows_fewer_than_ten_and_lists_nobody(client, letter, areas):
    for n in range(9):
        signer(letter, [areas["somerville"], areas["ma"]], n, first=f"Listed{n}", listed=True)
    publish_now(letter)

    response = client.get(area_url(letter, areas["somerville"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not shown yet" in page
    assert "Listed" not in page  # no name, though all nine asked to be listed
    count = page[page.index('id="count-heading"') : page.index("Counts here are updated")]
    assert "9" not in count
    assert "<progress" not in page
    assert (
        "When 100 have, the letter goes to the Mayor of Somerville and the Somerville City Council"
        in (page)
    )


def test_an_area_with_nobody_and_one_with_nine_signers_look_the_same(client, letter, areas):
    lawmaker(areas["cambridge"], "Mayor Other", "mayor", email="mayor@cambridge.example.org")
    lawmaker(areas["cambridge"], "Council Other", "council", email="council@c.example.org")
    for n in range(9):
        signer(letter, [areas["somerville"], areas["ma"]], n)
    publish_now(letter)

    nine = client.get(area_url(letter, areas["somerville"])).content.decode()
    none = client.get(area_url(letter, areas["cambridge"])).content.decode()

    def named_x(page, name):
        return page.replace(name, "X").replace(name.lower(), "x")

    assert named_x(nine, "Somerville") == named_x(none, "Cambridge")


def test_an_area_at_the_threshold_shows_its_count_progress_and_who_the_letter_goes_to(
    client, letter, areas
):
    bulk_signers(letter, [areas["somerville"], areas["ma"]], 73)
    publish_now(letter)

    page = client.get(area_url(letter, areas["somerville"])).content.decode()

    assert "<strong>73</strong> people have signed in Somerville" in page
    assert (
        "<strong>73 of 100</strong> — 27 more and the letter goes to "
        "the Mayor of Somerville and the Somerville City Council." in page
    )
    assert '<progress max="100" value="73"' in page
    assert "style=" not in page  # the Content Security Policy forbids inline styles


def test_after_two_deliveries_the_page_links_their_receipts_and_counts_to_the_third(
    client, letter, areas
):
    bulk_signers(letter, [areas["somerville"], areas["ma"]], 250)
    publish_now(letter)

    page = client.get(area_url(letter, areas["somerville"])).content.decode()

    deliveries = list(letter.deliveries.order_by("milestone"))
    assert len(deliveries) == 2
    for delivery in deliveries:
        assert f'href="{delivery.get_absolute_url()}"' in page
    assert "Signers 1–100 from Somerville, MA" in page
    assert "Signers 101–200 from Somerville, MA" in page
    assert "<strong>250 of 300</strong> — 50 more and the letter goes again to" in page
    assert '<progress max="100" value="50"' in page
    assert client.get(deliveries[0].get_absolute_url()).status_code == 200


def test_a_state_page_shows_the_places_inside_it_and_links_back_up(client, letter, areas):
    bulk_signers(letter, [areas["somerville"], areas["ma"]], 30)
    bulk_signers(letter, [areas["cambridge"], areas["ma"]], 12, start=100)
    bulk_signers(letter, [areas["oakland"], areas["ca"]], 40, start=200)
    publish_now(letter)

    state = client.get(area_url(letter, areas["ma"])).content.decode()
    place = client.get(area_url(letter, areas["somerville"])).content.decode()

    assert "<strong>42</strong> people have signed in Massachusetts" in state
    assert state.index("Somerville, MA") < state.index("Cambridge, MA")
    assert "Oakland" not in state
    assert f'href="{area_url(letter, areas["ma"])}">Massachusetts</a>' in place


def test_local_groups_of_the_campaigns_partners_show_how_to_reach_them(client, letter, areas):
    network = Partner.objects.create(name="Digital Rights Network")
    elsewhere = Partner.objects.create(name="Not A Sponsor")
    letter.partners.add(network)
    LocalGroup.objects.create(
        partner=network,
        division=areas["somerville"],
        name="Somerville Digital Rights",
        email="hello@somerville-rights.example.org",
        meets="First Tuesday, 7pm, the public library",
    )
    LocalGroup.objects.create(
        partner=network, division=areas["ma"], url="https://ma-rights.example.org/"
    )
    LocalGroup.objects.create(
        partner=network, division=areas["oakland"], name="Oakland group", url="https://x.example/"
    )
    LocalGroup.objects.create(
        partner=elsewhere, division=areas["somerville"], email="other@example.org"
    )

    page = client.get(area_url(letter, areas["somerville"])).content.decode()

    assert "Somerville Digital Rights" in page
    assert 'href="mailto:hello@somerville-rights.example.org"' in page
    assert "First Tuesday, 7pm, the public library" in page
    assert "https://ma-rights.example.org/" in page  # the state's group is local too
    assert "Oakland group" not in page
    assert "other@example.org" not in page  # not a co-sponsor of this campaign


def test_the_threshold_is_the_campaigns_own(client, areas):
    campaign = local_campaign(area_threshold=25)
    bulk_signers(campaign, [areas["somerville"]], 24)
    publish_now(campaign)

    page = client.get(area_url(campaign, areas["somerville"])).content.decode()

    count = page[page.index('id="count-heading"') : page.index("Counts here are updated")]
    assert "Not shown yet" in count
    assert "24" not in count


def test_the_page_has_a_link_to_share_it(client, letter, areas, settings):
    page = client.get(area_url(letter, areas["somerville"])).content.decode()

    share = (
        settings.SITE_URL + "/c/end-face-surveillance/areas/country:us/state:ma/place:somerville/"
    )
    assert f'value="{share}"' in page


@pytest.mark.parametrize(
    "path",
    [
        "country:us/state:zz/",
        "nothing/",
        "country:us/" + "x" * 400 + "/",
        "country:us/state:ma/%00/",
        "<script>alert(1)</script>/",
    ],
)
def test_an_area_that_does_not_exist_is_not_found(client, letter, areas, path):
    response = client.get(f"/c/{letter.slug}/areas/{path}")

    assert response.status_code == 404


def test_a_draft_campaign_has_no_public_area_pages(client, areas):
    campaign = local_campaign(status="draft")

    assert client.get(area_url(campaign, areas["somerville"])).status_code == 404
    assert client.get(f"/c/{campaign.slug}/areas/").status_code == 404
