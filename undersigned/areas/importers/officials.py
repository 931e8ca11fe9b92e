"""Officials: the generic CSV importer, and the contact rows that every
officials importer builds (congress.py and openstates.py use them too).

Every official is keyed by (person id or name, role, division), so a
re-import updates the same rows. Contact points: e-mail, postal address,
phone, fax and web form; one e-mail or postal address is marked for delivery
(e-mail first).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..actions import run_import, save_officials
from ..models import ContactPoint
from .base import (
    ContactRow,
    ImportReport,
    OfficialRow,
    RowError,
    check_ocd_id,
    parse_date,
    read_csv,
)

Kind = ContactPoint.Kind
ROLE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def contacts_from(
    *,
    email: str = "",
    postal: Iterable[tuple[str, str]] = (),
    phone: Iterable[tuple[str, str]] = (),
    fax: Iterable[tuple[str, str]] = (),
    web_form: str = "",
    delivery: str = "",
) -> list[ContactRow]:
    """Contact rows in a stable order, one marked for delivery.

    `delivery` is 'email' or 'postal' to choose; otherwise e-mail when there is
    one, else the first postal address.
    """
    contacts = [ContactRow(Kind.EMAIL, email)] if email else []
    contacts += [ContactRow(Kind.POSTAL, value, label) for label, value in postal if value]
    contacts += [ContactRow(Kind.PHONE, value, label) for label, value in phone if value]
    contacts += [ContactRow(Kind.FAX, value, label) for label, value in fax if value]
    if web_form:
        contacts.append(ContactRow(Kind.WEB_FORM, web_form))
    order = [delivery] if delivery else [Kind.EMAIL, Kind.POSTAL]
    for kind in order:
        chosen = next((contact for contact in contacts if contact.kind == kind), None)
        if chosen:
            chosen.for_delivery = True
            break
    return contacts


# Generic CSV ----------------------------------------------------------------

GENERIC_COLUMNS = ["name", "role", "division_id"]


def import_officials_csv(
    data,
    *,
    source: str = "officials-csv",
    dry_run: bool = False,
    retire_missing: bool = False,
    file: str = "",
) -> ImportReport:
    """Columns: name, role, division_id required; office (defaults to the role),
    person_id, party, start_date, end_date, email, postal_address, phone, fax,
    web_form and delivery ('email' or 'postal') optional."""
    errors: list[RowError] = []
    rows: list[OfficialRow] = []
    seen: dict[str, int] = {}
    for line, values in read_csv(data, GENERIC_COLUMNS, errors, file=file):
        problems = []
        if not values["name"]:
            problems.append("the name is empty")
        role = values["role"].lower()
        if not ROLE.match(role):
            problems.append(f"role {values['role']!r}: use a short word like mayor or council")
        problem = check_ocd_id(values["division_id"])
        if problem:
            problems.append(problem)
        dates = {}
        for column in ("start_date", "end_date"):
            try:
                dates[column] = parse_date(values.get(column, ""))
            except ValueError as error:
                problems.append(f"{column}: {error}")
        email = values.get("email", "")
        if email and not EMAIL.match(email):
            problems.append(f"e-mail {email!r} is not an address")
        web_form = values.get("web_form", "")
        if web_form and not web_form.startswith(("https://", "http://")):
            problems.append(f"web_form {web_form!r} is not a web address")
        delivery = values.get("delivery", "").lower()
        if delivery not in {"", "email", "postal"}:
            problems.append(f"delivery {values['delivery']!r}: use email or postal")
        elif delivery and not values.get("postal_address" if delivery == "postal" else "email"):
            problems.append(f"delivery is {delivery} but that column is empty")
        row = OfficialRow(
            name=values["name"],
            office=values.get("office") or role.replace("_", " ").capitalize(),
            role=role,
            division_id=values["division_id"],
            person_id=values.get("person_id", ""),
            party=values.get("party", ""),
            start_date=dates.get("start_date"),
            end_date=dates.get("end_date"),
            contacts=contacts_from(
                email=email,
                postal=[("", values.get("postal_address", "").replace("\\n", "\n"))],
                phone=[("", values.get("phone", ""))],
                fax=[("", values.get("fax", ""))],
                web_form=web_form,
                delivery=delivery,
            ),
            line=line,
            file=file,
        )
        if not problems and row.key in seen:
            problems.append(f"the same official as line {seen[row.key]}")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        seen[row.key] = line
        rows.append(row)

    def write(report: ImportReport) -> None:
        save_officials(rows, report, source=source, retire_missing=retire_missing)

    return run_import("officials", rows, errors, write, dry_run=dry_run)
