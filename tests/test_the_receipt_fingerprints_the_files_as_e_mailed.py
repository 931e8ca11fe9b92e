"""A lawmaker who saves the attachments of the letter they received and hashes
them finds the fingerprints the public receipt shows, for the signer list
(CSV) as for the PDF. The e-mail is read as it arrived at a real SMTP server
on loopback, and as the demo writes it to a file, and each attachment taken
as a mail program saves it.

A text attachment sent as text may have its line endings changed on the way
and by the mail program that saves it (RFC 2046 lets the receiving system
use its own); the CSV, whose lines end in CRLF, is therefore sent
base64-encoded, so that its bytes arrive as they were hashed."""

from __future__ import annotations

import email
import hashlib
import re
from email import policy

import pytest
from django.test import override_settings

from undersigned.deliveries.models import Delivery

from .conftest import run_worker
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places, smtp_server

smtp = smtp_server  # the fixture

pytestmark = pytest.mark.django_db

MAYOR = "mayor@somerville.example.org"


def fingerprints_on(page: str) -> dict[str, str]:
    return dict(re.findall(r'id="(pdf|csv)-sha256">([0-9a-f]{64})<', page))


def delivered_letter() -> None:
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email=MAYOR)
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 100)
    run_worker()


def assert_receipt_matches(client, letter) -> None:
    saved = {
        part.get_filename().rsplit(".", 1)[1]: part.get_payload(decode=True)
        for part in letter.iter_attachments()
    }
    assert set(saved) == {"pdf", "csv"}
    assert saved["csv"].startswith(b"number,name,city or postal code")
    assert saved["csv"].count(b"\n") == 101
    page = client.get(Delivery.objects.get().get_absolute_url()).content.decode()
    shown = fingerprints_on(page)
    assert shown == {kind: hashlib.sha256(data).hexdigest() for kind, data in saved.items()}


def test_the_receipt_matches_the_files_received_over_smtp(client, smtp):
    delivered_letter()
    (letter,) = smtp.to(MAYOR)
    (csv_part,) = [p for p in letter.iter_attachments() if p.get_filename().endswith(".csv")]
    assert csv_part["Content-Transfer-Encoding"] == "base64"
    assert csv_part.get_content_type() == "text/csv"
    assert_receipt_matches(client, letter)


def test_the_receipt_matches_the_files_of_the_letter_the_demo_wrote(client, tmp_path):
    with override_settings(
        EMAIL_BACKEND="undersigned.outbox.backends.EmlFileBackend", MAIL_DIR=tmp_path
    ):
        delivered_letter()
    (path,) = [p for p in tmp_path.glob("*.eml") if "delivery-" in p.name]
    letter = email.message_from_bytes(path.read_bytes(), policy=policy.default)
    assert_receipt_matches(client, letter)
