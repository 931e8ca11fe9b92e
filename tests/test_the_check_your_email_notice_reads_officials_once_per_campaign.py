"""The "check your e-mail" page says what waits for a signer ("We don't have
your city or town's lawmakers yet."). Whether the campaign reaches anyone in
the signer's areas is read once per process and campaign (the ids of every
area its rules find an official in), not on every sign nor for every new set
of areas (it was three queries of each sign request, then one per new set of
areas: docs/performance.md); an import of officials, or a staff edit, makes
the next signer's page current at once in the process that made it.
"""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from undersigned.areas.importers.officials import import_officials_csv

from .areas import SOMERVILLE, csv_text, made_up_massachusetts, target_by_area
from .conftest import form_data, make_campaign

pytestmark = pytest.mark.django_db

WAITING = "We don't have your city or town's lawmakers yet."


@pytest.fixture
def campaign(db):
    made_up_massachusetts()
    campaign = make_campaign()
    # Somerville has a mayor (made_up_massachusetts) but no council member yet.
    target_by_area(campaign, "place", "council")
    return campaign


def sign(client, campaign, email: str, postal_code: str = "02143") -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("sign", args=[campaign.slug]), form_data(email=email, postal_code=postal_code)
        )
    assert response.status_code == 200
    return html.unescape(response.content.decode()), [q["sql"] for q in queries]


def reads_officials(queries: list[str]) -> bool:
    return any('"areas_official"' in sql for sql in queries)


def test_the_second_signer_of_an_area_is_told_the_same_without_reading_officials(client, campaign):
    first_page, first_queries = sign(client, campaign, "first@example.org")
    second_page, second_queries = sign(client, campaign, "second@example.org")

    assert WAITING in first_page and WAITING in second_page
    assert reads_officials(first_queries)
    assert not reads_officials(second_queries)


def test_a_signer_from_other_areas_is_told_what_waits_without_reading_officials(client, campaign):
    sign(client, campaign, "first@example.org")

    # 02145 lies in Somerville too, and in two congressional districts.
    page, queries = sign(client, campaign, "second@example.org", postal_code="02145")

    assert WAITING in page
    assert not reads_officials(queries)


def test_an_import_of_officials_shows_on_the_next_signers_page(client, campaign):
    page, _ = sign(client, campaign, "first@example.org")
    assert WAITING in page

    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Ash Council (fictional),Councillor,council,{SOMERVILLE},council@example.org",
        )
    )

    page, queries = sign(client, campaign, "second@example.org")
    assert WAITING not in page
    assert reads_officials(queries)
