"""How far a campaign's targeting rule reaches with the data we hold.

A signer's letter reaches an area's officials when three things hold: the
signer's postal code is linked to an area of the rule's type, that area is
current, and it has a current official (of the rule's roles) with a contact
a letter can go to (an e-mail or a postal address). These functions count
each, per division type (the builder's picker) and per first-level region
(the launch checklist), in a few aggregate queries whatever the number of
areas. Anything that must know whether a signer's area is covered (the
launch check, and later the sign form's "we will deliver when we can") reads
these same numbers.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import ContactPoint, Division, Official, PostalCodeDivision, type_label

# Plural names for the picker, as an organiser reads them.
TYPE_PLURALS = {
    "country": _("Countries"),
    "state": _("States"),
    "province": _("Provinces"),
    "territory": _("Territories"),
    "county": _("Counties"),
    "parish": _("Parishes"),
    "borough": _("Boroughs"),
    "place": _("Cities and towns"),
    "cd": _("Congressional districts"),
    "sldu": _("State senate districts"),
    "sldl": _("State house districts"),
    "ward": _("Wards"),
    "ed": _("Electoral districts"),
    "council_district": _("Council districts"),
}
# The order the picker lists types in: from the largest areas down.
TYPE_ORDER = [
    "country", "state", "province", "territory", "cd", "sldu", "sldl", "county", "parish",
    "borough", "place", "council_district", "ward", "ed",
]  # fmt: skip


def type_plural(division_type: str) -> str:
    return str(TYPE_PLURALS.get(division_type) or type_label(division_type).capitalize() + "s")


def type_sort_key(division_type: str) -> tuple[int, str]:
    order = TYPE_ORDER.index(division_type) if division_type in TYPE_ORDER else len(TYPE_ORDER)
    return order, division_type


def deliverable_officials(
    roles: Sequence[str] = (), *, on: datetime.date | None = None
) -> QuerySet[Official]:
    """Current officials (of these roles; every role when empty) a letter can reach."""
    officials = Official.objects.current(on).filter(
        Exists(
            ContactPoint.objects.filter(
                official=OuterRef("pk"), kind__in=ContactPoint.DELIVERABLE
            ).exclude(value="")
        )
    )
    return officials.filter(role__in=roles) if roles else officials


def _annotated(
    divisions: QuerySet[Division],
    roles: Sequence[str],
    on: datetime.date | None,
    *,
    select: bool = False,
) -> QuerySet[Division]:
    """With `linked` and `reachable` (as aliases, or selected with `select`)."""
    tests = {
        "linked": Exists(PostalCodeDivision.objects.filter(division=OuterRef("pk"))),
        "reachable": Exists(deliverable_officials(roles, on=on).filter(division=OuterRef("pk"))),
    }
    return divisions.annotate(**tests) if select else divisions.alias(**tests)


# The four counts, each a filter on the annotated divisions.
FILTERS = {
    "areas": Q(),
    "linked": Q(linked=True),
    "reachable": Q(reachable=True),
    "covered": Q(linked=True, reachable=True),
}


@dataclass(frozen=True)
class Coverage:
    """Counts of areas: all current ones, those with postal-code links, those
    with a deliverable official, and those with both (covered)."""

    areas: int = 0
    linked: int = 0
    reachable: int = 0
    covered: int = 0

    @property
    def complete(self) -> bool:
        return self.areas > 0 and self.covered == self.areas

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.areas + other.areas,
            self.linked + other.linked,
            self.reachable + other.reachable,
            self.covered + other.covered,
        )


@dataclass(frozen=True)
class TypeCoverage(Coverage):
    division_type: str = ""

    @property
    def label(self) -> str:
        """'State house districts (sldl)': the words, and the code people know."""
        return f"{type_plural(self.division_type)} ({self.division_type})"


def coverage_by_type(country: str, *, on: datetime.date | None = None) -> list[TypeCoverage]:
    """Every division type in a country's data, with its coverage (four
    grouped counts, whatever the number of areas)."""
    divisions = _annotated(Division.objects.current(on).filter(country=country.upper()), (), on)
    counts: dict[str, dict[str, int]] = {}
    for name, condition in FILTERS.items():
        rows = divisions.filter(condition).values("type").annotate(n=Count("pk")).order_by()
        for row in rows:
            counts.setdefault(row["type"], dict.fromkeys(FILTERS, 0))[name] = row["n"]
    found = [TypeCoverage(division_type=kind, **numbers) for kind, numbers in counts.items()]
    return sorted(found, key=lambda c: type_sort_key(c.division_type))


def roles_by_type(
    country: str, *, on: datetime.date | None = None
) -> dict[str, list[tuple[str, int]]]:
    """division type -> [(role, current officials in it)], most common first."""
    rows = (
        Official.objects.current(on)
        .filter(division__country=country.upper())
        .values("division__type", "role")
        .annotate(n=Count("pk"))
        .order_by("division__type", "-n", "role")
    )
    found: dict[str, list[tuple[str, int]]] = {}
    for row in rows:
        found.setdefault(row["division__type"], []).append((row["role"], row["n"]))
    return found


def region_of(ocd_id: str) -> str:
    """The first-level area an OCD id lies in: '…/state:ma/sldl:x' -> '…/state:ma'."""
    parts = ocd_id.split("/")
    return "/".join(parts[:3]) if len(parts) > 3 else ocd_id


@dataclass(frozen=True)
class RegionCoverage(Coverage):
    region: str = ""
    name: str = ""


@dataclass(frozen=True)
class RuleCoverage:
    """How far "the officials (roles) of each signer's area of this type" reaches."""

    country: str
    division_type: str
    roles: tuple[str, ...]
    regions: list[RegionCoverage] = field(default_factory=list)
    postal_codes: int = 0  # postal codes in the data for the country
    postal_codes_reached: int = 0  # those linked to a covered area
    # First-level regions (US states) with no area of this type at all.
    regions_without: list[str] = field(default_factory=list)

    @property
    def total(self) -> Coverage:
        return sum(self.regions, Coverage())

    @property
    def reaches_anyone(self) -> bool:
        return self.postal_codes_reached > 0

    @property
    def complete(self) -> bool:
        return (
            self.total.complete
            and not self.regions_without
            and self.postal_codes_reached == self.postal_codes
        )

    @property
    def label(self) -> str:
        return f"{type_plural(self.division_type)} ({self.division_type})"

    def gaps(self) -> list[RegionCoverage]:
        """Regions with an area a letter cannot reach yet."""
        return [region for region in self.regions if not region.complete]


def rule_coverage(
    country: str,
    division_type: str,
    roles: Iterable[str] = (),
    *,
    on: datetime.date | None = None,
) -> RuleCoverage:
    """Coverage of one targeting rule, by first-level region (a US state)."""
    country = country.upper()
    roles = tuple(roles)
    divisions = Division.objects.current(on).filter(country=country, type=division_type)
    # `linked` and `reachable` are _annotated()'s: django-stubs cannot see them.
    rows = _annotated(divisions, roles, on, select=True).values_list(  # type: ignore[misc]
        "ocd_id", "linked", "reachable"
    )
    by_region: dict[str, Coverage] = {}
    for ocd_id, linked, reachable in rows:
        region = region_of(ocd_id)
        one = Coverage(1, int(linked), int(reachable), int(linked and reachable))
        by_region[region] = by_region.get(region, Coverage()) + one
    names = dict(Division.objects.filter(ocd_id__in=by_region).values_list("ocd_id", "name"))
    regions = sorted(
        (
            RegionCoverage(**vars(counts), region=region, name=names.get(region, region))
            for region, counts in by_region.items()
        ),
        key=lambda r: r.name,
    )
    covered = _annotated(divisions, roles, on).filter(FILTERS["covered"])
    links = PostalCodeDivision.objects.filter(country=country)
    first_level = Division.objects.current(on).filter(
        country=country, ocd_id__regex=r"^ocd-division/country:[^/]+/[^/]+$"
    )
    without = []
    if division_type not in set(first_level.values_list("type", flat=True)):
        without = sorted(
            name
            for ocd_id, name in first_level.values_list("ocd_id", "name")
            if ocd_id not in by_region
        )
    return RuleCoverage(
        country=country,
        division_type=division_type,
        roles=roles,
        regions=regions,
        postal_codes=links.values("postal_code").distinct().count(),
        postal_codes_reached=links.filter(division__in=covered)
        .values("postal_code")
        .distinct()
        .count(),
        regions_without=without,
    )
