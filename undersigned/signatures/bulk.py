"""Many signatures at once: the one bulk writer of the tests, the demo and the
benchmark's loader.

It writes what signing and confirming would write, without their e-mails,
checks and one-by-one transactions: the signature rows (sealed like any
other), their placements in areas, and the count events of the confirmed
ones, so tallies, milestones and deliveries come about exactly as they would
in production once the tally processor runs.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from undersigned.areas.models import SignatureDivision
from undersigned.counting.actions import record_transitions

from .models import Signature

# (division id, how it was placed: SignatureDivision.How)
Placement = tuple[int, str]


def write_signatures(
    rows: Iterable[tuple[Signature, Sequence[Placement]]],
    *,
    created_at: datetime.datetime | None = None,
    count: bool = True,
    batch_size: int = 500,
) -> list[Signature]:
    """Save these signatures (built, not saved) and place each in its areas.

    `created_at` dates them all (otherwise: now). With `count`, the confirmed
    ones get the count events confirming writes; without it, the caller sees
    to the tallies (the benchmark's loader folds them in itself).
    """
    signatures: list[Signature] = []
    placements: list[SignatureDivision] = []
    for signature, divisions in rows:
        signatures.append(signature)
        placements += [
            SignatureDivision(signature=signature, division_id=division_id, how=how)
            for division_id, how in divisions
        ]
    # The primary keys exist before the insert, so sealing works in bulk_create.
    Signature.objects.bulk_create(signatures, batch_size=batch_size)
    SignatureDivision.objects.bulk_create(placements, batch_size=batch_size)
    if created_at is not None:
        Signature.objects.filter(pk__in=[s.pk for s in signatures]).update(created_at=created_at)
    if count:
        confirmed = [s for s in signatures if s.status == Signature.Status.CONFIRMED]
        record_transitions(((s.pk, s.campaign_id) for s in confirmed), +1)
    return signatures
