"""Reconciling the tallies with the signatures themselves (`undersigned reconcile`).

The counting app keeps tallies from count events and knows signatures only by
id; this is the one place that recounts them from the signature rows, so it
lives with the signatures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from undersigned.areas.models import SignatureDivision
from undersigned.campaigns.models import Campaign
from undersigned.counting.actions import locked_tallies, tell_risen
from undersigned.counting.models import CountEvent, Tally

from .models import Signature

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Drift:
    campaign_id: int
    division_id: int | None
    tallied: int
    actual: int

    @property
    def difference(self) -> int:
        return self.tallied - self.actual


def reconcile(*, fix: bool = False, campaign_ids: Iterable[int] | None = None) -> list[Drift]:
    """Recount confirmed signatures per campaign and division; report (and fix) drift.

    The campaign's tallies are locked first, so no processor changes them
    while we count, and the recount is one statement (one snapshot) that
    subtracts the events not processed yet, since the tallies do not include
    them. With `fix`, drifting tallies are set to the recount; milestones
    already created are never undone.
    """
    campaigns = Campaign.objects.order_by("pk")
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    drifts: list[Drift] = []
    for campaign_id in campaigns.values_list("pk", flat=True):
        with transaction.atomic():
            drifts += _reconcile_campaign(campaign_id, fix=fix)
    if fix and drifts:
        log.warning("reconcile fixed %s drifting tallies", len(drifts))
    return drifts


def _reconcile_campaign(campaign_id: int, *, fix: bool) -> list[Drift]:
    # Every processor that handles this campaign's events needs the
    # campaign total's lock: holding it keeps them all out.
    locked_tallies([(campaign_id, None)])
    tallies = {
        t.division_id: t for t in Tally.objects.select_for_update().filter(campaign_id=campaign_id)
    }
    actual = _recount(campaign_id)
    drifts, risen = [], []
    for division_id in sorted(set(tallies) | set(actual), key=lambda d: d or 0):
        tallied = tallies[division_id].confirmed if division_id in tallies else 0
        should = actual.get(division_id, 0)
        if tallied == should:
            continue
        drifts.append(Drift(campaign_id, division_id, tallied, should))
        if not fix:
            continue
        tally = tallies.get(division_id) or Tally.objects.create(
            campaign_id=campaign_id, division_id=division_id
        )
        tally.confirmed, tally.updated_at = should, timezone.now()
        tally.save(update_fields=["confirmed", "updated_at"])
        if should > tallied:
            risen.append(tally)
    # A tally that was short may have passed a milestone.
    tell_risen(risen)
    return drifts


RECOUNT = """
SELECT division_id, SUM(n) FROM (
    SELECT NULL AS division_id, COUNT(*) AS n
      FROM {signature} s WHERE s.campaign_id = %(campaign)s AND s.status = %(confirmed)s
    UNION ALL
    SELECT sd.division_id, COUNT(*)
      FROM {placement} sd JOIN {signature} s ON s.id = sd.signature_id
     WHERE s.campaign_id = %(campaign)s AND s.status = %(confirmed)s
     GROUP BY sd.division_id
    UNION ALL
    SELECT NULL, -SUM(e.delta) FROM {event} e
     WHERE e.campaign_id = %(campaign)s AND e.division_id IS NULL
    UNION ALL
    SELECT sd.division_id, -SUM(e.delta)
      FROM {event} e JOIN {placement} sd ON sd.signature_id = e.signature_id
     WHERE e.campaign_id = %(campaign)s AND e.division_id IS NULL
     GROUP BY sd.division_id
    UNION ALL
    SELECT e.division_id, -SUM(e.delta) FROM {event} e
     WHERE e.campaign_id = %(campaign)s AND e.division_id IS NOT NULL
     GROUP BY e.division_id
) parts GROUP BY division_id
"""


def _recount(campaign_id: int) -> dict[int | None, int]:
    """What the tallies should hold now: confirmed signatures minus unprocessed deltas."""
    sql = RECOUNT.format(
        signature=connection.ops.quote_name(Signature._meta.db_table),
        placement=connection.ops.quote_name(SignatureDivision._meta.db_table),
        event=connection.ops.quote_name(CountEvent._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"campaign": campaign_id, "confirmed": Signature.Status.CONFIRMED})
        return {division_id: int(n or 0) for division_id, n in cursor.fetchall() if n}
