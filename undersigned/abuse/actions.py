"""Staff decisions on suspect signatures and a campaign's protection. Each
one is written to the audit log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F

from undersigned.campaigns.models import Campaign
from undersigned.counting.actions import chunks, record_transitions
from undersigned.outbox.models import Email
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.actions import email_within_share
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
    """Let quarantined signatures count as what they would have been.

    Those held at signing were sent nothing: released, they get now what
    they would have had then, the confirmation e-mail (or, signed from a
    remembered device and counting at once, the receipt with their private
    link)."""
    chosen = signatures.filter(status=Status.QUARANTINED).exclude(held_status="")
    ids = list(chosen.values_list("pk", flat=True))
    counted = lock_counted(ids, held=True)
    released = Signature.objects.filter(pk__in=ids).update(
        status=F("held_status"), held_status="", quarantine_reason=""
    )
    record_transitions(counted, +1)
    for campaign_id in {campaign for _pk, campaign in counted}:
        confirmed = [pk for pk, campaign in counted if campaign == campaign_id]
        signature_confirmed.send(sender=Signature, signature_ids=confirmed, campaign_id=campaign_id)
    never_mailed = Signature.objects.filter(
        pk__in=ids, status__in=[Status.PENDING, Status.CONFIRMED], emails_queued=0
    ).select_related("campaign")
    for signature in never_mailed:
        pending = signature.status == Status.PENDING
        email_within_share(signature, Email.Kind.CONFIRM if pending else Email.Kind.RECEIPT)
    record(actor, "release", signatures=released)
    return released


def review_queue(*, campaign=None):
    """The quarantined signatures waiting for a decision: the organisers'
    workspace's review queue (organise/review.py, where reviewers release
    or invalidate them, one by one or the whole filtered queue at once) and
    the digest that tells them it grew (digest.py)."""
    waiting = Signature.objects.filter(status=Status.QUARANTINED)
    if campaign is not None:
        waiting = waiting.filter(campaign=campaign)
    return waiting


@transaction.atomic
def set_protection(
    campaign: Campaign,
    *,
    actor: str,
    proof_of_work: bool | None = None,
    rate_limit_per_hour: int | None = None,
) -> Campaign:
    """Switch a campaign's proof of work for every signer on or off, or set
    how many sign-ups an hour one network makes before each further one is
    checked (0: no limit). The workspace's dashboard sets them here; the
    admin edits the same fields through the campaign form."""
    changed: dict[str, bool | int] = {}
    if proof_of_work is not None:
        changed["proof_of_work"] = bool(proof_of_work)
    if rate_limit_per_hour is not None:
        if rate_limit_per_hour < 0:
            raise ValueError("rate_limit_per_hour must be 0 or more")
        changed["rate_limit_per_hour"] = rate_limit_per_hour
    if not changed:
        return campaign
    for name, value in changed.items():
        setattr(campaign, name, value)
    # save() tells every process's campaign cache (campaigns/cache.py).
    campaign.save(update_fields=[*changed, "updated_at"])
    record(actor, AuditEntry.Action.CAMPAIGN_EDIT, campaign=campaign.pk, step="protection",
           **changed)  # fmt: skip
    return campaign


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
