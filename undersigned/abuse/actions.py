"""Staff decisions on suspect signatures. Each one is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F

from undersigned.counting.actions import chunks, record_transitions
from undersigned.privacy.audit import record
from undersigned.signatures.models import Signature
from undersigned.signatures.signals import signature_confirmed

Status = Signature.Status


def lock_counted(signature_ids: Iterable[Any], *, held: bool = False) -> list[tuple[Any, int]]:
    """Lock these signatures and return those that count now (confirmed), or
    with `held`, those a release makes count (quarantined, held confirmed),
    as (signature id, campaign id) pairs for counting.record_transitions.

    Staff actions change many signatures at once: the lock keeps a signer's
    own confirm or withdraw from slipping in between reading and updating them.
    """
    counts = (Status.QUARANTINED, Status.CONFIRMED) if held else (Status.CONFIRMED, "")
    ids = list(signature_ids)
    counted = []
    for chunk in chunks(ids):
        rows = (
            Signature.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "campaign_id", "status", "held_status")
        )
        counted += [(pk, campaign) for pk, campaign, *statuses in rows if tuple(statuses) == counts]
    return counted


@transaction.atomic
def release(signatures, *, actor: str) -> int:
    """Let quarantined signatures count as what they would have been."""
    chosen = signatures.filter(status=Status.QUARANTINED).exclude(held_status="")
    ids = list(chosen.values_list("pk", flat=True))
    counted = lock_counted(ids, held=True)
    released = Signature.objects.filter(pk__in=ids).update(
        status=F("held_status"), held_status="", quarantine_reason=""
    )
    record_transitions(counted, +1)
    for campaign_id in {campaign for _pk, campaign in counted}:
        ids = [pk for pk, campaign in counted if campaign == campaign_id]
        signature_confirmed.send(sender=Signature, signature_ids=ids, campaign_id=campaign_id)
    record(actor, "release", signatures=released)
    return released


@transaction.atomic
def invalidate(signatures, *, actor: str) -> int:
    """Mark signatures as fraudulent: they never count, whatever they were."""
    chosen = signatures.exclude(status__in=[Status.INVALIDATED, Status.WITHDRAWN])
    ids = list(chosen.values_list("pk", flat=True))
    counted = lock_counted(ids)
    changed = Signature.objects.filter(pk__in=ids).update(status=Status.INVALIDATED, held_status="")
    record_transitions(counted, -1)
    record(actor, "invalidate", signatures=changed)
    return changed


@transaction.atomic
def quarantine(signatures, *, actor: str, reason: str = "staff review") -> int:
    """Hold signatures for review (a burst spotted by staff); they stop counting."""
    chosen = signatures.filter(status__in=[Status.PENDING, Status.CONFIRMED])
    ids = list(chosen.values_list("pk", flat=True))
    counted = lock_counted(ids)
    changed = Signature.objects.filter(pk__in=ids).update(
        held_status=F("status"), status=Status.QUARANTINED, quarantine_reason=reason
    )
    record_transitions(counted, -1)
    record(actor, "quarantine", signatures=changed)
    return changed
