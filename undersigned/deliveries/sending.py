"""Sending: dispatching a delivery to its recipients, sending each attempt,
completing, and the staff actions on attempts.

Dispatching is a task that takes a delivery's id, re-reads it and is safe to
run twice. Each e-mail attempt it creates is a row of outgoing work
(undersigned/outgoing/): the worker's sender claims, sends, retries and gives
up on it as on every other kind, and tells `attempts_ended` which attempts
are done. The tasks are defined here, with the code that enqueues them again
(tasks.py keeps the paths that task rows queued before this layout name).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_tasks import task

from undersigned.outbox.actions import queue_emails
from undersigned.outbox.models import Email
from undersigned.outgoing import work
from undersigned.outgoing.smtp import SMTP, Mailer
from undersigned.outgoing.workers import task_waiting
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.models import Consent, Signature

from .models import Delivery, DeliveryAttempt, DeliverySigner
from .recipients import recipients
from .rendering import build_message, render_delivery, render_pack
from .signals import delivery_sent

log = logging.getLogger(__name__)

# Queued work that should have run this long ago is enqueued again.
OVERDUE = timedelta(minutes=1)

State = DeliveryAttempt.State
OPEN_STATES = [State.PENDING, State.SENDING, State.AWAITING_MAILING]


def dispatch(delivery_id) -> int:
    """Render a delivery (once) and create its attempts. Safe to run twice.

    Rendering happens before the row lock is taken; it is deterministic, so
    a second worker's identical rendering is simply not stored. The e-mail
    attempts are due at once: the sender picks them up. Returns how many
    attempts were created for sending.
    """
    delivery = (
        Delivery.objects.select_related("campaign", "division", "letter_version")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return 0
    rendered = None if delivery.rendered_at else render_delivery(delivery)
    found = recipients(delivery)
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.rendered_at is None:
            if rendered is None:
                rendered = render_delivery(delivery)
            locked.pdf, locked.csv = rendered.pdf_base64, rendered.csv
            locked.pdf_sha256, locked.csv_sha256 = rendered.pdf_sha256, rendered.csv_sha256
            locked.rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "csv", "pdf_sha256", "csv_sha256", "rendered_at"])
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery=locked,
                    recipient_key=r.key,
                    official=r.official,
                    target=r.target,
                    name=r.name[:200],
                    office=r.office[:400],
                    address=r.address,
                    channel=r.channel,
                    state=State.PENDING
                    if r.channel == DeliveryAttempt.Channel.EMAIL
                    else State.AWAITING_MAILING,
                )
                for r in found
            ],
            ignore_conflicts=True,
        )
        if locked.dispatched_at is not None:
            return 0
        Delivery.objects.filter(pk=locked.pk).update(dispatched_at=timezone.now())
        pending = locked.attempts.filter(state=State.PENDING, attempts=0).count()
    complete_if_done(delivery.pk)
    return pending


def send_letter(attempt: DeliveryAttempt, mailer: Mailer) -> None:
    """Hand one attempt's letter to the mail server. Its Message-ID is derived
    from the attempt, so a letter re-sent after a crash is recognisably the
    same message."""
    mailer.send(build_message(attempt))


def attempts_ended(attempts: list[DeliveryAttempt]) -> None:
    """The sender's word that these attempts are sent or failed for good."""
    for delivery_id in {attempt.delivery_id for attempt in attempts}:
        complete_if_done(delivery_id)


def claimed_with_their_delivery(attempts: QuerySet[Any]) -> QuerySet[Any]:
    return attempts.select_related(
        "delivery__campaign", "delivery__division", "delivery__letter_version"
    )


LETTERS = work.Kind(
    name="letter",
    model=DeliveryAttempt,
    transport=SMTP,
    send=send_letter,
    give_up_after=timedelta(hours=72),
    first_retry=timedelta(minutes=1),
    longest_wait=timedelta(minutes=30),
    # A letter carries its PDF: a few at a time.
    batch=5,
    fetch=claimed_with_their_delivery,
    finished=attempts_ended,
    only={"channel": DeliveryAttempt.Channel.EMAIL},
)


def send_attempt(attempt_id) -> bool:
    """Send one attempt now if it is due (the demo; tasks queued before the sender)."""
    return work.send_one(LETTERS, attempt_id)


def complete_if_done(delivery_id) -> bool:
    """Mark a delivery complete once no attempt is left open; then tell the
    signers who asked to hear, and the layers above (signals.delivery_sent:
    webhooks). The conditional UPDATE makes that happen once."""
    open_attempts = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"), state__in=OPEN_STATES)
    any_attempt = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"))
    with transaction.atomic():
        done = (
            Delivery.objects.filter(pk=delivery_id, completed_at__isnull=True)
            .filter(Exists(any_attempt), ~Exists(open_attempts))
            .update(completed_at=timezone.now())
        )
        if not done:
            return False
        if DeliveryAttempt.objects.filter(delivery_id=delivery_id, state=State.SENT).exists():
            notify_signers(delivery_id)
            delivery = Delivery.objects.select_related("campaign", "division").get(pk=delivery_id)
            delivery_sent.send(sender=Delivery, delivery=delivery)
    return True


