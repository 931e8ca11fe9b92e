"""A publication's area numbers, as each process keeps them.

A publication never changes once made: the next one has another `as_of`.
So what the area pages read from it (every published area's count and the
largest areas inside each area) is read once per process and publication,
in one query, and kept, keyed by the campaign, `as_of` and the threshold.
`publish()` empties the cache of the process that publishes (in tests, a
rolled-back publication's key may come back with other numbers).

The names of listed signers shown with a publication ("Jane D.", and their
city) are kept the same way, once read: which of them a page shows is still
asked of the database at every view, so that a signer who withdraws, is
quarantined, unlists or erases their data disappears at once. What is kept
is only what a public page shows, and only until the next publication.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from undersigned.areas.models import public_name
from undersigned.memo import FOREVER, Expiring

from .models import PublishedTally

# Campaigns whose numbers a process keeps at once; about 1 MB each at
# 3,000 published areas.
CAMPAIGNS_KEPT = 32
# Areas listed inside an area (its page's "areas with the most signers").
WITHIN_KEPT = 10
# Names kept per publication (about 200 bytes each); beyond, start over.
NAMES_KEPT = 20_000


@dataclass(frozen=True)
class PublishedArea:
    division_id: int
    ocd_id: str
    name: str  # the public name (areas.models.public_name)
    confirmed: int
    milestones: int
    named: bool = True

    @property
    def public_name(self) -> str:
        """As a Division's: templates show either."""
        return self.name


@dataclass(frozen=True)
class PublishedAreas:
    """Every published area of one publication, by division, and for each
    area the largest areas inside it (by count, then name)."""

    by_division: dict[int, PublishedArea]
    largest_within: dict[str, tuple[PublishedArea, ...]]

    def get(self, division_id: int) -> PublishedArea | None:
        return self.by_division.get(division_id)

    def within(self, ocd_id: str) -> tuple[PublishedArea, ...]:
        return self.largest_within.get(ocd_id, ())


# Keyed by the publication (campaign, `as_of`, threshold): a new publication
# is a new key, so nothing here needs to expire; forget() drops it all.
_areas: Expiring[PublishedAreas] = Expiring(FOREVER, max_entries=CAMPAIGNS_KEPT)
_names: Expiring[dict] = Expiring(FOREVER, max_entries=CAMPAIGNS_KEPT)
kept_per_publication: list[Expiring] = [_areas, _names]


def published_areas(publication) -> PublishedAreas:
    key = (publication.campaign_id, publication.as_of, publication.threshold)
    return _areas.get(key, lambda: _load(*key))


def names_of(campaign_id: int, as_of: datetime.datetime) -> dict:
    """Signature id -> (display name, city) of listed signers already read for
    this publication. Shared by the threads of the process: add, never edit."""
    return _names.get((campaign_id, as_of), dict)


def forget() -> None:
    for cache in kept_per_publication:
        cache.clear()


def _load(campaign_id: int, as_of: datetime.datetime, threshold: int) -> PublishedAreas:
    rows = (
        PublishedTally.objects.filter(campaign_id=campaign_id)
        .annotate(shown_name=public_name("division__"))
        .order_by("-confirmed", "shown_name", "division_id")
        .values_list(
            "division_id", "division__ocd_id", "shown_name", "confirmed", "milestones", "named"
        )
    )
    by_division: dict[int, PublishedArea] = {}
    within: dict[str, list[PublishedArea]] = {}
    for row in rows.iterator(chunk_size=2000):
        area = PublishedArea(*row)
        by_division[area.division_id] = area
        # 'ocd-division/country:us/state:ma/place:x' is inside
        # '…/country:us' and '…/country:us/state:ma'.
        parts = area.ocd_id.split("/")
        for depth in range(2, len(parts)):
            largest = within.setdefault("/".join(parts[:depth]), [])
            if len(largest) < WITHIN_KEPT:
                largest.append(area)
    return PublishedAreas(by_division, {ocd: tuple(areas) for ocd, areas in within.items()})
