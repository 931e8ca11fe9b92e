"""The demo's areas: the embedded US default, and a fictional mayor and city
council for every place in it, so the local campaign shows any signer their
own (made-up) local lawmakers.

Every demo lawmaker is named "(fictional)" and reached at example.org. The
real officials an organiser may import (Open States, Congress) are never part
of the demo.
"""

from __future__ import annotations

from undersigned.areas.actions import run_import, save_officials
from undersigned.areas.importers.base import ContactRow, ImportReport, OfficialRow
from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.models import ContactPoint, Division

SOURCE = "demo"
# (role, name, office); the names and keys match the deliveries demo's, which
# adds signers and deliveries for a few of these places.
LAWMAKERS = [
    ("mayor", "Dana Example (fictional)", "Mayor of {place}"),
    ("council", "Lee Placeholder (fictional)", "{place} City Council"),
]


def fictional_lawmakers() -> ImportReport:
    """A fictional mayor and council for every US place; safe to run again."""
    rows = []
    places = Division.objects.filter(country="US", type="place").values_list("ocd_id", "name")
    for ocd_id, place in places:
        state = ocd_id.split("/state:", 1)[1].split("/", 1)[0]
        slug = ocd_id.rsplit(":", 1)[1].replace("~", "")
        for role, name, office in LAWMAKERS:
            address = f"{role}.{slug}.{state}@example.org"
            rows.append(
                OfficialRow(
                    name=name,
                    office=office.format(place=place),
                    role=role,
                    division_id=ocd_id,
                    contacts=[ContactRow(ContactPoint.Kind.EMAIL, address, for_delivery=True)],
                    identity=f"demo|{name}|{ocd_id}",
                )
            )

    def write(report: ImportReport) -> None:
        save_officials(rows, report, source=SOURCE)

    return run_import("Demo lawmakers (fictional)", rows, [], write)


def load_demo_areas() -> list[ImportReport]:
    return [load_default_us(), fictional_lawmakers()]