def notify_signers(delivery_id) -> int:
    """Queue 'your letter was delivered' for carried signers who asked for it.

    Once per signature: a signer carried to several areas' lawmakers hears
    about the first delivery only.
    """
    asked = Consent.objects.filter(
        signature=OuterRef("signature_id"),
        kind=Consent.Kind.DELIVERY,
        withdrawn_at__isnull=True,
    )
    told = Email.objects.filter(signature=OuterRef("signature_id"), kind=Email.Kind.DELIVERED)
    signature_ids = list(
        DeliverySigner.objects.filter(
            delivery_id=delivery_id,
            signature__erased_at__isnull=True,
            signature__status=Signature.Status.CONFIRMED,
        )
        .filter(Exists(asked), ~Exists(told))
        .values_list("signature_id", flat=True)
    )
    signatures = Signature.objects.filter(pk__in=signature_ids).only(
        "id", "email", "network_digest"
    )
    return len(queue_emails(signatures, Email.Kind.DELIVERED))


# Staff actions ---------------------------------------------------------------


def retry(attempts, *, actor: str) -> int:
    """Try failed e-mail attempts again from the start (after fixing an address, say)."""
    with transaction.atomic():
        failed = attempts.filter(state=State.FAILED, channel=DeliveryAttempt.Channel.EMAIL)
        deliveries = set(failed.values_list("delivery_id", flat=True))
        changed = work.retry(failed)
        Delivery.objects.filter(pk__in=deliveries).update(completed_at=None)
        if changed:
            record(actor, AuditEntry.Action.RETRY, what="delivery attempts", attempts=changed)
    log.info("%s retried %s delivery attempts", actor, changed)
    return changed


def mark_mailed(attempts, *, actor: str) -> int:
    """Record that staff printed and posted these letters."""
    with transaction.atomic():
        ids = list(attempts.filter(state=State.AWAITING_MAILING).values_list("pk", flat=True))
        changed = DeliveryAttempt.objects.filter(pk__in=ids, state=State.AWAITING_MAILING).update(
            state=State.SENT, sent_at=timezone.now(), mailed_by=actor
        )
        deliveries = set(
            DeliveryAttempt.objects.filter(pk__in=ids).values_list("delivery_id", flat=True)
        )
        if changed:
            record(
                actor,
                AuditEntry.Action.MAILED,
                letters=changed,
                deliveries=sorted(str(pk) for pk in deliveries),
            )
    for delivery_id in deliveries:
        complete_if_done(delivery_id)
    return changed


def pack(delivery: Delivery, *, actor: str) -> bytes:
    """The printable pack: one letter per recipient awaiting mailing (every
    recipient once none is). It lists every signer's name, so it is recorded
    as an export."""
    attempts = list(delivery.attempts.filter(state=State.AWAITING_MAILING))
    if not attempts:
        attempts = list(delivery.attempts.all())
    pdf = render_pack(delivery, attempts)
    record(
        actor,
        AuditEntry.Action.EXPORT,
        what="delivery pack",
        delivery=str(delivery.pk),
        signers=delivery.signer_count,
        letters=len(attempts),
    )
    return pdf


def redispatch(delivery: Delivery) -> int:
    """Look the recipients up again (officials imported since) and send to new ones."""
    Delivery.objects.filter(pk=delivery.pk).update(dispatched_at=None, completed_at=None)
    return dispatch(delivery.pk)


def requeue_stuck() -> int:
    """What a dead worker may have left behind: deliveries not dispatched
    whose dispatch task is gone (it failed; a task left running by a dead
    worker is taken back by outgoing.workers), and deliveries whose last
    attempt ended without the delivery being completed. The attempts
    themselves need nothing: the sender takes back stale claims."""
    now = timezone.now()
    count = 0
    undispatched = Delivery.objects.filter(
        dispatched_at__isnull=True, created_at__lt=now - OVERDUE
    ).values_list("pk", flat=True)
    for pk in undispatched.iterator():
        if not task_waiting(DISPATCH_TASKS, str(pk)):
            dispatch_delivery.enqueue(str(pk))
            count += 1
    attempts = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"))
    unfinished = Delivery.objects.filter(
        dispatched_at__lt=now - OVERDUE, completed_at__isnull=True
    ).filter(Exists(attempts), ~Exists(attempts.filter(state__in=OPEN_STATES)))
    for pk in unfinished.values_list("pk", flat=True):
        count += complete_if_done(pk)
    return count


@task()
def dispatch_delivery(delivery_id: str) -> int:
    return dispatch(delivery_id)


@task()
def send_delivery_attempt(attempt_id: str) -> bool:
    """Rows queued before the sender existed name this task."""
    return send_attempt(attempt_id)


# The paths under which dispatch task rows may be queued (tasks.py's is older).
DISPATCH_TASKS = [
    "undersigned.deliveries.sending.dispatch_delivery",
    "undersigned.deliveries.tasks.dispatch_delivery",
]
