"""The embedded US default: states, counties and places, and each ZIP code's
links to them, built offline from data that ships inside two packages.

- `us` (states and territories with FIPS codes, and their counties with FIPS);
- `zipcodes` (every ZIP with its USPS city, county and state).

A ZIP is linked to its state (concordance), its county and its city (matched
by name). USPS names the post office's city, which is usually the
municipality but not always (ZIPs in Boston's neighbourhoods are named
"Jamaica Plain" or "Dorchester"); organisers who need exact places or
districts import them (see docs/data-sources.md). No weights: the packages do
not say how much of a ZIP lies in each area.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Collection
from functools import cache

import us
import zipcodes

from ..actions import run_import, save_divisions, save_postal_links
from ..models import PostalCodeDivision
from .base import DivisionRow, ImportReport, LinkRow, ocd_slug
from .us import COUNTRY, STATES, state_id

SOURCE = "default:us"
# Other OCD ids for the district and the territories (OCD's own spellings).
ALIASES = {
    "DC": "ocd-division/country:us/district:dc",
    **{
        state.abbr: f"ocd-division/country:us/territory:{state.abbr.lower()}"
        for state in us.states.TERRITORIES
    },
}
# County-equivalent suffixes, longest first; what the OCD ids call them.
SUFFIXES = [
    (" city and borough", "borough"),
    (" census area", "borough"),
    (" municipality", "borough"),
    (" borough", "borough"),
    (" parish", "parish"),
    (" municipio", "municipio"),
    (" county", "county"),
]
PREFIXES = ("city and borough of ", "municipality of ", "borough of ")


def _plain(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


@cache
def county_key(name: str) -> str:
    """A key that USPS and Census spellings of one county share:
    'Dona Ana County' / 'Doña Ana County', 'Municipality of Anchorage' /
    'Anchorage Municipality', 'Roanoke City' / 'Roanoke city'."""
    text = _plain(name)
    for prefix in PREFIXES:
        text = text.removeprefix(prefix)
    for suffix, _ in SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
            break
    return re.sub(r"[^a-z0-9]", "", text)


def county_segment(name: str, state_abbr: str, county_names: set[str]) -> str:
    """The OCD segment for a county-equivalent: 'county:middlesex',
    'parish:acadia', 'borough:bethel', 'county:fairfax_city' (a Virginia
    independent city beside a county of the same name)."""
    lowered = name.lower()
    for suffix, kind in SUFFIXES:
        if lowered.endswith(suffix):
            kind = "borough" if state_abbr == "AK" else kind
            return f"{kind}:{ocd_slug(name[: -len(suffix)])}"
    if lowered.endswith(" city") and f"{name[:-5]} County" in county_names:
        return f"county:{ocd_slug(name[:-5])}_city"
    if lowered.endswith(" city") and name.endswith(" city"):
        return f"county:{ocd_slug(name[:-5])}"
    return f"county:{ocd_slug(name)}"


@cache
def place_slug(city: str) -> str:
    """USPS writes 'Saint Paul'; the Census and OCD write 'St. Paul' (st_paul)."""
    text = re.sub(r"\bSainte\b", "Ste.", city)
    text = re.sub(r"\bSaint\b", "St.", text)
    return ocd_slug(text)


def build(
    states: Collection[str] | None = None,
) -> tuple[list[DivisionRow], list[LinkRow], dict[str, int]]:
    """The default's divisions and links, and counts of ZIPs left out and why.

    Every state is built; `states` limits counties, places and ZIPs to some.
    """
    divisions = [DivisionRow(COUNTRY, "United States")]
    counties: dict[str, dict[str, str]] = {}
    for abbr, state in sorted(STATES.items()):
        aliases = [ALIASES[abbr]] if abbr in ALIASES else []
        divisions.append(
            DivisionRow(state_id(abbr), state.name, aliases=aliases, codes={"fips": state.fips})
        )
        if states is not None and abbr not in states:
            continue
        names = {county.name for county in state.counties}
        counties[abbr] = {}
        for county in state.counties:
            if county.name == state.name:
                continue  # DC and Guam are their own county
            ocd_id = f"{state_id(abbr)}/{county_segment(county.name, abbr, names)}"
            counties[abbr][county_key(county.name)] = ocd_id
            divisions.append(DivisionRow(ocd_id, county.name, codes={"fips": county.fips}))
    links: list[LinkRow] = []
    places: dict[str, str] = {}
    skipped = {"inactive": 0, "outside the states and territories": 0, "county not found": 0}
    if states is None:
        entries = zipcodes.list_all()
    else:
        entries = [entry for abbr in sorted(states) for entry in zipcodes.filter_by(state=abbr)]
    for entry in entries:
        if not entry["active"]:
            skipped["inactive"] += 1
            continue
        abbr = entry["state"]
        if abbr not in STATES:
            # Military post offices (AA, AE, AP) and freely associated states.
            skipped["outside the states and territories"] += 1
            continue
        zip_code = entry["zip_code"]

        def link(ocd_id: str, method: str) -> None:
            links.append(LinkRow("US", zip_code, ocd_id, method, SOURCE))  # noqa: B023

        link(state_id(abbr), PostalCodeDivision.Method.CONCORDANCE)
        county = counties[abbr].get(county_key(entry["county"] or ""))
        if county:
            link(county, PostalCodeDivision.Method.NAME_MATCH)
        elif entry["county"] and entry["county"] != STATES[abbr].name:
            # A few ZIPs name a county across a state line.
            skipped["county not found"] += 1
        city = (entry["city"] or "").strip()
        if city:
            place = f"{state_id(abbr)}/place:{place_slug(city)}"
            places.setdefault(place, city)
            link(place, PostalCodeDivision.Method.NAME_MATCH)
    divisions += [DivisionRow(ocd_id, name) for ocd_id, name in sorted(places.items())]
    return divisions, links, skipped


def load_default_us(
    *, dry_run: bool = False, states: Collection[str] | None = None
) -> ImportReport:
    """Create or update the default US divisions and ZIP links. Safe to run again:
    a second run changes nothing; a newer package version updates what moved.

    `states` (abbreviations) limits counties, places and ZIPs to those states.
    """
    started = time.monotonic()
    if states is not None:
        states = {abbr.upper() for abbr in states}
        unknown = sorted(states - set(STATES))
        if unknown:
            raise ValueError(f"unknown state(s): {', '.join(unknown)}")
    divisions, links, skipped = build(states)

    def write(report: ImportReport) -> None:
        save_divisions(divisions, report, source=SOURCE, overwrite=False)
        save_postal_links(links, report)
        for why, n in skipped.items():
            report.count("ZIP codes skipped", why, n=n)

    report = run_import(
        f"US default (zipcodes {zipcodes.__version__}, us {us_version()})",
        [],
        [],
        write,
        dry_run=dry_run,
    )
    report.rows = len(divisions) + len(links)
    report.seconds = time.monotonic() - started
    return report


def us_version() -> str:
    from importlib.metadata import version

    return version("us")
