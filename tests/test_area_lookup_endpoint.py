"""The JSON lookup endpoint the sign page calls: where a postal code lies, whom a
campaign's letter would go to, and a clear 400 (never a 500) for bad input."""

from __future__ import annotations

import pytest

from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.importers.officials import import_officials_csv

from .areas import MA, SOMERVILLE, csv_text, target_by_area
from .conftest import make_campaign

pytestmark = pytest.mark.django_db

URL = "/api/areas/lookup"


@pytest.fixture
def massachusetts(db):
    load_default_us(states=["MA"])
    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Pat Example (fictional),Mayor of Somerville,mayor,{SOMERVILLE},"
            "mayor@somerville.example.org",
        )
    )


def test_a_postal_code_answers_its_divisions_and_may_be_cached(client, massachusetts):
    response = client.get(URL, {"country": "us", "postal_code": " 02143-1234 "})
    assert response.status_code == 200
    assert response.json() == {
        "country": "US",
        "postal_code": "02143",
        "known": True,
        "divisions": [
            {"id": f"{MA}/county:middlesex", "name": "Middlesex County", "type": "county"},
            {"id": SOMERVILLE, "name": "Somerville", "type": "place"},
            {"id": MA, "name": "Massachusetts", "type": "state"},
        ],
    }
    assert "public" in response["Cache-Control"]
    assert "max-age=300" in response["Cache-Control"]


def test_an_unknown_code_is_an_answer_not_an_error(client, massachusetts):
    response = client.get(URL, {"country": "US", "postal_code": "99999"})
    assert response.status_code == 200
    assert response.json()["known"] is False
    assert response.json()["divisions"] == []


def test_with_a_campaign_it_names_the_recipients_and_any_choice(client, massachusetts):
    campaign = make_campaign()
    campaign.targets.create(name="A. Governor (fictional)", title="Governor")
    target_by_area(campaign, "place", "mayor")
    body = client.get(URL, {"campaign": campaign.slug, "postal_code": "02143"}).json()
    assert body["notice"] == ""
    assert body["choices"] == []
    assert body["recipients"] == [
        {"name": "A. Governor (fictional)", "office": "Governor", "division": ""},
        {
            "name": "Pat Example (fictional)",
            "office": "Mayor of Somerville",
            "division": SOMERVILLE,
        },
    ]
    unknown = client.get(URL, {"campaign": campaign.slug, "postal_code": "99999"}).json()
    assert unknown["notice"] == (
        "We don't know yet where postal code 99999 lies. "
        "We'll deliver your letter as soon as we do."
    )


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ({"country": "US"}, 400, "Give a postal_code."),
        ({"postal_code": "02143"}, 400, "Give the country as a two-letter code, like US."),
        ({"country": "USA", "postal_code": "02143"}, 400, "Give the country as a two-letter"),
        ({"country": "US", "postal_code": "2143"}, 400, "Enter a 5-digit ZIP code"),
        ({"country": "US", "postal_code": "0" * 41}, 400, "That postal code is too long."),
        ({"country": "US", "postal_code": "02143\x00"}, 400, "Enter a 5-digit ZIP code"),
        ({"country": "\x00\x00", "postal_code": "02143"}, 400, "Give the country"),
        ({"country": "CA", "postal_code": "02143"}, 400, "Enter a postal code like K1A 0B1."),
        ({"campaign": "nope", "postal_code": "02143"}, 404, "No such campaign."),
        ({"campaign": "bad slug\x00", "postal_code": "02143"}, 404, "No such campaign."),
    ],
)
def test_bad_input_answers_a_clear_message_never_a_server_error(client, db, query, status, message):
    response = client.get(URL, query)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"].startswith(message)
    assert response["Cache-Control"] == "no-store"


def test_a_draft_campaign_is_not_looked_up(client, db):
    draft = make_campaign(slug="draft-one", status="draft")
    response = client.get(URL, {"campaign": draft.slug, "postal_code": "02143"})
    assert response.status_code == 404


def test_only_get_is_allowed(client, db):
    assert client.post(URL, {"country": "US", "postal_code": "02143"}).status_code == 405
