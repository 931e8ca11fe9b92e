"""Where a postal code lies, and whom a signer's letter goes to."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from undersigned.memo import Expiring
from undersigned.plainsql import column, table, value

from .models import Division, Official, PostalCodeDivision, SignatureDivision
from .postal import lookup_keys


@dataclass
class Placement:
    """The current divisions a postal code lies in, as far as the data knows."""

    country: str
    postal_code: str
    divisions: list[Division] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.divisions)

    def of_type(self, division_type: str) -> list[Division]:
        return [division for division in self.divisions if division.type == division_type]

    def choices(self, types) -> dict[str, list[Division]]:
        """The needed types this code spans several divisions of: the signer chooses."""
        return {t: self.of_type(t) for t in types if len(self.of_type(t)) > 1}

    def covers(self, types) -> bool:
        return any(self.of_type(t) for t in types)

    def assign(self, chosen: dict[str, Division]) -> list[tuple[Division, str]]:
        """(division, how) for a signature: every type with one division, plus the
        signer's choices. A type with several divisions and no choice is left
        out: a signature is never counted in an area by guesswork."""
        placed = []
        for division in self.divisions:
            candidates = self.of_type(division.type)
            if len(candidates) == 1:
                placed.append((division, SignatureDivision.How.LOOKUP))
            elif chosen.get(division.type) == division:
                placed.append((division, SignatureDivision.How.CHOSEN))
        return placed


# Every signature looks its postal code up; only the importers change the answer
# (they clear this in their own process; others catch up within the setting).
_placements: Expiring[Placement] = Expiring("AREA_LOOKUP_FRESH_SECONDS", max_entries=50_000)


def place(country: str, postal_code: str, *, on: datetime.date | None = None) -> Placement:
    """Look a canonical postal code up, falling back to its prefixes (a UK
    district, a Canadian FSA) when the full code is not in the data.

    The placement is shared with other requests of this process: read it only.
    """
    country = country.upper()
    if not postal_code:
        return Placement(country, postal_code)
    day = on or timezone.localdate()
    return _placements.get((country, postal_code, day), lambda: _look_up(country, postal_code, day))


def _look_up(country: str, postal_code: str, day: datetime.date) -> Placement:
    keys = lookup_keys(postal_code, country)
    return _placement(country, postal_code, keys, _linked(country, keys, day))


def place_many(pairs: Iterable[tuple[str, str]], *, on: datetime.date | None = None) -> None:
    """Look many (country, code) pairs up at once, for place() to answer from
    memory: one query per country and 500 codes, not one per code."""
    day = on or timezone.localdate()
    by_country: dict[str, set[str]] = {}
    for country, code in pairs:
        if code:
            by_country.setdefault(country.upper(), set()).add(code)
    for country, codes in by_country.items():
        ordered = sorted(codes)
        for start in range(0, len(ordered), 500):
            chunk = {code: lookup_keys(code, country) for code in ordered[start : start + 500]}
            found = _linked(country, sorted({k for keys in chunk.values() for k in keys}), day)
            for code, keys in chunk.items():
                placement = _placement(country, code, keys, found)
                _placements.get((country, code, day), lambda p=placement: p)


def _linked(country: str, keys: list[str], day: datetime.date) -> list[Division]:
    """The current divisions linked to any of these keys, each with `looked_up_code`."""
    # One plain join, validity and order settled in Python: this runs once per
    # new postal code in a surge, and the ORM's query building cost more than
    # the query itself.
    quote = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(keys))
    found = Division.objects.raw(
        # Only table names and placeholders are formatted in.
        f"SELECT d.*, l.postal_code AS looked_up_code"  # noqa: S608
        f" FROM {quote(PostalCodeDivision._meta.db_table)} l"
        f" JOIN {quote(Division._meta.db_table)} d ON d.id = l.division_id"
        f" WHERE l.country = %s AND l.postal_code IN ({marks})",
        [country, *keys],
    )
    return sorted(
        (division for division in found if division.is_current(day)),
        key=lambda division: (division.type, division.name, division.ocd_id),
    )


def _placement(country: str, postal_code: str, keys: list[str], current: list[Division]):
    placement = Placement(country, postal_code)
    for key in keys:
        matches = [division for division in current if division.looked_up_code == key]
        if matches:
            placement.divisions = list({d.pk: d for d in matches}.values())
            break
    return placement


def needed_types(campaign) -> list[str]:
    """The division types a campaign's target rules address, in rule order."""
    if campaign.pk is None:
        return []
    # Through the relation: campaigns from campaigns/cache.py have it prefetched.
    return list(dict.fromkeys(rule.division_type for rule in campaign.target_rules.all()))


