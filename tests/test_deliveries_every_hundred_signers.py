"""Every 100 signers in an area, their letter goes to that area's lawmakers, exactly once.

The letters go through a real SMTP server on loopback (aiosmtpd); every
lawmaker here is fictional, with an example.org address.
"""

# ruff: noqa: RUF001
from __future__ import annotations

import csv
import hashlib
import io
import time

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from undersigned.areas.models import PostalCodeDivision
from undersigned.counting.counts import confirmed_count
from undersigned.counting.models import Tally
from undersigned.deliveries.models import Delivery, DeliveryAttempt, DeliverySigner
from undersigned.outbox.models import Email
from undersigned.signatures.actions import ConsentGiven
from undersigned.signatures.models import Consent, Signature
from undersigned.signatures.rights import withdraw

from .conftest import form_data, make_campaign, process_counts, run_worker
from .delivery_helpers import (
    bulk_confirmed,
    lawmaker,
    local_campaign,
    places,
    sign_and_confirm,
    smtp_server,  # noqa: F401 (the smtp fixture)
)

pytestmark = pytest.mark.django_db

MAYOR = "mayor@somerville.example.org"
COUNCIL = "council@somerville.example.org"
CAMBRIDGE_MAYOR = "mayor@cambridge.example.org"


@pytest.fixture
def campaign():
    somerville, cambridge = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email=MAYOR)
    lawmaker(somerville, "Council Fictional", "council", email=COUNCIL)
    lawmaker(cambridge, "Mayor Invented", "mayor", email=CAMBRIDGE_MAYOR)
    return local_campaign()


def signers_in(message) -> list[list[str]]:
    """The rows of the CSV attached to a delivered letter."""
    (attachment,) = [
        part for part in message.iter_attachments() if part.get_filename().endswith(".csv")
    ]
    return list(csv.reader(io.StringIO(attachment.get_content())))[1:]


def in_order(letters) -> list:
    """Letters by the number of their first signer."""
    return sorted(letters, key=lambda message: int(signers_in(message)[0][0]))


def pdf_of(message) -> bytes:
    (attachment,) = [
        part for part in message.iter_attachments() if part.get_filename().endswith(".pdf")
    ]
    return attachment.get_content()


def test_250_signers_in_one_place_and_99_in_another_give_two_letters_to_each_lawmaker(
    campaign, smtp
):
    somerville, cambridge = places()
    started = time.perf_counter()
    sign_and_confirm(campaign, somerville, 250)
    sign_and_confirm(campaign, cambridge, 99, start=1000)
    took = time.perf_counter() - started
    print(f"\n350 signers signed and confirmed through the actions in {took:.2f}s")
    run_worker()

    for address in (MAYOR, COUNCIL):
        letters = smtp.to(address)
        assert len(letters) == 2
        letters = in_order(letters)
        assert str(letters[0]["Subject"]).endswith("Signers 1–100 from Somerville, MA")
        assert str(letters[1]["Subject"]).endswith("Signers 101–200 from Somerville, MA")
        lists = [signers_in(m) for m in letters]
        names = [[row[1] for row in rows] for rows in lists]
        assert [len(set(n)) for n in names] == [100, 100]
        assert not set(names[0]) & set(names[1])
        # The earliest 200 confirmed, in order, numbered 1 to 200.
        assert names[0] + names[1] == [f"Signer{n} Example" for n in range(200)]
        assert [int(row[0]) for rows in lists for row in rows] == list(range(1, 201))
        assert all(row[2] == "Somerville" for rows in lists for row in rows)
        assert "@" not in "".join(m.get_body(("plain",)).get_content() for m in letters)
        assert not any("@" in cell for rows in lists for row in rows for cell in row)
    assert smtp.to(CAMBRIDGE_MAYOR) == []
    assert Delivery.objects.filter(division=somerville).count() == 2
    assert Delivery.objects.filter(division=cambridge).count() == 0
    # Both lawmakers got the same letter: one PDF per delivery, whose hash is on record.
    for delivery in Delivery.objects.all():
        copies = [pdf_of(m) for m in smtp.letters() if delivery.label in str(m["Subject"])]
        assert len(copies) == 2 and copies[0] == copies[1]
        assert hashlib.sha256(copies[0]).hexdigest() == delivery.pdf_sha256
    assert set(DeliveryAttempt.objects.values_list("state", flat=True)) == {"sent"}
    assert Tally.objects.get(division=somerville).confirmed == 250
    assert Tally.objects.get(division=cambridge).confirmed == 99
    assert confirmed_count(campaign) == 349


def test_one_more_signer_in_the_second_place_makes_its_first_delivery(campaign, smtp):
    _, cambridge = places()
    bulk_confirmed(campaign, cambridge, 99)
    run_worker()
    assert smtp.letters() == []
    sign_and_confirm(campaign, cambridge, 1, start=500)
    run_worker()
    (letter,) = smtp.to(CAMBRIDGE_MAYOR)
    assert str(letter["Subject"]).endswith("Signers 1–100 from Cambridge, MA")
    assert len(signers_in(letter)) == 100


