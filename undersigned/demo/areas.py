"""The demo's areas: the embedded US default, and a fictional mayor and city
council for every place in it, so the local campaign shows any signer their
own (made-up) local lawmakers.

Every demo lawmaker is named "(fictional)" and reached at example.org. The
real officials an organiser may import (Open States, Congress) are never part
of the demo.
"""

from __future__ import annotations

from undersigned.areas.actions import run_import, save_divisions, save_officials, save_postal_links
from undersigned.areas.importers.base import (
    ContactRow,
    DivisionRow,
    ImportReport,
    LinkRow,
    OfficialRow,
)
from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.models import ContactPoint, Division, PostalCodeDivision

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


# States whose house districts the demo makes up: one per county, holding the
# county's ZIP codes. The others have none, so a campaign "to each signer's
# state representative" shows partial coverage at launch, as real data would
# until every state's districts are imported.
DISTRICT_STATES = ["ma", "ca"]


def fictional_state_districts() -> ImportReport:
    """A made-up state house district (sldl) per county of a few states, its
    ZIP codes linked, and a fictional representative for each; safe to run again."""
    divisions: list[DivisionRow] = []
    links: list[LinkRow] = []
    officials: list[OfficialRow] = []
    counties = Division.objects.filter(country="US", type="county").filter(
        ocd_id__regex=r"/state:(" + "|".join(DISTRICT_STATES) + r")/"
    )
    by_county = {county.pk: county for county in counties}
    districts = {}
    for county in by_county.values():
        state_id, _, segment = county.ocd_id.rpartition("/")
        ocd_id = f"{state_id}/sldl:demo_{segment.split(':', 1)[1]}"
        name = f"{county.name} district (fictional)"
        districts[county.pk] = ocd_id
        divisions.append(DivisionRow(ocd_id, name))
        state = state_id.rsplit(":", 1)[1]
        officials.append(
            OfficialRow(
                name=f"Morgan Placeholder of {county.name} (fictional)",
                office=f"State Representative, {name}",
                role="lower",
                division_id=ocd_id,
                contacts=[
                    ContactRow(
                        ContactPoint.Kind.EMAIL,
                        f"rep.{segment.split(':', 1)[1]}.{state}@example.org",
                        for_delivery=True,
                    )
                ],
                identity=f"demo|representative|{ocd_id}",
            )
        )
    for code, county_id in PostalCodeDivision.objects.filter(
        country="US", division_id__in=list(by_county)
    ).values_list("postal_code", "division_id"):
        links.append(
            LinkRow("US", code, districts[county_id], PostalCodeDivision.Method.MANUAL, SOURCE)
        )

    def write(report: ImportReport) -> None:
        save_divisions(divisions, report, source=SOURCE)
        save_postal_links(links, report)
        save_officials(officials, report, source=SOURCE)

    rows: list[DivisionRow | LinkRow | OfficialRow] = [*divisions, *links, *officials]
    return run_import(
        "Demo state house districts (fictional)",
        rows,
        [],
        write,
        will_exist=[row.ocd_id for row in divisions],
    )


def load_demo_areas() -> list[ImportReport]:
    return [load_default_us(), fictional_lawmakers(), fictional_state_districts()]
