"""Officials from the unitedstates/congress-legislators CSV."""

from __future__ import annotations

import re

from ..actions import ensure_divisions, resolve_divisions, run_import, save_officials
from .base import DivisionRow, ImportReport, OfficialRow, RowError, read_csv
from .officials import contacts_from
from .us import STATES, district_row, state_id


def import_congress_legislators(
    data,
    *,
    source: str = "congress-legislators",
    dry_run: bool = False,
    retire_missing: bool = False,
    file: str = "",
) -> ImportReport:
    """The `legislators-current.csv` of unitedstates/congress-legislators.

    Senators sit on their state, representatives on their congressional
    district (district 0: the at-large seat, created if missing). The file has
    no e-mail addresses: letters go by post to the office address.
    """
    errors: list[RowError] = []
    rows: list[OfficialRow] = []
    districts: dict[str, DivisionRow] = {}
    required = ["last_name", "first_name", "full_name", "type", "state", "district", "party"]
    required += ["address", "bioguide_id"]
    for line, values in read_csv(data, required, errors, file=file):
        problems = []
        abbr = values["state"].upper()
        state = STATES.get(abbr)
        kind = values["type"]
        if state is None:
            problems.append(f"unknown state {values['state']!r}")
        if kind not in {"sen", "rep"}:
            problems.append(f"type {kind!r} is neither sen nor rep")
        if kind == "rep" and not re.fullmatch(r"\d{1,2}", values["district"]):
            problems.append(f"district {values['district']!r} is not a number")
        if not values["bioguide_id"]:
            problems.append("bioguide_id is empty")
        # The newest members sometimes have no full_name yet.
        name = values["full_name"] or " ".join(
            values.get(part, "") for part in ("first_name", "middle_name", "last_name", "suffix")
        )
        name = " ".join(name.split())
        if not name:
            problems.append("no name")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        if kind == "sen":
            division_id = state_id(abbr)
            office = f"U.S. Senator for {state.name}"
        else:
            district = district_row(abbr, int(values["district"]), line=line, file=file)
            districts.setdefault(district.ocd_id, district)
            division_id = district.ocd_id
            office = f"U.S. Representative for {district.name}"
        rows.append(
            OfficialRow(
                name=name,
                office=office,
                role=kind,
                division_id=division_id,
                person_id=f"bioguide:{values['bioguide_id']}",
                party=values["party"],
                contacts=contacts_from(
                    postal=[("Washington office", values["address"])],
                    phone=[("Washington office", values.get("phone", ""))],
                    web_form=values.get("contact_form", ""),
                ),
                line=line,
                file=file,
            )
        )
    states = resolve_divisions({state_id(abbr) for abbr in STATES})
    creatable = [row for row in districts.values() if row.ocd_id.rsplit("/", 1)[0] in states]

    def write(report: ImportReport) -> None:
        ensure_divisions(creatable, report, source=source)
        save_officials(rows, report, source=source, retire_missing=retire_missing)

    return run_import(
        "Congress legislators",
        rows,
        errors,
        write,
        dry_run=dry_run,
        will_exist=[row.ocd_id for row in creatable],
    )
