"""Placing signatures in areas after they were signed, with exact counts.

A signer is never turned away for our missing data. A signature whose postal
code we do not know, whose code has no link yet to an area of a type the
campaign writes to, or whose signer was not sure which of several areas
they live in, is taken as it is: it counts in the campaign and in every
area its code determines without doubt, and it *waits* for the rest.

`place_waiting()` is the one action that places waiting signatures once the
data arrives. Every import calls it (through `areas.signals.areas_changed`,
see apps.py), the console runs it (`undersigned place_waiting`) and the
organisers' workspace may call it directly. `settle()` and `move()` serve the
signer's own page: choosing an area they were not sure of, or changing their
postal code.

Counts stay exact. Tallies count a signature in the areas it is placed in
when the tally processor folds its count events (counting/actions.py). A
signature placed in one more area after that gets an event for that area
alone, worth what the tallies hold for it: +1 if its confirmation was
folded already, nothing if the confirmation is still waiting to be folded
(the processor will count it in the new area too), -1 if a withdrawal was
folded already... Reading that takes the signature's row lock (no confirm,
withdraw or release can change it meanwhile) and the lock of its unfolded
events (the processor skips locked events and waits for nothing, and a
processor that holds them makes us wait until it has folded them with the
placements it read). Running this twice, or in two processes at once,
places and counts each signature once: the second run finds the placement
made.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from undersigned.areas.forms import notice
from undersigned.areas.lookup import (
    Placement,
    needed_types,
    place,
    place_many,
    signature_divisions,
)
from undersigned.areas.models import Division, Official, SignatureDivision, TargetRule, type_label
from undersigned.counting.actions import chunks, locked_tallies, record_placements
from undersigned.counting.models import CountEvent
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import Signature

log = logging.getLogger(__name__)

# Signatures that count, may count once confirmed, or may be released.
ACTIVE = [Signature.Status.PENDING, Signature.Status.CONFIRMED, Signature.Status.QUARANTINED]
# Signatures placed per transaction: short locks, and progress kept if a run stops.
BATCH = 500


class AlreadyDelivered(Exception):
    """A letter carrying this signature has gone out: its areas stay as delivered."""


@dataclass
class PlacingReport:
    """What a run of place_waiting() did."""

    examined: int = 0
    # Signatures placed in at least one more area, and the areas added.
    placed: int = 0
    placements: int = 0
    # Count events written for counted signatures (one per area added).
    counted: int = 0
    # By division type: how many placements of each type were made.
    by_type: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        if not self.placed:
            return _("%(examined)s waiting signatures examined; none could be placed yet") % {
                "examined": self.examined
            }
        types = ", ".join(f"{n} {t}" for t, n in sorted(self.by_type.items()))
        return _(
            "%(examined)s waiting signatures examined; %(placed)s placed in %(placements)s "
            "more areas (%(types)s); %(counted)s counted there"
        ) % {
            "examined": self.examined, "placed": self.placed, "placements": self.placements,
            "types": types, "counted": self.counted,
        }  # fmt: skip


# What the tallies hold ---------------------------------------------------


def _lock(signature_ids: Sequence[Any]) -> dict[Any, tuple[int, int]]:
    """Lock these signatures and their unfolded count events; return, per
    signature, (campaign id, what the tallies hold for it in each of its areas).

    FOR NO KEY UPDATE: it conflicts with confirming, withdrawing and
    releasing (they update the row), not with the key-share locks a new
    delivery's signer rows or count events take on it.
    """
    rows = list(
        Signature.objects.select_for_update(no_key=True)
        .filter(pk__in=list(signature_ids))
        .order_by("pk")
        .values_list("pk", "campaign_id", "status")
    )
    unfolded: Counter[Any] = Counter()
    for signature_id, delta in (
        CountEvent.objects.select_for_update()
        .filter(signature_id__in=[row[0] for row in rows], division__isnull=True)
        .order_by("pk")
        .values_list("signature_id", "delta")
    ):
        unfolded[signature_id] += delta
    return {
        pk: (campaign_id, int(status == Signature.Status.CONFIRMED) - unfolded[pk])
        for pk, campaign_id, status in rows
    }


def _events(pk: Any, campaign_id: int, division_id: int, held: int, sign: int) -> list:
    """One event per unit the tallies hold, entering (sign +1) or leaving (-1) an area."""
    delta = 1 if held * sign > 0 else -1
    return [(pk, campaign_id, division_id, delta)] * abs(held)


def _placements_of(signature_ids: Iterable[Any]) -> dict[Any, dict[str, list[int]]]:
    """signature id -> division type -> division ids it is placed in."""
    found: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for signature_id, division_id, division_type in SignatureDivision.objects.filter(
        signature_id__in=list(signature_ids)
    ).values_list("signature_id", "division_id", "division__type"):
        found[signature_id][division_type].append(division_id)
    return found


# Waiting signatures -------------------------------------------------------


def rule_types() -> dict[int, list[str]]:
    """campaign id -> the division types its target rules write to."""
    types: dict[int, list[str]] = defaultdict(list)
    for campaign_id, division_type in TargetRule.objects.order_by(
        "campaign_id", "order", "id"
    ).values_list("campaign_id", "division_type"):
        if division_type not in types[campaign_id]:
            types[campaign_id].append(division_type)
    return dict(types)


def _lacks(types: Iterable[str]) -> Q:
    """Signatures missing a placement of any of these types."""
    query = Q(pk__in=[])
    for division_type in types:
        placed = SignatureDivision.objects.filter(
            signature=OuterRef("pk"), division__type=division_type
        )
        query |= Q(~Exists(placed))
    return query


def waiting(campaign_ids: Iterable[int] | None = None) -> QuerySet[Signature]:
    """Signatures waiting for an area: active and not erased, with a postal
    code, and either missing an area of a type their campaign writes to, or
    placed nowhere at all (a code we did not know)."""
    types = rule_types()
    unplaced = ~Exists(SignatureDivision.objects.filter(signature=OuterRef("pk")))
    query = Q(pk__in=[])
    for campaign_id, needed in types.items():
        query |= Q(campaign_id=campaign_id) & _lacks(needed)
    signatures = Signature.objects.filter(
        query | unplaced, status__in=ACTIVE, erased_at__isnull=True
    ).exclude(postal_code="")
    if campaign_ids is not None:
        signatures = signatures.filter(campaign_id__in=list(campaign_ids))
    return signatures


def additions(placement: Placement, placed_types: Iterable[str]) -> list[Division]:
    """The areas a code now determines without doubt, of types not placed yet."""
    have = set(placed_types)
    return [
        division
        for division in placement.divisions
        if division.type not in have and len(placement.of_type(division.type)) == 1
    ]


def place_waiting(
    *,
    postal_codes: Iterable[tuple[str, str]] | None = None,
    campaign_ids: Iterable[int] | None = None,
) -> PlacingReport:
    """Place every waiting signature whose postal code now lies in more areas,
    and count it there. `postal_codes` ((country, code) pairs) limits the run
    to the codes an import changed. Safe to run twice and from two processes."""
    report = PlacingReport()
    candidates = waiting(campaign_ids)
    codes = None if postal_codes is None else {(c.upper(), p) for c, p in postal_codes}
    if codes is not None:
        if not codes:
            return report
        candidates = candidates.filter(postal_code__in=sorted({p for _, p in codes}))
    rows = [
        row
        for row in candidates.order_by("pk").values_list("pk", "country", "postal_code")
        if codes is None or (row[1].upper(), row[2]) in codes
    ]
    report.examined = len(rows)
    for batch in chunks(rows, BATCH):
        _place_batch(batch, report)
    if report.placed:
        log.info("placed waiting signatures: %s", report.summary())
    return report


def _place_batch(rows: Sequence[tuple[Any, str, str]], report: PlacingReport) -> None:
    codes = {pk: (country, code) for pk, country, code in rows}
    with transaction.atomic():
        held = _lock(list(codes))
        placed = _placements_of(held)
        new: list[SignatureDivision] = []
        events: list[tuple[Any, int, int, int]] = []
        for pk, (campaign_id, counted) in held.items():
            adding = additions(place(*codes[pk]), placed[pk])
            if not adding:
                continue
            report.placed += 1
            for division in adding:
                new.append(SignatureDivision(signature_id=pk, division=division))
                events += _events(pk, campaign_id, division.pk, counted, +1)
                report.by_type[division.type] += 1
        SignatureDivision.objects.bulk_create(new)
        record_placements(events)
        report.placements += len(new)
        report.counted += len(events)


# One signature, from its signer's page -------------------------------------


def settle(signature: Signature, division: Division) -> bool:
    """The signer chose the area they were not sure of: place them there.

    The area must be one their postal code spans, of a type they are not
    placed in yet. Returns False when there was nothing to do (placed already).
    """
    with transaction.atomic():
        ((campaign_id, counted),) = _lock([signature.pk]).values()
        placed = _placements_of([signature.pk])[signature.pk]
        if placed.get(division.type):
            return False
        SignatureDivision.objects.create(
            signature_id=signature.pk, division=division, how=SignatureDivision.How.CHOSEN
        )
        record_placements(_events(signature.pk, campaign_id, division.pk, counted, +1))
    return True


def move(signature: Signature, country: str, postal_code: str, chosen: dict[str, Division]) -> None:
    """A new postal code: take the signature out of its areas and place it
    from the new code (and the signer's choices), counting both ways.

    Refused once a delivery carried the signature (AlreadyDelivered): the
    lawmakers have its areas, and they stay as delivered. The tallies of its
    areas are locked first, so no milestone can pick the signer meanwhile.
    """
    placement = place(country, postal_code)
    with transaction.atomic():
        ((campaign_id, counted),) = _lock([signature.pk]).values()
        old = SignatureDivision.objects.filter(signature_id=signature.pk)
        old_ids = list(old.values_list("division_id", flat=True))
        locked_tallies([(campaign_id, division_id) for division_id in old_ids])
        if signature.delivered_in.exists():
            raise AlreadyDelivered
        new = placement.assign(chosen)
        new_ids = {division.pk for division, _how in new}
        events = []
        for division_id in old_ids:
            if division_id not in new_ids:
                events += _events(signature.pk, campaign_id, division_id, counted, -1)
        old.exclude(division_id__in=new_ids).delete()
        kept = set(old_ids)
        SignatureDivision.objects.bulk_create(
            SignatureDivision(signature_id=signature.pk, division=division, how=how)
            for division, how in new
            if division.pk not in kept
        )
        for division, _how in new:
            if division.pk not in kept:
                events += _events(signature.pk, campaign_id, division.pk, counted, +1)
        record_placements(events)
        Signature.objects.filter(pk=signature.pk).update(country=country, postal_code=postal_code)
    signature.country, signature.postal_code = country, postal_code


def unsettled_types(signature: Signature) -> dict[str, list[Division]]:
    """The types the campaign writes to that the signature's code spans several
    areas of, and that it is not placed in: the signer may still choose."""
    if not signature.postal_code:
        return {}
    placed = _placements_of([signature.pk])[signature.pk]
    placement = place(signature.country or signature.campaign.country, signature.postal_code)
    return _unsettled(signature, placement, {t for t, ids in placed.items() if ids})


def _unsettled(
    signature: Signature, placement, placed_types: set[str]
) -> dict[str, list[Division]]:
    return {
        division_type: candidates
        for division_type, candidates in placement.choices(needed_types(signature.campaign)).items()
        if division_type not in placed_types
    }


# What organisers see ---------------------------------------------------------

# The first level of areas below a country, by the names Open Civic Data gives it.
FIRST_LEVEL = ["state", "province", "territory", "district", "region"]


@dataclass
class WaitingInState:
    """Signatures of one campaign in one state (or in none we know) that wait."""

    state: Division | None
    # Waiting for an area of a type the campaign writes to (or for any area).
    confirmed: int = 0
    unconfirmed: int = 0
    # Why, by postal code: '02144: no state house district linked yet'.
    reasons: Counter[str] = field(default_factory=Counter)
    # Confirmed signatures placed in a targeted area that has no official yet.
    without_officials: int = 0

    @property
    def name(self) -> str:
        return self.state.public_name if self.state else _("State not known")

    @property
    def top_reasons(self) -> list[tuple[str, int]]:
        return self.reasons.most_common(10)


def _state_of() -> Subquery:
    return Subquery(
        SignatureDivision.objects.filter(
            signature=OuterRef("pk"), division__type__in=FIRST_LEVEL
        ).values("division_id")[:1]
    )


def why_waiting(placement: Placement, types: Sequence[str]) -> str:
    """Why a postal code leaves a signature waiting, in an organiser's words."""
    code = placement.postal_code
    if not placement.known:
        return _("%(code)s: postal code not in the data") % {"code": code}
    for division_type in types:
        found = placement.of_type(division_type)
        area = type_label(division_type)
        if not found:
            return _("%(code)s: no %(area)s linked yet") % {"code": code, "area": area}
        if len(found) > 1:
            return _("%(code)s: signer not sure which %(area)s") % {"code": code, "area": area}
    return _("%(code)s: can be placed now (run place_waiting)") % {"code": code}


def waiting_by_state(campaign: Any) -> list[WaitingInState]:
    """How many of a campaign's signatures wait, per state, and why.

    The organisers' workspace and the admin show these numbers. Waiting
    signatures are those place_waiting() would place once the data is there;
    `without_officials` counts confirmed signatures placed in a targeted area
    that has no current official (their letter waits for one).
    """
    types = rule_types().get(campaign.pk, [])
    states: dict[int | None, WaitingInState] = {}

    def entry(state_id: int | None) -> WaitingInState:
        return states.setdefault(state_id, WaitingInState(None))

    grouped = list(
        waiting([campaign.pk])
        .annotate(state_id=_state_of())
        .values_list("state_id", "country", "postal_code", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    place_many((country or campaign.country, code) for _s, country, code, _st, _n in grouped)
    for state_id, country, code, status, n in grouped:
        row = entry(state_id)
        if status == Signature.Status.CONFIRMED:
            row.confirmed += n
        else:
            row.unconfirmed += n
        row.reasons[why_waiting(place(country or campaign.country, code), types)] += n
    for state_id, n in _without_officials(campaign):
        entry(state_id).without_officials += n
    found = Division.objects.in_bulk([pk for pk in states if pk is not None])
    for state_id, row in states.items():
        row.state = found.get(state_id) if state_id is not None else None
    return sorted(states.values(), key=lambda row: (row.state is None, row.name))


def _without_officials(campaign: Any) -> list[tuple[int | None, int]]:
    """(state id, n): confirmed signatures placed in a targeted area with no
    current official of the rule's roles."""
    counts: Counter[int | None] = Counter()
    for rule in TargetRule.objects.filter(campaign=campaign):
        officials = Official.objects.current().filter(division=OuterRef("division_id"))
        if rule.role_list:
            officials = officials.filter(role__in=rule.role_list)
        placements = SignatureDivision.objects.filter(
            signature__campaign=campaign,
            signature__status=Signature.Status.CONFIRMED,
            division__type=rule.division_type,
        ).filter(~Exists(officials))
        state = Subquery(
            SignatureDivision.objects.filter(
                signature=OuterRef("signature_id"), division__type__in=FIRST_LEVEL
            ).values("division_id")[:1]
        )
        for state_id, n in (
            placements.annotate(state_id=state)
            .values_list("state_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):
            counts[state_id] += n
    return list(counts.items())


def place_waiting_for(campaign: Any, *, actor: str) -> PlacingReport:
    """Staff ask to place a campaign's waiting signatures now (the workspace's
    "place now"): place_waiting() for it, in the audit log."""
    report = place_waiting(campaign_ids=[campaign.pk])
    record(
        actor,
        AuditEntry.Action.PLACE,
        campaign=campaign.pk,
        examined=report.examined,
        placed=report.placed,
    )
    return report


def on_areas_changed(sender: Any, *, report: Any, **kwargs: Any) -> PlacingReport | None:
    """areas.signals.areas_changed: place the signatures waiting for the
    postal codes an import (or a staff edit) linked, and say so in its report."""
    if not report.postal_codes_changed:
        return None
    placing = place_waiting(postal_codes=report.postal_codes_changed)
    if placing.examined:
        report.count("waiting signatures", "examined", n=placing.examined)
        report.count("waiting signatures", "placed", n=placing.placed)
    return placing


def waiting_notice(signature: Signature) -> str:
    """What waits for this signature's data, in its signer's words ("" if nothing)."""
    if not signature.postal_code or not needed_types(signature.campaign):
        return ""
    placement = place(signature.country or signature.campaign.country, signature.postal_code)
    # The signature's areas read once, for the notice and for what is unsettled
    # (the confirmation e-mail says this: every signer's first e-mail asks).
    placed = signature_divisions(signature)
    unsettled = _unsettled(signature, placement, {division.type for division in placed})
    return notice(signature.campaign, placement, placed, unsettled)
