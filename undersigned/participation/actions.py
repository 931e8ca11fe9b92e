"""Publishing a campaign's public numbers.

`current_publication()` is what pages call: it returns the campaign's
Publication, publishing it anew first when the last one is from an earlier
hour (or used another threshold). `publish()` does the work in one
transaction: whoever takes the Publication row's lock first publishes, and
a request that waited for it finds the numbers fresh and leaves them.
"""

from __future__ import annotations

import datetime
import statistics
from functools import cache

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from undersigned.areas.models import PostalCodeDivision
from undersigned.areas.projection import project
from undersigned.deliveries.models import Tally
from undersigned.signatures.models import Signature

from .models import Publication, PublishedTally

# How often public numbers may move. An hour hides who signed when among
# everyone who signed in that hour; see docs/privacy.md, "Public counts".
PERIOD = datetime.timedelta(hours=1)
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


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
    """The campaign's public numbers for this hour (one query when they are fresh)."""
    publication = Publication.objects.filter(campaign=campaign).first()
    if is_fresh(publication, campaign):
        return publication
    return publish(campaign, only_if_stale=True)


def publish(campaign, *, only_if_stale: bool = False) -> Publication:
    """Publish the campaign's numbers as they are now.

    Areas below the campaign's threshold get no row at all, so that nothing
    public, not even "one or more", tells them from an area nobody signed in.
    """
    now = timezone.now()
    Publication.objects.bulk_create(
        [Publication(campaign=campaign, as_of=EPOCH, threshold=campaign.area_threshold)],
        ignore_conflicts=True,
    )
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(campaign=campaign)
        if only_if_stale and is_fresh(publication, campaign):
            return publication
        threshold = campaign.area_threshold
        tallies = list(
            Tally.objects.filter(
                campaign=campaign, division__isnull=False, confirmed__gte=threshold
            ).values_list("division_id", "division__type", "confirmed", "milestones_created")
        )
        points = map_points(
            [division_id for division_id, kind, *_ in tallies if kind == "place"]
            if campaign.country == "US"
            else []
        )
        PublishedTally.objects.filter(campaign=campaign).delete()
        PublishedTally.objects.bulk_create(
            [
                PublishedTally(
                    campaign=campaign,
                    division_id=division_id,
                    confirmed=confirmed,
                    milestones=milestones,
                    map_x=points.get(division_id, (None, None))[0],
                    map_y=points.get(division_id, (None, None))[1],
                )
                for division_id, _kind, confirmed, milestones in tallies
            ],
            batch_size=500,
        )
        publication.as_of = now
        publication.threshold = threshold
        publication.by_day = confirmed_by_day(campaign, now)
        publication.save()
    return publication


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
        .annotate(day=TruncDate("confirmed_at", tzinfo=datetime.UTC))
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
    points = {}
    for division_id, zips in codes.items():
        projected = [p for p in (zip_point(code) for code in zips) if p is not None]
        if projected:
            points[division_id] = (
                round(statistics.fmean(x for x, _ in projected), 1),
                round(statistics.fmean(y for _, y in projected), 1),
            )
    return points


@cache
def zip_point(code: str) -> tuple[float, float] | None:
    """A ZIP code's centre on the map, from the `zipcodes` package's coordinates."""
    import zipcodes  # loads its table on first use: only publishing needs it

    try:
        found = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not found or not found[0].get("lat") or not found[0].get("long"):
        return None
    return project(float(found[0]["long"]), float(found[0]["lat"]))
