"""`undersigned areas …`: load the default areas, import divisions, postal codes
and officials, and look a postal code up.

    undersigned areas load-default us
    undersigned areas import divisions us-ocd-divisions.csv --dry-run
    undersigned areas import zcta-districts zccd.csv
    undersigned areas import boundaries tl_2024_25_sldl.zip --dry-run
    undersigned areas import openstates people/data/ma
    undersigned areas lookup US 02143
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from undersigned.areas.importers.base import ImportFailed, ImportReport
from undersigned.areas.importers.default_us import load_default_us
from undersigned.areas.importers.registry import IMPORTERS, run_importer
from undersigned.areas.lookup import place
from undersigned.areas.postal import InvalidPostalCode, normalise_postal_code

DEFAULTS = {"us": load_default_us}


class Command(BaseCommand):
    help = "Areas and lawmakers: load the default data, import files, look up a postal code."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        default = actions.add_parser("load-default", help="Load a country's embedded default.")
        default.add_argument("country", choices=sorted(DEFAULTS))
        default.add_argument("--dry-run", action="store_true", help="Show what would change.")
        default.add_argument(
            "--state",
            action="append",
            dest="states",
            metavar="XX",
            help="Only these states' counties, places and ZIP codes (repeatable).",
        )

        load = actions.add_parser("import", help="Import a file (all or nothing).")
        load.add_argument("kind", choices=sorted(IMPORTERS))
        load.add_argument("path", help="The file (Open States: a folder, .zip or .yml).")
        load.add_argument("--dry-run", action="store_true", help="Show what would change.")
        load.add_argument("--source", default="", help="Name the source (default: per kind).")
        load.add_argument(
            "--retire-missing",
            action="store_true",
            help="Officials: end the term of this source's officials the file no longer lists.",
        )
        load.add_argument(
            "--postal-areas",
            metavar="FILE",
            help="Boundaries: postal-code areas (GeoJSON or zipped shapefile, e.g. Census "
            "ZCTAs) to link by share of area instead of the shipped ZIP centres.",
        )

        lookup = actions.add_parser("lookup", help="Show the divisions of a postal code.")
        lookup.add_argument("country")
        lookup.add_argument("postal_code")

    def handle(self, *args, action: str, **options) -> None:
        if action == "lookup":
            return self.lookup(options["country"], options["postal_code"])
        try:
            if action == "load-default":
                report = DEFAULTS[options["country"]](
                    dry_run=options["dry_run"], states=options["states"]
                )
            else:
                report = run_importer(
                    options["kind"],
                    options["path"],
                    dry_run=options["dry_run"],
                    retire_missing=options["retire_missing"],
                    source=options["source"],
                    postal_areas=options["postal_areas"],
                )
        except ImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(
                f"{failure}: see the {len(failure.errors)} problem(s) above."
            ) from None
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        self.show(report)

    def show(self, report: ImportReport) -> None:
        lines = report.lines()
        if report.dry_run:
            lines[0] = "DRY RUN, nothing saved. " + lines[0]
        self.stdout.write(lines[0])
        for line in lines[1:]:
            self.stdout.write(line)

    def lookup(self, country: str, postal_code: str) -> None:
        try:
            code = normalise_postal_code(postal_code, country)
        except InvalidPostalCode as error:
            raise CommandError(str(error)) from None
        placement = place(country, code)
        if not placement.divisions:
            self.stdout.write(f"{country.upper()} {code}: unknown")
            return
        for division in placement.divisions:
            self.stdout.write(f"{division.type:8} {division.ocd_id}  {division.name}")
