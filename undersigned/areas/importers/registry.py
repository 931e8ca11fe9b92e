"""The importers by name, for the console command and the admin upload."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .base import ImportReport
from .boundaries import import_boundaries
from .congress import import_congress_legislators
from .divisions import import_ocd_divisions
from .officials import import_officials_csv
from .openstates import import_openstates, read_openstates
from .postal import import_postal_csv, import_zcta_districts


@dataclass(frozen=True)
class Importer:
    name: str
    label: str
    run: Callable[..., ImportReport]
    # Which admin changelist offers it: "division" or "official".
    model: str
    officials: bool = False
    # Open States takes a folder, a zip archive or one YAML file, not a CSV.
    yaml: bool = False
    # Boundaries may come with a second file: postal-code areas.
    postal_areas: bool = False


IMPORTERS = {
    importer.name: importer
    for importer in [
        Importer("divisions", "Divisions: Open Civic Data CSV", import_ocd_divisions, "division"),
        Importer(
            "postal-codes",
            "Postal codes: CSV country,postal_code,division_id,weight,method,source",
            import_postal_csv,
            "division",
        ),
        Importer(
            "zcta-districts",
            "ZIP (ZCTA) to congressional district CSV: state_fips,state_abbr,zcta,cd",
            import_zcta_districts,
            "division",
        ),
        Importer(
            "boundaries",
            "Boundaries: GeoJSON or zipped shapefile (e.g. Census TIGER/Line SLDU, SLDL); "
            "links the postal codes inside each",
            import_boundaries,
            "division",
            postal_areas=True,
        ),
        Importer("officials", "Officials: CSV", import_officials_csv, "official", officials=True),
        Importer(
            "congress-legislators",
            "Members of Congress: unitedstates congress-legislators CSV",
            import_congress_legislators,
            "official",
            officials=True,
        ),
        Importer(
            "openstates",
            "Open States people: a state's folder as a .zip, or one .yml file",
            import_openstates,
            "official",
            officials=True,
            yaml=True,
        ),
    ]
}


def run_importer(
    name: str,
    data,
    *,
    dry_run: bool = False,
    retire_missing: bool = False,
    source: str = "",
    file: str = "",
    postal_areas=None,
) -> ImportReport:
    """Run one importer on a path or an open (uploaded) binary file; `postal_areas`
    (a path or file) goes to the importers that take a second file."""
    started = time.monotonic()
    report = _run(
        name,
        data,
        dry_run=dry_run,
        retire_missing=retire_missing,
        source=source,
        file=file,
        postal_areas=postal_areas,
    )
    report.seconds = time.monotonic() - started  # reading the file included
    return report


def _run(name: str, data, *, dry_run, retire_missing, source, file, postal_areas) -> ImportReport:
    importer = IMPORTERS[name]
    options: dict = {"dry_run": dry_run}
    if source:
        options["source"] = source
    if importer.officials:
        options["retire_missing"] = retire_missing
    if postal_areas is not None:
        if not importer.postal_areas:
            raise ValueError(f"the {name} importer takes no postal-code areas")
        options["postal_areas"] = postal_areas
    if importer.yaml:
        return importer.run(read_openstates(data), **options)
    if isinstance(data, str | Path):
        with open(data, "rb") as handle:
            return importer.run(handle, file=file, **options)
    return importer.run(data, file=file, **options)
