"""Postal code -> division links: a generic CSV, and the ZCTA -> congressional
district adapter."""

from __future__ import annotations

import re

from ..actions import ensure_divisions, resolve_divisions, run_import, save_postal_links
from ..models import PostalCodeDivision
from ..postal import InvalidPostalCode, normalise_postal_key
from .base import ImportReport, LinkRow, RowError, check_ocd_id, read_csv
from .us import STATES, district_row, state_id

METHODS = {choice.value for choice in PostalCodeDivision.Method}
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _method(value: str) -> str | None:
    method = "_".join(value.lower().split()) or PostalCodeDivision.Method.MANUAL
    return method if method in METHODS else None


def import_postal_csv(
    data, *, source: str = "postal-csv", dry_run: bool = False, file: str = ""
) -> ImportReport:
    """Columns: country,postal_code,division_id required; weight (0-1), method
    (concordance, area share, centroid, name match, manual; default manual) and
    source (default: the import's source) optional."""
    errors: list[RowError] = []
    rows: list[LinkRow] = []
    seen: dict[tuple, int] = {}
    required = ["country", "postal_code", "division_id"]
    for line, values in read_csv(data, required, errors, file=file):
        problems = []
        country = values["country"].upper()
        postal_code = ""
        if not COUNTRY.match(country):
            problems.append(f"country {values['country']!r} is not a two-letter ISO code")
        else:
            try:
                postal_code = normalise_postal_key(values["postal_code"], country)
            except InvalidPostalCode as error:
                problems.append(f"postal code {values['postal_code']!r}: {error}")
        problem = check_ocd_id(values["division_id"])
        if problem:
            problems.append(problem)
        weight = None
        if values.get("weight"):
            try:
                weight = float(values["weight"])
            except ValueError:
                weight = -1.0
            if not 0 <= weight <= 1:
                problems.append(f"weight {values['weight']!r} is not a number from 0 to 1")
        method = _method(values.get("method", ""))
        if method is None:
            problems.append(
                f"method {values['method']!r} is not one of: {', '.join(sorted(METHODS))}"
            )
        key = (country, postal_code, values["division_id"])
        if not problems and key in seen:
            problems.append(f"repeats line {seen[key]}")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        seen[key] = line
        rows.append(
            LinkRow(
                country=country,
                postal_code=postal_code,
                division_id=values["division_id"],
                weight=weight,
                method=method,
                source=values.get("source") or source,
                line=line,
                file=file,
            )
        )

    def write(report: ImportReport) -> None:
        save_postal_links(rows, report)

    return run_import("postal codes", rows, errors, write, dry_run=dry_run)


def import_zcta_districts(
    data, *, source: str = "census-zcta-cd", dry_run: bool = False, file: str = ""
) -> ImportReport:
    """ZCTA -> congressional district (`state_fips,state_abbr,zcta,cd`), one row
    per overlap, no weights; district 0 is a state's at-large seat.

    A ZCTA is the Census Bureau's area for a ZIP code; it is taken as the ZIP.
    Districts that do not exist yet are created under their state, which must.
    """
    errors: list[RowError] = []
    rows: list[LinkRow] = []
    districts = {}
    seen: dict[tuple, int] = {}
    for line, values in read_csv(
        data, ["state_fips", "state_abbr", "zcta", "cd"], errors, file=file
    ):
        problems = []
        abbr = values["state_abbr"].upper()
        state = STATES.get(abbr)
        if state is None:
            problems.append(f"unknown state {values['state_abbr']!r}")
        elif values["state_fips"].zfill(2) != state.fips:
            problems.append(f"state_fips {values['state_fips']!r} is not {abbr}'s ({state.fips})")
        if not re.fullmatch(r"\d{5}", values["zcta"]):
            problems.append(f"zcta {values['zcta']!r} is not five digits")
        if not re.fullmatch(r"\d{1,2}", values["cd"]):
            problems.append(f"cd {values['cd']!r} is not a district number (0 for at-large)")
        key = (values["zcta"], abbr, values["cd"].lstrip("0"))
        if not problems and key in seen:
            problems.append(f"repeats line {seen[key]}")
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        seen[key] = line
        district = district_row(abbr, int(values["cd"]), line=line, file=file)
        districts.setdefault(district.ocd_id, district)
        rows.append(
            LinkRow(
                country="US",
                postal_code=values["zcta"],
                division_id=district.ocd_id,
                method=PostalCodeDivision.Method.CONCORDANCE,
                source=source,
                line=line,
                file=file,
            )
        )
    states = resolve_divisions({state_id(abbr) for abbr in STATES})
    creatable = [row for row in districts.values() if row.ocd_id.rsplit("/", 1)[0] in states]

    def write(report: ImportReport) -> None:
        ensure_divisions(creatable, report, source=source)
        save_postal_links(rows, report)

    return run_import(
        "ZCTA congressional districts",
        rows,
        errors,
        write,
        dry_run=dry_run,
        will_exist=[row.ocd_id for row in creatable],
    )
