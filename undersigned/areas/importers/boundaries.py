"""District boundaries -> postal-code links, offline.

    undersigned areas import boundaries tl_2024_25_sldl.zip
    undersigned areas import boundaries districts.geojson --postal-areas zctas.zip

A boundary file (GeoJSON, or a zipped shapefile) holds one area per
division. Each feature names its division by an `ocd_id` property or, in the
Census Bureau's files, by its attributes (see census.py): a division whose
codes hold the feature's census GEOID first, then the OCD id its number or
name gives. Divisions must exist already (import the OCD divisions first):
a feature that matches none is an error, and so is anything else wrong with
the file; then nothing is imported and every problem is listed.

Postal codes are linked to the divisions whose areas hold them: by default
each ZIP code's centre, from the table that ships with the code (method
`centroid`, no weight); given a file of postal-code areas, by share of area
(method `area_share`, weight = the share; see shapes.py).

The file is the whole truth for the links of its kind of division in its
parent areas, from this source: importing Massachusetts' house districts
again replaces the links the last import of them made (a ZIP that moved
district loses its old link) and leaves California's, the senate districts'
and every other source's links alone.

The report counts links created, updated, removed; postal codes newly
linked, moved, unlinked and, among the codes the parent areas hold (all
codes, for a top-level file), those outside every boundary. The codes whose
links changed are in `report.postal_codes_changed`: after a real (not dry)
run returns, they are committed, and signatures that waited for an area can
be placed from them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.db.models import Q
from django.utils import timezone

from ..actions import LINK_COLUMNS, chunks, resolve_divisions, run_import, upsert_rows
from ..models import Division, PostalCodeDivision, country_of
from ..postal import InvalidPostalCode, normalise_postal_key
from ..shapes import (
    Feature,
    points_in,
    postal_points,
    read_shapes,
    shares_in,
)
from .base import ImportFailed, ImportReport, RowError, check_ocd_id
from .census import OCD_TYPES, CensusArea, attributes, census_area

SOURCE = "boundaries"
OCD_FIELDS = {"ocd_id", "ocdid", "division_id"}
# Attribute names of a postal-code area's code (as census.attributes() gives them).
POSTAL_FIELDS = ("POSTAL_CODE", "POSTCODE", "ZIP", "ZIP_CODE", "ZCTA5CE")
CENSUS_CODES = ("census_geoid", "fips", "geoid")


@dataclass(frozen=True, order=True)
class FeatureError(RowError):
    """A problem with one feature of a boundary file (line = its number, 0 for the file)."""

    def __str__(self) -> str:
        where = ", ".join(
            part for part in (self.file, self.line and f"feature {self.line}") if part
        )
        return f"{where}: {self.message}" if where else self.message


class BoundariesFailed(ImportFailed):
    def __init__(self, errors: Iterable[RowError]):
        super().__init__(errors)
        n = len({(error.file, error.line) for error in self.errors})
        self.args = (f"{n} problem{'s' if n != 1 else ''}; nothing was imported",)


@dataclass
class Boundary:
    feature: Feature
    division: int  # pk
    how: str  # what matched it, for the report


@dataclass(frozen=True)
class Found:
    """A matched division, as the import needs it."""

    ocd_id: str
    type: str
    parent: int | None
    current: bool


def import_boundaries(
    data,
    *,
    source: str = SOURCE,
    dry_run: bool = False,
    file: str = "",
    postal_areas=None,
    postal_areas_file: str = "",
) -> ImportReport:
    """Link postal codes to the divisions of a boundary file, all or nothing.

    `postal_areas`, when given, is a second file (GeoJSON or zipped
    shapefile) of postal-code areas, each with a `postal_code` (or Census
    `ZCTA5CE20`) and optionally a `country` property; without it the
    shipped postal-code points are used.
    """
    started = time.monotonic()
    errors: list[RowError] = []
    shapes = read_shapes(data)
    errors += [FeatureError(file, p.feature, p.message) for p in shapes.problems]
    boundaries, no_district = _match(shapes.features, errors, file)
    found = _divisions({b.division for b in boundaries})
    countries = sorted({country_of(division.ocd_id) for division in found.values()})
    areas = None
    if postal_areas is not None:
        postal_areas_file = postal_areas_file or _name_of(postal_areas)
        areas = _postal_areas(postal_areas, countries, errors, postal_areas_file)
    if errors:
        raise BoundariesFailed(errors)
    postal = _link(boundaries, found, areas, errors, file)
    if errors:
        raise BoundariesFailed(errors)
    method = (
        PostalCodeDivision.Method.CENTROID
        if areas is None
        else PostalCodeDivision.Method.AREA_SHARE
    )

    def write(report: ImportReport) -> None:
        _count_boundaries(report, boundaries, found, no_district)
        scope = _scope(found.values())
        report.postal_codes_changed = save_boundary_links(
            postal.links, scope, method=method, source=source, report=report
        )
        expected = _expected({d.parent for d in found.values()}) or postal.known | postal.unplaced
        for country, code in sorted((expected & postal.known) - set(postal.links)):
            report.count("postal codes", "outside every boundary", f"{country} {code}")
        for country, code in sorted(expected - postal.known):
            report.count("postal codes", "without a known position", f"{country} {code}")

    what = "Boundaries, by " + ("postal-code centre" if areas is None else "share of postal area")
    report = run_import(what, [], [], write, dry_run=dry_run)
    report.rows = len(shapes.features)
    report.seconds = time.monotonic() - started
    return report


@dataclass
class Postal:
    """Where the postal codes fall: (country, code) -> division pk -> weight,
    the codes with a position, and those known to have none."""

    links: dict[tuple[str, str], dict[int, float | None]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    known: set[tuple[str, str]] = field(default_factory=set)
    unplaced: set[tuple[str, str]] = field(default_factory=set)


def _link(
    boundaries: list[Boundary],
    found: dict[int, Found],
    areas: dict[str, dict[str, shapely.Geometry]] | None,
    errors: list[RowError],
    file: str,
) -> Postal:
    """Each country's postal codes against its boundaries: areas by share when
    given, else the shipped points."""
    postal = Postal()
    for country in sorted({country_of(division.ocd_id) for division in found.values()}):
        mine = [b for b in boundaries if country_of(found[b.division].ocd_id) == country]
        shapes_of = [b.feature.geometry for b in mine]
        if areas is not None:
            polygons = areas.get(country, {})
            postal.known |= {(country, code) for code in polygons}
            for code, index, share in shares_in(shapes_of, polygons):
                postal.links[(country, code)][mine[index].division] = share
            continue
        points = postal_points(country)
        if points is None:
            message = (
                f"no postal-code points ship for {country}: give the postal-code areas "
                "as well (--postal-areas, or the admin's second file)"
            )
            errors.append(FeatureError(file, 0, message))
            continue
        postal.known |= {(country, code) for code in points.centres}
        postal.unplaced |= {(country, code) for code in points.unplaced}
        for code, index in points_in(shapes_of, points.centres):
            postal.links[(country, code)][mine[index].division] = None
    return postal


def _count_boundaries(
    report: ImportReport, boundaries: list[Boundary], found: dict[int, Found], no_district: int
) -> None:
    for boundary in boundaries:
        division, number = found[boundary.division], boundary.feature.number
        report.count(
            "boundaries", f"matched by {boundary.how}", f"feature {number} → {division.ocd_id}"
        )
        if not division.current:
            report.count("boundaries", "matched to an ended division", division.ocd_id)
        if boundary.feature.repaired:
            report.count("boundaries", "repaired", f"feature {number}")
    if no_district:
        report.count("boundaries", "with no district (ZZZ), skipped", n=no_district)


def _name_of(data) -> str:
    if isinstance(data, str | Path):
        return Path(data).name
    return getattr(data, "name", "") or ""


def _match(
    features: list[Feature], errors: list[RowError], file: str
) -> tuple[list[Boundary], int]:
    """Each usable feature's division, and how many features hold no district.

    Census GEOIDs are looked up in the divisions' codes first, as the OCD
    ids' own `census_geoid` column records them; then the OCD ids a
    feature's number or name gives, current divisions before ended ones.
    """
    wanted: list[tuple[Feature, str | CensusArea]] = []
    no_district = 0
    for feature in features:
        if feature.geometry is None:
            continue  # already reported
        explicit = next(
            (
                str(value).strip()
                for key, value in feature.properties.items()
                if str(key).lower() in OCD_FIELDS and value
            ),
            "",
        )
        if explicit:
            problem = check_ocd_id(explicit)
            if problem:
                errors.append(FeatureError(file, feature.number, problem))
                continue
            wanted.append((feature, explicit))
            continue
        area = census_area(feature.properties)
        if area is None:
            errors.append(
                FeatureError(
                    file,
                    feature.number,
                    "it names no division: give it an ocd_id property, or use a Census "
                    "file (STATEFP with SLDUST, SLDLST, CD119FP, COUNTYFP or PLACEFP)",
                )
            )
        elif isinstance(area, str):
            errors.append(FeatureError(file, feature.number, area))
        elif area.no_district:
            no_district += 1
        else:
            wanted.append((feature, area))
    ids = set()
    for _, what in wanted:
        ids |= {what} if isinstance(what, str) else set(what.candidates)
    pks = resolve_divisions(ids)
    census = [what for _, what in wanted if isinstance(what, CensusArea)]
    by_geoid = _census_geoids({area.kind for area in census})
    current = _current({*pks.values(), *(pk for found in by_geoid.values() for pk in found)})
    boundaries = []
    for feature, what in wanted:
        if isinstance(what, str):
            if what in pks:
                boundaries.append(Boundary(feature, pks[what], "OCD id"))
            else:
                errors.append(FeatureError(file, feature.number, f"unknown division {what!r}"))
            continue
        matches = _prefer_current(by_geoid.get((what.kind, what.geoid), set()), current)
        if len(matches) > 1:
            errors.append(
                FeatureError(
                    file,
                    feature.number,
                    f"{what.label}: census GEOID {what.geoid} is the code of several current "
                    "divisions; give the feature an ocd_id property",
                )
            )
            continue
        if matches:
            boundaries.append(Boundary(feature, matches[0], "census GEOID"))
            continue
        named = _prefer_current([pks[id] for id in what.candidates if id in pks], current)
        if named:
            boundaries.append(Boundary(feature, named[0], "number or name"))
            continue
        tried = " or ".join(what.candidates)
        errors.append(
            FeatureError(
                file,
                feature.number,
                f"{what.label}: no {what.kind} division has census GEOID {what.geoid}"
                + (f" or is {tried}" if tried else "")
                + "; import the OCD divisions first, or give the feature an ocd_id property",
            )
        )
    return boundaries, no_district


def _census_geoids(kinds: set[str]) -> dict[tuple[str, str], set[int]]:
    """(census kind, GEOID) -> the divisions whose codes hold it. The OCD ids
    write them with the kind in front ('cd-2507', 'place-2562535'); the
    default US data writes FIPS codes, which are the same numbers."""
    types = {ocd_type: kind for kind in kinds for ocd_type in OCD_TYPES[kind]}
    index: dict[tuple[str, str], set[int]] = defaultdict(set)
    if not types:
        return index
    rows = Division.objects.filter(country="US", type__in=types).values_list("id", "type", "codes")
    for pk, ocd_type, codes in rows:
        for key, value in (codes or {}).items():
            if str(key).lower().startswith(CENSUS_CODES) and value:
                geoid = str(value).rsplit("-", 1)[-1]
                index[(types[ocd_type], geoid)].add(pk)
    return index


def _current(pks: set[int]) -> set[int]:
    today = timezone.localdate()
    current = set()
    for chunk in chunks(sorted(pks)):
        current |= set(
            Division.objects.current(today).filter(id__in=chunk).values_list("id", flat=True)
        )
    return current


def _prefer_current(pks: Iterable[int], current: set[int]) -> list[int]:
    """The current ones if any, else all; in the order given."""
    pks = list(dict.fromkeys(pks))
    return [pk for pk in pks if pk in current] or pks


def _divisions(pks: set[int]) -> dict[int, Found]:
    today = timezone.localdate()
    found = {}
    for chunk in chunks(sorted(pks)):
        for division in Division.objects.filter(id__in=chunk):
            found[division.pk] = Found(
                division.ocd_id, division.type, division.parent_id, division.is_current(today)
            )
    return found


def _scope(found: Iterable[Found]) -> dict[int, str]:
    """Every division of the same type under the same parent as one of the
    file's (ended ones included, so their links go too): pk -> OCD id."""
    pairs = {(division.type, division.parent) for division in found}
    if not pairs:
        return {}
    condition = Q()
    for division_type, parent in pairs:
        condition |= Q(type=division_type, parent_id=parent)
    return dict(Division.objects.filter(condition).values_list("id", "ocd_id"))


