"""Exact counts without a hot row.

Every status change into or out of CONFIRMED appends one CountEvent in the
same transaction (`record_transitions`). Nothing else is written, so
confirmations in one area never wait on one another.

The tally processor (`process_count_events`, run by the worker every second)
claims a batch of events, adds their deltas to the Tally rows of each
signature's campaign and divisions under those rows' locks, deletes the
events and creates the milestone deliveries the new counts call for, all in
one transaction. Deleting what it claimed, rather than advancing a
high-water mark, is what makes it exactly once: on PostgreSQL a transaction
that took a lower id can commit after one with a higher id, and a watermark
would skip it.

Public counts read the campaign total and add the deltas not yet processed,
in one statement (one snapshot), so they are exact at every moment and never
run COUNT(*) over signatures.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from undersigned.areas.models import SignatureDivision

from .models import CountEvent, Tally

log = logging.getLogger(__name__)

# Few enough values per IN (...) for any SQLite build.
CHUNK = 900
# A tally batch slower than this is logged: counts and milestones lag by it.
SLOW_BATCH_SECONDS = 2.0

Key = tuple[int, int | None]  # (campaign id, division id or None for the total)


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def record_transitions(signature_ids: Iterable, delta: int) -> int:
    """Record that these signatures entered (+1) or left (-1) the confirmed count.

    Call it inside the transaction that changes their status, with exactly the
    signatures whose status changed.
    """
    from undersigned.signatures.models import Signature

    assert delta in (1, -1)
    ids = list(signature_ids)
    if not ids:
        return 0
    campaigns = {}
    for chunk in chunks(ids):
        campaigns.update(Signature.objects.filter(pk__in=chunk).values_list("pk", "campaign_id"))
    now = timezone.now()
    CountEvent.objects.bulk_create(
        CountEvent(campaign_id=campaigns[pk], signature_id=pk, delta=delta, created_at=now)
        for pk in ids
    )
    return len(ids)


def record_transition(signature, delta: int) -> None:
    """One signature, when its campaign is at hand (saves the lookup)."""
    CountEvent.objects.create(
        campaign_id=signature.campaign_id, signature_id=signature.pk, delta=delta
    )


def lock_counted(signature_ids: Iterable, *, held: bool = False) -> list:
    """Lock these signatures and return those that count now (confirmed), or
    with `held`, those a release makes count (quarantined, held confirmed).

    Staff actions change many signatures at once: the lock keeps a signer's
    own confirm or withdraw from slipping in between reading and updating them.
    """
    from undersigned.signatures.models import Signature

    Status = Signature.Status
    counts = (Status.QUARANTINED, Status.CONFIRMED) if held else (Status.CONFIRMED, "")
    ids = list(signature_ids)
    counted = []
    for chunk in chunks(ids):
        rows = (
            Signature.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "status", "held_status")
        )
        counted += [pk for pk, *statuses in rows if tuple(statuses) == counts]
    return counted


def process_count_events(limit: int = 5000) -> int:
    """Fold up to `limit` events into tallies and create due milestones.

    Returns how many events it processed; 0 means none were waiting (or
    another processor holds them all). Safe to run from many workers at once.
    """
    from .actions import create_due_deliveries

    started = time.monotonic()
    with transaction.atomic():
        events = list(
            CountEvent.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "campaign_id", "signature_id", "delta")[:limit]
        )
        if not events:
            return 0
        deltas = deltas_by_tally(events)
        tallies = locked_tallies([key for key, delta in deltas.items() if delta])
        now = timezone.now()
        for tally in tallies:
            tally.confirmed += deltas[(tally.campaign_id, tally.division_id)]
            tally.updated_at = now
        Tally.objects.bulk_update(tallies, ["confirmed", "updated_at"], batch_size=500)
        for chunk in chunks([event[0] for event in events]):
            CountEvent.objects.filter(id__in=chunk).delete()
        risen = [t for t in tallies if deltas[(t.campaign_id, t.division_id)] > 0]
        created = create_due_deliveries(risen)
    seconds = time.monotonic() - started
    if seconds > SLOW_BATCH_SECONDS:
        # Counts and milestones lag by this much: worth knowing (no personal data).
        log.warning(
            "tally batch of %d events, %d tallies, %d deliveries took %.1f s",
            len(events), len(tallies), len(created), seconds,
        )  # fmt: skip
    return len(events)


def process_all_count_events() -> int:
    """Run the processor until no event is left (tests, commands, the demo)."""
    total = 0
    while processed := process_count_events():
        total += processed
    return total


def deltas_by_tally(events) -> Counter[Key]:
    """Sum the events' deltas per campaign total and per (campaign, division)."""
    placements: defaultdict[object, list[int]] = defaultdict(list)
    signature_ids = list({event[2] for event in events})
    for chunk in chunks(signature_ids):
        rows = SignatureDivision.objects.filter(signature_id__in=chunk).values_list(
            "signature_id", "division_id"
        )
        for signature_id, division_id in rows:
            placements[signature_id].append(division_id)
    deltas: Counter[Key] = Counter()
    for _id, campaign_id, signature_id, delta in events:
        deltas[(campaign_id, None)] += delta
        for division_id in placements[signature_id]:
            deltas[(campaign_id, division_id)] += delta
    return deltas


