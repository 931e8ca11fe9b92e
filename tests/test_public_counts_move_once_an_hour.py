"""Public area counts are published, at most once an hour, so refreshing a page
never shows the moment one person signed; the JSON for partners' sites uses
the same numbers and the same small-area protection."""

from __future__ import annotations

import datetime
from unittest import mock

import pytest
import time_machine

from undersigned.participation.actions import publish
from undersigned.participation.models import Publication
from undersigned.participation.queries import area_url

from .area_pages import bulk_signers, publish_now, signer
from .conftest import process_counts

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 22, 12, 0, 5, tzinfo=datetime.UTC)


def test_a_new_signature_shows_in_the_area_count_only_in_the_next_hour(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    with time_machine.travel(NOON, tick=False):
        bulk_signers(letter, somerville, 20)
        process_counts()
        url = area_url(letter, areas["somerville"])
        assert "<strong>20</strong> people" in client.get(url).content.decode()
    with time_machine.travel(NOON + datetime.timedelta(minutes=30), tick=False):
        signer(letter, somerville, 1, first="Newest", listed=True)
        process_counts()
        page = client.get(url).content.decode()
        assert "<strong>20</strong> people" in page
        assert "Newest" not in page
        assert (
            client.get(f"/api/campaigns/{letter.slug}/areas.json").json()["areas"][0]["confirmed"]
            == 20
        )
    with time_machine.travel(NOON + datetime.timedelta(minutes=61), tick=False):
        page = client.get(url).content.decode()
        assert "<strong>21</strong> people" in page
        assert "Newest E." in page


def test_crossing_the_threshold_within_the_hour_shows_nothing_until_the_next(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    url = area_url(letter, areas["somerville"])
    with time_machine.travel(NOON, tick=False):
        bulk_signers(letter, somerville, 9)
        process_counts()
        assert "Not shown yet" in client.get(url).content.decode()
        signer(letter, somerville, 1)
        process_counts()
        assert "Not shown yet" in client.get(url).content.decode()
    with time_machine.travel(NOON + datetime.timedelta(hours=1), tick=False):
        assert "<strong>10</strong> people" in client.get(url).content.decode()


def test_raising_the_threshold_takes_effect_at_once(client, letter, areas):
    bulk_signers(letter, [areas["somerville"]], 12)
    publish_now(letter)
    url = area_url(letter, areas["somerville"])
    assert "<strong>12</strong> people" in client.get(url).content.decode()

    letter.area_threshold = 20
    letter.save(update_fields=["area_threshold"])

    assert "Not shown yet" in client.get(url).content.decode()
    assert Publication.objects.get(campaign=letter).threshold == 20


def test_numbers_another_process_published_replace_those_this_process_kept(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    url = area_url(letter, areas["somerville"])
    with time_machine.travel(NOON, tick=False):
        bulk_signers(letter, somerville, 12)
        publish_now(letter)
        assert "<strong>12</strong> people" in client.get(url).content.decode()
    with time_machine.travel(NOON + datetime.timedelta(minutes=61), tick=False):
        bulk_signers(letter, somerville, 3, start=100)
        process_counts()
        # Published by another web process: nothing tells this one to forget.
        with mock.patch("undersigned.participation.actions.forget"):
            publish(letter)
        assert "<strong>15</strong> people" in client.get(url).content.decode()


def test_an_area_page_seen_before_asks_only_who_is_listed_and_what_was_delivered(
    client, letter, areas, django_assert_num_queries
):
    bulk_signers(letter, [areas["somerville"], areas["ma"]], 12, listed=True)
    publish_now(letter)
    url = area_url(letter, areas["somerville"])
    client.get(url)  # the publication's numbers, the area and its groups are kept

    with django_assert_num_queries(2):
        page = client.get(url).content.decode()

    assert "<strong>12</strong> people" in page and "Bulk0 E." in page


def test_json_counts_by_area_leave_out_small_areas_and_are_cacheable_from_any_origin(
    client, letter, areas
):
    bulk_signers(letter, [areas["somerville"], areas["ma"]], 30)
    bulk_signers(letter, [areas["cambridge"], areas["ma"]], 9, start=100)
    publish_now(letter)

    response = client.get(f"/api/campaigns/{letter.slug}/areas.json")

    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["threshold"] == 10
    counts = {area["id"]: area["confirmed"] for area in body["areas"]}
    assert counts == {areas["ma"].ocd_id: 39, areas["somerville"].ocd_id: 30}
    assert body["areas"][1]["url"].endswith(area_url(letter, areas["somerville"]))
    places = client.get(f"/api/campaigns/{letter.slug}/areas.json", {"type": "place"}).json()
    assert [area["name"] for area in places["areas"]] == ["Somerville"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/campaigns/no-such-campaign/areas.json", 404),
        ("/api/campaigns/end-face-surveillance/areas.json?type=<b>", 400),
        ("/api/campaigns/end-face-surveillance/areas.json?type=" + "a" * 500, 400),
    ],
)
def test_json_counts_answer_bad_requests_with_a_message(client, letter, path, status):
    response = client.get(path)

    assert response.status_code == status
    assert response.json()["error"]