def test_withdrawing_after_a_delivery_neither_recalls_it_nor_doubles_the_next(campaign, smtp):
    somerville, _ = places()
    # Signing is not what this test is about: the signers arrive in bulk, with
    # the rows and count events the actions write; withdrawing goes through its action.
    first = bulk_confirmed(campaign, somerville, 100)
    run_worker()
    assert len(smtp.to(MAYOR)) == 1
    # Ten of the delivered signers withdraw: the count drops to 90.
    for pk in first[:10]:
        withdraw(Signature.objects.get(pk=pk))
    run_worker()
    assert Tally.objects.get(division=somerville).confirmed == 90
    assert Delivery.objects.count() == 1
    assert DeliverySigner.objects.count() == 100  # the delivered letter keeps its names
    # Back at 100: the first hundred was delivered already; nothing goes out again.
    bulk_confirmed(campaign, somerville, 10, start=100)
    run_worker()
    assert Tally.objects.get(division=somerville).confirmed == 100
    assert len(smtp.to(MAYOR)) == 1
    # The next delivery comes at 200, with 100 signers none of whom went before.
    bulk_confirmed(campaign, somerville, 99, start=110)
    run_worker()
    assert len(smtp.to(MAYOR)) == 1
    sign_and_confirm(campaign, somerville, 1, start=209)
    run_worker()
    letters = in_order(smtp.to(MAYOR))
    assert len(letters) == 2
    second = [row[1] for row in signers_in(letters[1])]
    assert second == [f"Bulk{n} Example" for n in range(100, 209)][:100]
    assert str(letters[1]["Subject"]).endswith("Signers 101–200 from Somerville, MA")
    assert Delivery.objects.count() == 2


def test_a_delivered_milestone_is_not_made_again_when_the_count_dips_and_recovers(campaign, smtp):
    somerville, _ = places()
    ids = bulk_confirmed(campaign, somerville, 100)
    process_counts()
    withdraw(Signature.objects.get(pk=ids[-1]))
    sign_and_confirm(campaign, somerville, 1, start=100)
    run_worker()
    assert Delivery.objects.count() == 1
    assert len(smtp.to(MAYOR)) == 1


def test_signers_who_asked_are_told_once_when_the_letter_with_their_name_is_delivered(
    campaign, outbox
):
    somerville, _ = places()
    asked = ConsentGiven(
        Consent.Kind.DELIVERY, "E-mail me when the letter with my name is delivered."
    )
    keen = sign_and_confirm(campaign, somerville, 3, consents=[asked])
    bulk_confirmed(campaign, somerville, 97)
    outbox.clear()
    run_worker()
    told = [m for m in outbox if m.subject.startswith("Your letter was delivered")]
    assert sorted(m.to[0] for m in told) == sorted(
        f"Signer{n} Example <signer{n}@example.org>" for n in range(3)
    )
    delivery = Delivery.objects.get()
    assert delivery.get_absolute_url() in told[0].body
    assert "Mayor of Somerville" in told[0].body
    assert Email.objects.filter(kind=Email.Kind.DELIVERED).count() == 3
    # Nobody hears twice, however often the worker runs.
    run_worker()
    assert Email.objects.filter(kind=Email.Kind.DELIVERED).count() == 3
    assert set(
        Email.objects.filter(kind=Email.Kind.DELIVERED).values_list("signature", flat=True)
    ) == set(keen)


def test_the_box_to_hear_about_the_delivery_is_offered_and_never_pre_ticked(client, campaign):
    page = client.get(reverse("campaign", args=[campaign.slug])).content.decode()
    assert "E-mail me when the letter with my name is delivered." in page
    box = page[
        page.index('name="consent_delivery"') - 100 : page.index('name="consent_delivery"') + 100
    ]
    assert "checked" not in box


def test_public_counts_are_exact_at_once_and_never_count_signature_rows(client, campaign):
    somerville, _ = places()
    sign_and_confirm(campaign, somerville, 3)
    url = reverse("api_count", args=[campaign.slug])
    with CaptureQueriesContext(connection) as queries:
        before = client.get(url).json()["confirmed"]
    assert before == 3  # the processor has not run yet
    assert not any("signatures_signature" in q["sql"] for q in queries.captured_queries)
    process_counts()
    assert client.get(url).json()["confirmed"] == 3
    with CaptureQueriesContext(connection) as queries:
        home = client.get(reverse("home"))
    assert b"3" in home.content
    assert not any("signatures_signature" in q["sql"] for q in queries.captured_queries)


def test_reconcile_reports_drift_and_fixes_it(campaign, capsys):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 30)
    call_command("reconcile")
    assert "No drift" in capsys.readouterr().out
    Tally.objects.filter(division=somerville).update(confirmed=25)
    call_command("reconcile")
    assert "tallied 25, counted 30 (-5)" in capsys.readouterr().out
    assert Tally.objects.get(division=somerville).confirmed == 25  # only reported
    call_command("reconcile", "--fix")
    assert Tally.objects.get(division=somerville).confirmed == 30
    call_command("reconcile")
    assert "No drift" in capsys.readouterr().out.splitlines()[-1]


def test_reconcile_counts_events_the_processor_has_not_seen_yet(campaign, capsys):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 5)
    process_counts()
    sign_and_confirm(campaign, somerville, 2)  # two events waiting
    from undersigned.signatures.reconcile import reconcile

    assert reconcile() == []


def test_a_campaign_that_delivers_nothing_does_not_offer_to_tell_about_deliveries(client):
    plain = make_campaign(slug="no-deliveries")
    page = client.get(reverse("campaign", args=[plain.slug])).content.decode()
    assert "consent_delivery" not in page


def test_ticking_the_box_on_the_sign_form_records_the_consent_with_its_words(client, campaign):
    somerville, _ = places()
    PostalCodeDivision.objects.create(
        country="US", postal_code="02143", division=somerville, method="manual"
    )
    response = client.post(reverse("sign", args=[campaign.slug]), form_data(consent_delivery="on"))
    assert response.status_code == 200
    consent = Consent.objects.get()
    assert consent.kind == Consent.Kind.DELIVERY
    assert consent.text == "E-mail me when the letter with my name is delivered."
    assert list(consent.signature.division_links.values_list("division", flat=True)) == [
        somerville.pk
    ]