def _key_filter(keys: Iterable[Key]) -> Q:
    query = Q(pk__in=[])
    by_campaign: defaultdict[int, list] = defaultdict(list)
    for campaign_id, division_id in keys:
        by_campaign[campaign_id].append(division_id)
    for campaign_id, divisions in by_campaign.items():
        named = [d for d in divisions if d is not None]
        part = Q(division_id__in=named) if named else Q(pk__in=[])
        if None in divisions:
            part |= Q(division__isnull=True)
        query |= Q(campaign_id=campaign_id) & part
    return query


def locked_tallies(keys: list[Key]) -> list[Tally]:
    """The tallies for these keys, created if missing, locked in primary-key order.

    Missing rows are inserted in key order with ON CONFLICT DO NOTHING (a
    concurrent processor may insert the same one); locks are then taken in
    primary-key order, so two processors never wait on each other in a cycle.
    """
    if not keys:
        return []
    existing: set[Key] = set()
    for chunk in chunks(keys):
        existing.update(
            Tally.objects.filter(_key_filter(chunk)).values_list("campaign_id", "division_id")
        )
    missing = sorted(set(keys) - existing, key=lambda key: (key[0], key[1] or 0))
    Tally.objects.bulk_create(
        [Tally(campaign_id=c, division_id=d) for c, d in missing],
        ignore_conflicts=True,
        batch_size=500,
    )
    tallies = []
    for chunk in chunks(keys):
        tallies.extend(Tally.objects.select_for_update().filter(_key_filter(chunk)).order_by("pk"))
    tallies.sort(key=lambda tally: tally.pk)
    return tallies


def confirmed_counts(campaign_ids: Iterable[int]) -> dict[int, int]:
    """Confirmed signatures per campaign id: the total plus the pending deltas.

    One statement, so on PostgreSQL the tally and the events are read from
    one snapshot: a processor committing in between cannot make a count skip.
    """
    ids = list(campaign_ids)
    if not ids:
        return {}
    # Plain SQL: every campaign page and count request runs this, and building
    # the same query through the ORM cost several times what running it did
    # (docs/performance.md).
    sql = COUNTS.format(
        tally=connection.ops.quote_name(Tally._meta.db_table),
        event=connection.ops.quote_name(CountEvent._meta.db_table),
        ids=", ".join(["%s"] * len(ids)),
    )
    counts = dict.fromkeys(ids, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids])
        counts.update((campaign_id, int(n or 0)) for campaign_id, n in cursor.fetchall())
    return counts


COUNTS = """
SELECT campaign_id, SUM(n) FROM (
    SELECT campaign_id, confirmed AS n FROM {tally}
     WHERE division_id IS NULL AND campaign_id IN ({ids})
    UNION ALL
    SELECT campaign_id, delta FROM {event} WHERE campaign_id IN ({ids})
) parts GROUP BY campaign_id
"""


def area_count(campaign_id: int, division_id: int) -> int:
    """Confirmed signatures of a campaign in one area, exact like confirmed_counts."""
    tally = (
        Tally.objects.filter(campaign_id=campaign_id, division_id=division_id)
        .values_list("confirmed", flat=True)
        .first()
    )
    pending = (
        CountEvent.objects.filter(
            campaign_id=campaign_id,
            signature__division_links__division_id=division_id,
        ).aggregate(n=Sum("delta"))["n"]
        or 0
    )
    return (tally or 0) + pending


# Reconciliation --------------------------------------------------------------


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
    from undersigned.campaigns.models import Campaign

    from .actions import create_due_deliveries

    campaigns = Campaign.objects.order_by("pk")
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    drifts: list[Drift] = []
    for campaign_id in campaigns.values_list("pk", flat=True):
        with transaction.atomic():
            # Every processor that handles this campaign's events needs the
            # campaign total's lock: holding it keeps them all out.
            locked_tallies([(campaign_id, None)])
            tallies = {
                t.division_id: t
                for t in Tally.objects.select_for_update().filter(campaign_id=campaign_id)
            }
            actual = _recount(campaign_id)
            risen = []
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
            create_due_deliveries(risen)
    if fix and drifts:
        log.warning("reconcile fixed %s drifting tallies", len(drifts))
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
    SELECT NULL, -SUM(e.delta) FROM {event} e WHERE e.campaign_id = %(campaign)s
    UNION ALL
    SELECT sd.division_id, -SUM(e.delta)
      FROM {event} e JOIN {placement} sd ON sd.signature_id = e.signature_id
     WHERE e.campaign_id = %(campaign)s
     GROUP BY sd.division_id
) parts GROUP BY division_id
"""


def _recount(campaign_id: int) -> dict[int | None, int]:
    """What the tallies should hold now: confirmed signatures minus unprocessed deltas."""
    from undersigned.signatures.models import Signature

    sql = RECOUNT.format(
        signature=connection.ops.quote_name(Signature._meta.db_table),
        placement=connection.ops.quote_name(SignatureDivision._meta.db_table),
        event=connection.ops.quote_name(CountEvent._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {"campaign": campaign_id, "confirmed": Signature.Status.CONFIRMED})
        return {division_id: int(n or 0) for division_id, n in cursor.fetchall() if n}
