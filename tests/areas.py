"""Helpers for the areas tests: the real shared data, and small made-up sets.

The shared data lives beside the repository (../shared/data) and is read in
place, never copied. It holds real officials' real contact details: nothing in
these tests sends anything to anyone.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from undersigned.areas.importers.registry import run_importer
from undersigned.areas.models import TargetRule

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