def _expected(parents: set[int | None]) -> set[tuple[str, str]]:
    """The postal codes the parent areas are linked to: the codes the file's
    divisions ought to hold between them."""
    parents.discard(None)
    codes: set[tuple[str, str]] = set()
    for chunk in chunks(sorted(parents)):
        codes |= set(
            PostalCodeDivision.objects.filter(division_id__in=chunk).values_list(
                "country", "postal_code"
            )
        )
    return codes


def _postal_areas(
    data, countries: list[str], errors: list[RowError], file: str
) -> dict[str, dict[str, shapely.Geometry]]:
    """country -> postal code -> its area; a code in several features is their union."""
    shapes = read_shapes(data)
    errors += [FeatureError(file, p.feature, p.message) for p in shapes.problems]
    parts: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for feature in shapes.features:
        if feature.geometry is None:
            continue
        fields = attributes(feature.properties)
        value = next((fields[key] for key in POSTAL_FIELDS if fields.get(key)), "")
        country = fields.get("COUNTRY", "").upper() or (countries[0] if len(countries) == 1 else "")
        if not value:
            message = "it has no postal code (a postal_code or ZCTA5CE20 property)"
            errors.append(FeatureError(file, feature.number, message))
            continue
        if not country:
            message = "it has no country property, and the boundaries are of several countries"
            errors.append(FeatureError(file, feature.number, message))
            continue
        try:
            code = normalise_postal_key(value, country)
        except InvalidPostalCode as error:
            errors.append(FeatureError(file, feature.number, f"postal code {value!r}: {error}"))
            continue
        parts[country][code].append(feature.geometry)
    return {
        country: {code: _union(pieces) for code, pieces in codes.items()}
        for country, codes in parts.items()
    }


