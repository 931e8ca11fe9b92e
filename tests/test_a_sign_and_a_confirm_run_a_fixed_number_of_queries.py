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

from undersigned.areas.models import SignatureDivision
from undersigned.counting.models import CountEvent
from undersigned.outbox.models import Email
from undersigned.privacy.identity import email_digest
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .areas import made_up_massachusetts, target_by_area
from .conftest import form_data, make_campaign

pytestmark = pytest.mark.django_db(transaction=True)

# The statements of a sign, in order: the per-network rate limit (a COUNT),
# the form token spent, the signature with its areas and its confirmation
# e-mail, who spent the token. On PostgreSQL the signature, its areas and its
# e-mail are one statement (a transaction of its own); SQLite, in process,
# writes them one by one in a transaction. (The drivers' BEGIN and COMMIT are
# logged too: on PostgreSQL they are round trips.)
SIGN = {
    "postgresql": [
        'SELECT COUNT(*) FROM (SELECT 1 FROM "signatures_signature"',
        'INSERT INTO "abuse_spentformtoken"',
        'WITH w0 AS (INSERT INTO "signatures_signature"',
        'UPDATE "abuse_spentformtoken"',
    ],
    "sqlite": [
        'SELECT COUNT(*) FROM (SELECT 1 FROM "signatures_signature"',
        'INSERT INTO "abuse_spentformtoken"',
        "BEGIN",
        'INSERT INTO "signatures_signature"',
        'INSERT INTO "areas_signaturedivision"',
        'INSERT INTO "outbox_email"',
        "COMMIT",
        'UPDATE "abuse_spentformtoken"',
    ],
}
# A confirm: the signature; in one transaction the conditional UPDATE and its
# count event (one statement on PostgreSQL) and the webhook endpoints
# listening; the signer's area for the thank-you page.
CONFIRM = {
    "postgresql": [
        'SELECT * FROM "signatures_signature"',
        "BEGIN",
        'WITH changed (signature_id, campaign_id) AS (UPDATE "signatures_signature"',
        'SELECT * FROM "integrations_webhookendpoint"',
        "COMMIT",
        'SELECT d.* FROM "areas_division"',
    ],
    "sqlite": [
        'SELECT * FROM "signatures_signature"',
        "BEGIN",
        'UPDATE "signatures_signature"',
        'INSERT INTO "deliveries_countevent"',
        'SELECT * FROM "integrations_webhookendpoint"',
        "COMMIT",
        'SELECT d.* FROM "areas_division"',
    ],
}


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


def test_a_sign_makes_four_round_trips_on_postgres_and_still_counts_the_network(client, campaign):
    sign(client, campaign, "first@example.org", 1)  # the caches of a surge, warm

    queries = sign(client, campaign, "second@example.org", 2)

    expected = SIGN[connection.vendor]
    assert shape(queries, expected) == expected
    assert '"network_digest"' in queries[0]
    assert Signature.objects.count() == 2
    second = Signature.objects.get(email_digest=email_digest("second@example.org"))
    assert Email.objects.filter(signature=second, kind=Email.Kind.CONFIRM).count() == 1
    assert SignatureDivision.objects.filter(signature=second).exists()


def confirm_path(signature: Signature) -> str:
    token = confirm_token(signature.pk, signature.link_version)
    return reverse("confirm", args=[signature.pk, token])


def test_a_confirm_makes_six_round_trips_on_postgres(client, campaign):
    sign(client, campaign, "first@example.org", 1)
    sign(client, campaign, "second@example.org", 2)
    first, signature = Signature.objects.order_by("created_at")
    assert client.post(confirm_path(first)).status_code == 302  # the caches, warm

    with CaptureQueriesContext(connection) as captured:
        response = client.post(confirm_path(signature))

    assert response.status_code == 302
    queries = [query["sql"] for query in captured]
    expected = CONFIRM[connection.vendor]
    assert shape(queries, expected) == expected
    assert CountEvent.objects.filter(signature=signature, delta=1).count() == 1
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


def test_the_same_address_signing_again_answers_the_same_and_is_told_it_signed(client, campaign):
    sign(client, campaign, "first@example.org", 1)
    placed = SignatureDivision.objects.count()

    sign(client, campaign, "first@example.org", 2)  # a new form, the same person

    signature = Signature.objects.get()
    kinds = sorted(Email.objects.filter(signature=signature).values_list("kind", flat=True))
    assert kinds == sorted([Email.Kind.CONFIRM, Email.Kind.ALREADY_SIGNED])
    assert SignatureDivision.objects.count() == placed > 0  # nothing of the second was kept


def test_a_held_sign_up_is_stored_with_its_areas_and_sends_nothing(client, campaign):
    data = form_data(email="bot@example.org", postal_code="02143", website="http://spam")
    response = client.post(reverse("sign", args=[campaign.slug]), data)

    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    signature = Signature.objects.get()
    assert signature.status == Signature.Status.QUARANTINED
    assert SignatureDivision.objects.filter(signature=signature).exists()
    assert not Email.objects.exists()
