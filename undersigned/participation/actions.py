"""Publishing a campaign's public numbers.

`current_publication()` is what pages call: it returns the campaign's
Publication, publishing it anew first when the last one is from an earlier
hour (or used another threshold). `publish()` reads the numbers, then
writes them in one short transaction: whoever takes the Publication row's
lock first publishes, and a process that finds the numbers fresh by then
leaves them.

Each process keeps the Publication row it read for CAMPAIGN_FRESH_SECONDS
(undersigned/memo.py), checking it is still fresh at every use, so a new
hour or a new threshold is noticed at once.
"""

from __future__ import annotations

import datetime
import statistics
import threading
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from undersigned.areas.models import PostalCodeDivision
from undersigned.areas.projection import project
from undersigned.counting.models import Tally
from undersigned.memo import Expiring
from undersigned.signatures.models import Signature

from . import published
from .independence import floor, independence
from .models import Publication, PublishedTally

# How often public numbers may move. An hour hides who signed when among
# everyone who signed in that hour; see docs/privacy.md, "Public counts".
PERIOD = datetime.timedelta(hours=1)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

ZIP_CENTRES = Path(__file__).resolve().parent.parent / "areas" / "data" / "zip-centres.csv"

_publishing = threading.Lock()
# Read-only once cached: shared by the threads of the process.
_publications: Expiring[Publication | None] = Expiring("CAMPAIGN_FRESH_SECONDS")


def period_start(moment: datetime.datetime) -> datetime.datetime:
    """The start of the publishing period a moment falls in (whole hours, UTC)."""
    elapsed = (moment - EPOCH) // PERIOD
    return EPOCH + elapsed * PERIOD


def is_fresh(publication: Publication | None, campaign) -> bool:
    return (
        publication is not None
        and publication.threshold == campaign.area_threshold
        and publication.as_of >= period_start(timezone.now())
    )


def current_publication(campaign) -> Publication:
    """The campaign's public numbers for this hour (no query while this process
    has them, one when they are fresh)."""
    publication = _publications.get(campaign.pk, lambda: read_publication(campaign))
    if is_fresh(publication, campaign):
        return publication
    # The threads of this process wait for one of them to publish, rather
    # than all reading a million signatures at the turn of the hour.
    with _publishing:
        publication = read_publication(campaign)
        if is_fresh(publication, campaign):
            return publication
        return publish(campaign, only_if_stale=True)


def read_publication(campaign) -> Publication | None:
    return Publication.objects.filter(campaign=campaign).first()


def publish(campaign, *, only_if_stale: bool = False) -> Publication:
    """Publish the campaign's numbers as they are now.

    Areas below the campaign's threshold get no row at all, so that nothing
    public, not even "one or more", tells them from an area nobody signed in;
    nor do small areas whose signers are not independent enough
    (independence.py), which also decides where names may be listed.

    The numbers are read before the transaction that writes them, so that it
    holds its locks (on SQLite, the one write lock of the database) for
    milliseconds, not for the seconds that grouping a million signatures by
    day takes. Two processes may both read; the first to write wins.
    """
    now = timezone.now()
    threshold = campaign.area_threshold
    tallies = list(
        Tally.objects.filter(
            campaign=campaign, division__isnull=False, confirmed__gte=threshold
        ).values_list("division_id", "division__type", "confirmed", "milestones_created")
    )
    # Below the floor, only independent signers count (independence.py).
    small = independence(campaign, [row[0] for row in tallies if row[2] < floor(threshold)])
    tallies = [row for row in tallies if row[0] not in small or small[row[0]].published(threshold)]
    unnamed = {pk for pk, signers in small.items() if not signers.named(threshold)}
    points = map_points(
        [division_id for division_id, kind, *_ in tallies if kind == "place"]
        if campaign.country == "US"
        else []
    )
    by_day = confirmed_by_day(campaign, now)
    Publication.objects.bulk_create(
        [Publication(campaign=campaign, as_of=EPOCH, threshold=threshold)],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(campaign=campaign)
        if (only_if_stale and is_fresh(publication, campaign)) or publication.as_of > now:
            return publication  # as fresh as ours, or fresher
        PublishedTally.objects.filter(campaign=campaign).delete()
        PublishedTally.objects.bulk_create(
            [
                PublishedTally(
                    campaign=campaign,
                    division_id=division_id,
                    confirmed=confirmed,
                    milestones=milestones,
                    named=division_id not in unnamed,
                    map_x=points.get(division_id, (None, None))[0],
                    map_y=points.get(division_id, (None, None))[1],
                )
                for division_id, _kind, confirmed, milestones in tallies
            ],
            batch_size=500,
        )
        publication.as_of = now
        publication.threshold = threshold
        publication.by_day = by_day
        publication.save()
    forget()
    return publication


def forget() -> None:
    """Drop what this process keeps of any publication (after publishing)."""
    _publications.clear()
    published.forget()


class UTCDay(TruncDate):
    """The UTC date of a datetime column.

    On SQLite, Django truncates through a Python function called for every
    row (a million calls for a million signatures); the column already holds
    UTC text (USE_TZ: '2026-11-22 07:14:05.123456'), whose first ten
    characters are the day."""

    def __init__(self, expression, **extra):
        super().__init__(expression, tzinfo=datetime.UTC, **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.lhs)
        return f"substr({sql}, 1, 10)", params


def confirmed_by_day(campaign, until: datetime.datetime) -> list[list]:
    """[[day, n], ...]: the campaign's confirmed signatures by the day (UTC) they
    were confirmed. One grouped query, run once per period, not per view."""
    rows = (
        Signature.objects.filter(
            campaign=campaign,
            status=Signature.Status.CONFIRMED,
            confirmed_at__isnull=False,
            confirmed_at__lte=until,
        )
        .annotate(day=UTCDay("confirmed_at"))
        .order_by("day")
        .values("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [[day.isoformat(), n] for day, n in rows]


def map_points(division_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Where each US city or town goes on the map: the mean of its ZIP codes'
    centres, projected like the state shapes. Places with no known ZIP centre
    (or outside the 50 states and DC) have no point."""
    if not division_ids:
        return {}
    codes: dict[int, list[str]] = {}
    for division_id, code in PostalCodeDivision.objects.filter(
        country="US", division_id__in=division_ids
    ).values_list("division_id", "postal_code"):
        codes.setdefault(division_id, []).append(code)
    centres = zip_points({code for zips in codes.values() for code in zips})
    points = {}
    for division_id, zips in codes.items():
        projected = [centres[code] for code in zips if code in centres]
        if projected:
            points[division_id] = (
                round(statistics.fmean(x for x, _ in projected), 1),
                round(statistics.fmean(y for _, y in projected), 1),
            )
    return points


def zip_points(codes: set[str]) -> dict[str, tuple[float, float]]:
    """These ZIP codes' centres on the map (those that have one).

    Read from the shipped table (areas/data/zip-centres.csv, see its NOTICE),
    keeping only the codes asked for: the `zipcodes` package it comes from
    holds its whole table in memory, about 55 MB for the life of the
    process, which a web process must not carry."""
    points = {}
    with ZIP_CENTRES.open(encoding="ascii") as lines:
        for line in lines:
            code, lat, long = line.rstrip("\n").split(",")
            if code in codes:
                point = project(float(long), float(lat))
                if point is not None:
                    points[code] = point
    return points