def _union(pieces: list) -> shapely.Geometry:
    return pieces[0] if len(pieces) == 1 else shapely.union_all(pieces)


def save_boundary_links(
    links: dict[tuple[str, str], dict[int, float | None]],
    scope: dict[int, str],
    *,
    method: str,
    source: str,
    report: ImportReport,
) -> set[tuple[str, str]]:
    """Make `links` the links of this source to the divisions in `scope`.

    Creates and updates the links given, removes this source's other links
    to those divisions, leaves every other link alone. Returns the (country,
    postal code) pairs whose divisions in scope changed: where signatures
    that waited for an area can now be placed.
    """
    existing: dict[tuple[str, str, int], tuple] = {}
    for chunk in chunks(sorted(scope)):
        for (
            pk,
            country,
            code,
            division,
            weight,
            old_method,
            old_source,
        ) in PostalCodeDivision.objects.filter(division_id__in=chunk).values_list(
            "id", "country", "postal_code", "division_id", "weight", "method", "source"
        ):
            existing[(country, code, division)] = (pk, weight, old_method, old_source)
    wanted = {
        (country, code, division): weight
        for (country, code), divisions in sorted(links.items())
        for division, weight in divisions.items()
    }
    writes = []
    for key, weight in wanted.items():
        old = existing.get(key)
        label = f"{key[0]} {key[1]} → {scope[key[2]]}"
        if old is None:
            report.count("postal links", "created", label)
        elif old[1:] != (weight, method, source):
            report.count("postal links", "updated", label)
        else:
            report.count("postal links", "unchanged")
            continue
        writes.append((*key, weight, method, source))
    stale = {key: old[0] for key, old in existing.items() if old[3] == source and key not in wanted}
    upsert_rows(PostalCodeDivision, LINK_COLUMNS, writes, LINK_COLUMNS[:3], LINK_COLUMNS[3:])
    for chunk in chunks(sorted(stale.values())):
        PostalCodeDivision.objects.filter(id__in=chunk).delete()
    for key in sorted(stale):
        report.count("postal links", "removed", f"{key[0]} {key[1]} → {scope[key[2]]}")

    before: dict[tuple[str, str], set[int]] = defaultdict(set)
    after: dict[tuple[str, str], set[int]] = defaultdict(set)
    for country, code, division in existing:
        before[(country, code)].add(division)
        if (country, code, division) not in stale:
            after[(country, code)].add(division)
    for country, code, division in wanted:
        after[(country, code)].add(division)
    changed = set()
    for postal in sorted(before.keys() | after.keys()):
        was_in, now_in = before[postal], after[postal]
        if was_in == now_in:
            report.count("postal codes", "unchanged")
            continue
        changed.add(postal)
        names = ", ".join(sorted(_short(scope[pk]) for pk in now_in))
        was = ", ".join(sorted(_short(scope[pk]) for pk in was_in))
        if not was_in:
            report.count("postal codes", "linked", f"{postal[0]} {postal[1]} → {names}")
        elif not now_in:
            report.count("postal codes", "unlinked", f"{postal[0]} {postal[1]}: was {was}")
        else:
            report.count("postal codes", "moved", f"{postal[0]} {postal[1]}: {was} → {names}")
    return changed


def _short(ocd_id: str) -> str:
    """'ocd-division/country:us/state:ma/sldl:1st_middlesex' -> 'state:ma/sldl:1st_middlesex'."""
    return ocd_id.split("/", 2)[-1]
