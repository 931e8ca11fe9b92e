"""Recording and folding the count events.

Every status change into or out of CONFIRMED appends one CountEvent in the
same transaction (`record_transition`, `record_transitions`). Nothing else is
written, so confirmations in one area never wait on one another.

The tally processor (`process_count_events`, run by the worker every second)
claims a batch of events, adds their deltas to the Tally rows of each
signature's campaign and divisions under those rows' locks, deletes the
events and tells the layers above that tallies rose (signals.tallies_rose:
the milestone deliveries are created there), all in one transaction.
Deleting what it claimed, rather than advancing a high-water mark, is what
makes it exactly once: on PostgreSQL a transaction that took a lower id can
commit after one with a higher id, and a watermark would skip it.

This app knows signatures and campaigns only by id: the signatures app calls
it, never the other way round (docs/architecture.md).
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from undersigned.areas.models import SignatureDivision
from undersigned.plainsql import column, execute, table, value

from .models import CountEvent, Tally
from .signals import tallies_rose

log = logging.getLogger(__name__)

# Few enough values per IN (...) for any SQLite build.
CHUNK = 900
# A tally batch slower than this is logged: counts and milestones lag by it.
SLOW_BATCH_SECONDS = 2.0

Key = tuple[int, int | None]  # (campaign id, division id or None for the total)
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def record_transitions(signatures: Iterable[tuple[Any, int]], delta: int) -> int:
    """Record that these signatures entered (+1) or left (-1) the confirmed count.

    `signatures` are (signature id, campaign id) pairs. Call it inside the
    transaction that changes their status, with exactly the signatures whose
    status changed.
    """
    assert delta in (1, -1)
    pairs = list(signatures)
    if not pairs:
        return 0
    now = timezone.now()
    CountEvent.objects.bulk_create(
        CountEvent(campaign_id=campaign_id, signature_id=pk, delta=delta, created_at=now)
        for pk, campaign_id in pairs
    )
    return len(pairs)


def record_transition(signature: Any, delta: int) -> None:
    """One signature (anything with `pk` and `campaign_id`): one INSERT,
    without the ORM's query building (every confirmation writes one)."""
    assert delta in (1, -1)
    names = ("campaign", "signature", "delta", "created_at")
    raw = (signature.campaign_id, signature.pk, delta, timezone.now())
    sql = (
        f"INSERT INTO {table(CountEvent)} ({', '.join(column(CountEvent, n) for n in names)})"  # noqa: S608
        " VALUES (%s, %s, %s, %s)"
    )
    execute(sql, [value(CountEvent, name, item) for name, item in zip(names, raw, strict=True)])


def transition_with(update_sql: str, params: list[Any], delta: int) -> int:
    """The caller's UPDATE of signatures and a count event for each row it
    changed, in one statement (a data-modifying WITH clause: PostgreSQL
    only, see plainsql.one_statement): one round trip for both, in the
    caller's transaction. The UPDATE must end `RETURNING <id>, <campaign id>`
    (in that order). Returns how many signatures it changed."""
    assert delta in (1, -1)
    names = ("campaign", "signature", "delta", "created_at")
    sql = (
        f"WITH changed (signature_id, campaign_id) AS ({update_sql})"  # noqa: S608
        f" INSERT INTO {table(CountEvent)} ({', '.join(column(CountEvent, n) for n in names)})"
        " SELECT campaign_id, signature_id, %s, %s FROM changed"
    )
    return execute(sql, [*params, delta, value(CountEvent, "created_at", timezone.now())])


def record_placements(changes: Iterable[tuple[Any, int, int, int]]) -> int:
    """Record that counted signatures entered (+1) or left (-1) single divisions.

    `changes` are (signature id, campaign id, division id, delta) tuples.
    Call it inside the transaction that adds or removes the placements, with
    exactly what the tallies already hold for each signature (see
    signatures/placing.py): the events touch those divisions' tallies only,
    never the campaign's total.
    """
    rows = [
        CountEvent(campaign_id=campaign_id, signature_id=pk, division_id=division_id, delta=delta)
        for pk, campaign_id, division_id, delta in changes
    ]
    assert all(row.delta in (1, -1) for row in rows)
    CountEvent.objects.bulk_create(rows)
    return len(rows)


def process_count_events(limit: int = 5000) -> int:
    """Fold up to `limit` events into tallies and create due milestones.

    Returns how many events it processed; 0 means none were waiting (or
    another processor holds them all). Safe to run from many workers at once.
    """
    started = time.monotonic()
    with transaction.atomic():
        events = list(
            CountEvent.objects.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "campaign_id", "signature_id", "delta", "division_id")[:limit]
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
        created = tell_risen(risen)
    seconds = time.monotonic() - started
    if seconds > SLOW_BATCH_SECONDS:
        # Counts and milestones lag by this much: worth knowing (no personal data).
        log.warning(
            "tally batch of %d events, %d tallies, %d deliveries took %.1f s",
            len(events), len(tallies), created, seconds,
        )  # fmt: skip
    return len(events)


def tell_risen(tallies: list[Tally]) -> int:
    """Send tallies_rose for these locked tallies; how many rows the receivers made."""
    if not tallies:
        return 0
    replies = tallies_rose.send(sender=Tally, tallies=tallies)
    return sum(len(made or ()) for _receiver, made in replies)


def process_all_count_events() -> int:
    """Run the processor until no event is left (tests, commands, the demo)."""
    total = 0
    while processed := process_count_events():
        total += processed
    return total


Event = tuple[int, int, Any, int, int | None]  # id, campaign, signature, delta, division


def deltas_by_tally(events: Sequence[Event]) -> Counter[Key]:
    """Sum the events' deltas per campaign total and per (campaign, division).

    An event without a division counts in the total and in every division
    its signature is placed in now; one with a division, in that one only.
    """
    placements: defaultdict[object, list[int]] = defaultdict(list)
    signature_ids = list({event[2] for event in events if event[4] is None})
    for chunk in chunks(signature_ids):
        rows = SignatureDivision.objects.filter(signature_id__in=chunk).values_list(
            "signature_id", "division_id"
        )
        for signature_id, placed_in in rows:
            placements[signature_id].append(placed_in)
    deltas: Counter[Key] = Counter()
    for _id, campaign_id, signature_id, delta, one_division in events:
        if one_division is not None:
            deltas[(campaign_id, one_division)] += delta
            continue
        deltas[(campaign_id, None)] += delta
        for division_id in placements[signature_id]:
            deltas[(campaign_id, division_id)] += delta
    return deltas


def _key_filter(keys: Iterable[Key]) -> Q:
    query = Q(pk__in=[])
    by_campaign: defaultdict[int, list[int | None]] = defaultdict(list)
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
    tallies: list[Tally] = []
    for chunk in chunks(keys):
        tallies.extend(Tally.objects.select_for_update().filter(_key_filter(chunk)).order_by("pk"))
    tallies.sort(key=lambda tally: tally.pk)
    return tallies
