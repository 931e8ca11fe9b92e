"""Divisions in the Open Civic Data CSV format.

Columns: `id,name` required; `validFrom,validThrough` (YYYY-MM-DD) and
`sameAs` (another id for the same area, kept as an alias) optional. Any other
non-empty column (for example `census_geoid`) is kept in the division's codes.
"""

from __future__ import annotations

from ..actions import run_import, save_divisions
from .base import DivisionRow, ImportReport, RowError, check_ocd_id, parse_date, read_csv

SOURCE = "ocd-division-ids"
KNOWN = {"id", "name", "validFrom", "validThrough", "sameAs", "sameAsNote"}


def import_ocd_divisions(
    data, *, source: str = SOURCE, dry_run: bool = False, file: str = ""
) -> ImportReport:
    errors: list[RowError] = []
    rows: list[DivisionRow] = []
    seen: dict[str, int] = {}
    for line, values in read_csv(data, ["id", "name"], errors, file=file):
        problems = []
        ocd_id = values["id"]
        problem = check_ocd_id(ocd_id)
        if problem:
            problems.append(problem)
        elif ocd_id in seen:
            problems.append(f"{ocd_id} repeats line {seen[ocd_id]}")
        if not values["name"]:
            problems.append("the name is empty")
        dates = {}
        for column in ("validFrom", "validThrough"):
            try:
                dates[column] = parse_date(values.get(column, ""))
            except ValueError as error:
                problems.append(f"{column}: {error}")
        start, end = dates.get("validFrom"), dates.get("validThrough")
        if start and end and start > end:
            problems.append("validFrom is after validThrough")
        aliases = []
        if values.get("sameAs"):
            problem = check_ocd_id(values["sameAs"])
            if problem:
                problems.append(f"sameAs: {problem}")
            aliases.append(values["sameAs"])
        if problems:
            errors.extend(RowError(file, line, problem) for problem in problems)
            continue
        seen[ocd_id] = line
        rows.append(
            DivisionRow(
                ocd_id=ocd_id,
                name=values["name"],
                valid_from=dates.get("validFrom"),
                valid_through=dates.get("validThrough"),
                aliases=aliases,
                codes={key: value for key, value in values.items() if key not in KNOWN and value},
                line=line,
                file=file,
            )
        )

    def write(report: ImportReport) -> None:
        save_divisions(rows, report, source=source)

    return run_import("OCD divisions", rows, errors, write, dry_run=dry_run)
