"""A sign and a confirm make a fixed number of database queries, the abuse
checks among them: each query is a round trip a surge pays for every signer
(docs/performance.md measures them). A change that adds one fails here;
one that removes a query updates the number.

Counted as a deployment runs them: outside any test transaction (so no
savepoint of the suite's own shows up), with the per-process caches warm
from an earlier signer of the same place, as in a surge.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .areas import made_up_massachusetts, target_by_area
from .conftest import form_data, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

# The statements of a sign, in order: the per-network rate limit (a COUNT),
# the form token spent, the signature with its areas and its confirmation
# e-mail in one transaction, who spent the token. (The driver's BEGIN and
# COMMIT are logged too, on both databases: they are round trips.)
SIGN = [
    'SELECT COUNT(*) FROM (SELECT 1 FROM "signatures_signature"',
    'INSERT INTO "abuse_spentformtoken"',
    "BEGIN",
    'INSERT INTO "signatures_signature"',
    'INSERT INTO "areas_signaturedivision"',
    'INSERT INTO "outbox_email"',
    "COMMIT",
    'UPDATE "abuse_spentformtoken"',
]
# A confirm: the signature; the conditional UPDATE, its count event and the
# webhook endpoints listening in one transaction; the signer's area for the
# thank-you page.
CONFIRM = [
    'SELECT * FROM "signatures_signature"',
    "BEGIN",
    'UPDATE "signatures_signature"',
    'INSERT INTO "deliveries_countevent"',
    'SELECT * FROM "integrations_webhookendpoint"',
    "COMMIT",
    'SELECT d.* FROM "areas_division"',
]


def shape(queries: list[str], expected: list[str]) -> list[str]:
    """Each query cut to the length of the statement expected in its place."""
    return [query[: len(start)] for query, start in zip(queries, expected, strict=False)] + [
        query[:60] for query in queries[len(expected) :]
    ]


@pytest.fixture
def campaign(db):
    made_up_massachusetts()
    campaign = make_campaign()
    target_by_area(campaign, "place", "mayor")
    return campaign


def sign(client, campaign, email: str, network: int) -> list[str]:
    data = form_data(email=email, postal_code="02143")
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            reverse("sign", args=[campaign.slug]), data, REMOTE_ADDR=f"192.0.2.{network}"
        )
    assert response.status_code == 200
    assert "Check your e-mail" in response.content.decode()
    return [query["sql"] for query in captured]


def test_a_sign_makes_eight_round_trips_and_still_counts_the_network(client, campaign):
    sign(client, campaign, "first@example.org", 1)  # the caches of a surge, warm

    queries = sign(client, campaign, "second@example.org", 2)

    assert shape(queries, SIGN) == SIGN
    assert '"network_digest"' in queries[0]
    assert Signature.objects.count() == 2


def confirm_path(signature: Signature) -> str:
    token = confirm_token(signature.pk, signature.link_version)
    return reverse("confirm", args=[signature.pk, token])


def test_a_confirm_makes_seven_round_trips(client, campaign):
    sign(client, campaign, "first@example.org", 1)
    sign(client, campaign, "second@example.org", 2)
    first, signature = Signature.objects.order_by("created_at")
    assert client.post(confirm_path(first)).status_code == 302  # the caches, warm

    with CaptureQueriesContext(connection) as captured:
        response = client.post(confirm_path(signature))

    assert response.status_code == 302
    queries = [query["sql"] for query in captured]
    assert shape(queries, CONFIRM) == CONFIRM
    signature.refresh_from_db()
    assert signature.status == Signature.Status.CONFIRMED
    assert "?area=" in response["Location"]


def test_a_second_post_of_the_same_form_reads_who_spent_its_token_and_stores_nothing(
    client, campaign
):
    data = form_data(email="first@example.org", postal_code="02143")
    url = reverse("sign", args=[campaign.slug])
    assert client.post(url, data).status_code == 200

    with CaptureQueriesContext(connection) as captured:
        again = client.post(url, data)

    assert again.status_code == 200 and "Check your e-mail" in again.content.decode()
    assert Signature.objects.count() == 1
    assert any('FROM "abuse_spentformtoken"' in query["sql"] for query in captured)