def officials_for(campaign, divisions, *, on: datetime.date | None = None) -> list[Official]:
    """The current officials a campaign's rules address in these divisions."""
    query = Q()
    rank: dict[tuple[str, str], tuple[int, int]] = {}
    # Through the relation: campaigns from campaigns/cache.py have it prefetched.
    for index, rule in enumerate(campaign.target_rules.all()):
        ids = [division.pk for division in divisions if division.type == rule.division_type]
        if not ids:
            continue
        part = Q(division_id__in=ids)
        if rule.role_list:
            part &= Q(role__in=rule.role_list)
        query |= part
        for position, role in enumerate(rule.role_list or [""]):
            rank.setdefault((rule.division_type, role), (index, position))
    if not query:
        return []
    officials = (
        Official.objects.current(on)
        .filter(query)
        .select_related("division")
        .prefetch_related("contacts")
        .order_by("division__name", "name")
    )

    # In the order the campaign's rules name them: 'mayor, council' puts the mayor first.
    def order(official: Official) -> tuple[int, int]:
        key = (official.division.type, official.role)
        return rank.get(key) or rank.get((official.division.type, ""), (len(rank), 0))

    return sorted(officials, key=order)


# Where the campaign's rules reach someone: asked on every sign, for the
# "check your e-mail" page's notice of what waits. One query per campaign (and
# day) per process, whatever areas its signers come from: the ids of the
# divisions of the rules' types with a current official in a role the rules
# name. Only imports, staff edits of officials and campaign edits change the
# answer, and each forgets it in its own process; other processes catch up
# within the setting (the notice only: letters read officials afresh).
_reached: Expiring[frozenset[int]] = Expiring("AREA_LOOKUP_FRESH_SECONDS", max_entries=1_000)


def reached_divisions(campaign, divisions, *, on: datetime.date | None = None) -> frozenset[int]:
    """The ids of those of `divisions` where the campaign's rules find a current official."""
    day = on or timezone.localdate()
    reached = _reached.get((campaign.pk, day), lambda: _divisions_reached(campaign, day))
    return reached.intersection(division.pk for division in divisions)


def _divisions_reached(campaign, day: datetime.date) -> frozenset[int]:
    """Every division the campaign's rules find a current official in (officials_for's rule)."""
    query = Q()
    # Through the relation: campaigns from campaigns/cache.py have it prefetched.
    for rule in campaign.target_rules.all():
        part = Q(division__type=rule.division_type)
        if rule.role_list:
            part &= Q(role__in=rule.role_list)
        query |= part
    if not query:
        return frozenset()
    found = Official.objects.current(day).filter(query).values_list("division_id", flat=True)
    return frozenset(found.distinct())


@dataclass(frozen=True)
class Recipient:
    """One addressee of a signer's letter, as shown to the signer."""

    name: str
    office: str = ""
    division: str = ""  # OCD id, for addressees by area
    division_name: str = ""

    def __str__(self) -> str:
        parts = [self.name, self.office]
        return ", ".join(part for part in parts if part)


def fixed_recipients(campaign) -> list[Recipient]:
    recipients = []
    for target in campaign.targets.select_related("official"):
        official = getattr(target, "official", None)
        if official is not None and not target.name:
            recipients.append(Recipient(official.name, official.office))
        else:
            title = ", ".join(part for part in (target.title, target.organisation) if part)
            recipients.append(Recipient(target.name, title))
    return recipients


def recipients_for(campaign, divisions) -> list[Recipient]:
    """Whom a signer placed in these divisions writes to: the fixed targets, then
    the officials the campaign's rules find in the signer's areas."""
    by_area = [
        Recipient(o.name, o.office, o.division.ocd_id, o.division.name)
        for o in officials_for(campaign, divisions)
    ]
    return fixed_recipients(campaign) + by_area


def letter_recipients(signature) -> list[Recipient]:
    """Whom this signature's letter goes to, from the areas it was placed in."""
    return recipients_for(signature.campaign, signature_divisions(signature))


def signature_divisions(signature) -> list[Division]:
    """The areas a signature was placed in, by type and name."""
    return sorted(placed_divisions(signature.pk), key=lambda d: (d.type, d.name))


def placed_divisions(signature_id) -> list[Division]:
    """The areas a signature was placed in, in one statement that looks each
    up by its key whatever the planner's statistics say.

    As a join (or `id IN (subquery)`), PostgreSQL read every division into a
    hash for each call whenever its statistics of the placement table had
    been taken early in a surge and promised dozens of areas per signature:
    3,051 rows per confirmation e-mail and per confirm in the benchmark
    (docs/performance.md). `= ANY(ARRAY(...))` makes the signature's few
    division ids a value first, then looks them up by primary key. SQLite
    plans the plain `IN` that way already.
    """
    placed, division = table(SignatureDivision), table(Division)
    ids = (
        f"SELECT l.{column(SignatureDivision, 'division')} FROM {placed} l"  # noqa: S608
        f" WHERE l.{column(SignatureDivision, 'signature')} = %s"
    )
    match = f"= ANY(ARRAY({ids}))" if connection.vendor == "postgresql" else f"IN ({ids})"
    sql = f"SELECT d.* FROM {division} d WHERE d.{column(Division, 'id')} {match}"  # noqa: S608
    return list(Division.objects.raw(sql, [value(SignatureDivision, "signature", signature_id)]))
