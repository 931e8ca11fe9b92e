"""Helpers for the areas tests: the real shared data, and small made-up sets.

The shared data lives beside the repository (../shared/data) and is read in
place, never copied. It holds real officials' real contact details: nothing in
these tests sends anything to anyone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from undersigned.areas.importers.divisions import import_ocd_divisions
from undersigned.areas.importers.officials import import_officials_csv
from undersigned.areas.importers.postal import import_postal_csv
from undersigned.areas.importers.registry import run_importer
from undersigned.areas.models import SignatureDivision, TargetRule
from undersigned.counting.models import Tally

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OCD = SHARED_DATA / "us-ocd-divisions.csv"
ZCTA = SHARED_DATA / "us-zcta-congressional-districts.csv"
CONGRESS = SHARED_DATA / "us-congress-legislators-current.csv"
OPENSTATES = SHARED_DATA / "openstates"

# CI (REQUIRE_SERVICES=1) always has ../shared/data beside the checkout: there a
# missing copy is a setup fault to fail on, not a reason to skip quietly.
if not OCD.exists() and os.environ.get("REQUIRE_SERVICES") == "1":
    raise RuntimeError(f"REQUIRE_SERVICES=1 but the shared data is not at {SHARED_DATA}")
needs_shared_data = pytest.mark.skipif(
    not OCD.exists(), reason=f"the shared data is not at {SHARED_DATA}"
)

MA = "ocd-division/country:us/state:ma"
SOMERVILLE = f"{MA}/place:somerville"
CAMBRIDGE = f"{MA}/place:cambridge"
CD5, CD7 = f"{MA}/cd:5", f"{MA}/cd:7"


def load(kind: str, path: Path, **options):
    return run_importer(kind, path, **options)


def data_lines(path: Path) -> int:
    """Data rows in a CSV file (physical lines less the header)."""
    with open(path, "rb") as handle:
        return sum(1 for line in handle if line.strip()) - 1


def csv_text(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def target_by_area(campaign, division_type: str, roles: str = "") -> TargetRule:
    return TargetRule.objects.create(campaign=campaign, division_type=division_type, roles=roles)


def made_up_massachusetts() -> None:
    """Somerville, Cambridge and two congressional districts, with 02143 in one town
    and district, 02145 in one town and two districts, 02140 in two towns and one
    district; fictional mayors and representatives at example.org."""
    import_ocd_divisions(
        csv_text(
            "id,name",
            "ocd-division/country:us,United States",
            f"{MA},Massachusetts",
            f"{SOMERVILLE},Somerville city",
            f"{CAMBRIDGE},Cambridge city",
            f"{CD5},Massachusetts's 5th congressional district",
            f"{CD7},Massachusetts's 7th congressional district",
        )
    )
    links = [
        ("02143", MA),
        ("02143", SOMERVILLE),
        ("02143", CD7),
        ("02145", MA),
        ("02145", SOMERVILLE),
        ("02145", CD5),
        ("02145", CD7),
        ("02140", MA),
        ("02140", CAMBRIDGE),
        ("02140", SOMERVILLE),
        ("02140", CD7),
    ]
    import_postal_csv(
        csv_text(
            "country,postal_code,division_id,method,source",
            *(f"US,{code},{division},manual,made-up" for code, division in links),
        )
    )
    import_officials_csv(
        csv_text(
            "name,office,role,division_id,email",
            f"Pat Example (fictional),Mayor of Somerville,mayor,{SOMERVILLE},"
            "mayor@somerville.example.org",
            f"Chris Sample (fictional),Mayor of Cambridge,mayor,{CAMBRIDGE},"
            "mayor@cambridge.example.org",
            f"Lee Fiveson (fictional),U.S. Representative,rep,{CD5},rep5@example.org",
            f"Kim Sevenson (fictional),U.S. Representative,rep,{CD7},rep7@example.org",
        )
    )


def tallies(campaign) -> dict[str | None, int]:
    """The campaign's non-zero tallies by OCD id (None: the campaign total)."""
    rows = Tally.objects.filter(campaign=campaign, confirmed__gt=0).select_related("division")
    return {(t.division.ocd_id if t.division else None): t.confirmed for t in rows}


def placed(signature) -> set[str]:
    """The OCD ids of the areas a signature is placed in."""
    rows = SignatureDivision.objects.filter(signature=signature)
    return set(rows.values_list("division__ocd_id", flat=True))
