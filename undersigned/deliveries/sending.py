"""Sending: dispatching a delivery to its recipients, sending each attempt,
retrying, completing, and the staff actions on attempts.

Sending goes through tasks that take ids, re-read the rows, claim with a
conditional UPDATE and are safe to run twice. The tasks are defined here, with
the code that enqueues them again (tasks.py keeps the paths that task rows
queued before this layout name).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from undersigned.outbox.actions import describe_error
from undersigned.outbox.models import Email
from undersigned.outbox.tasks import send_email
from undersigned.signatures.models import Consent, Signature

from .models import Delivery, DeliveryAttempt, DeliverySigner
from .recipients import recipients
from .rendering import build_message, render_delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
# Queued work that should have run this long ago is enqueued again.
OVERDUE = timedelta(minutes=1)

State = DeliveryAttempt.State
OPEN_STATES = [State.PENDING, State.SENDING, State.AWAITING_MAILING]


def stale_claim() -> timedelta:
    """How long a claimed send may take before another worker may take it over.

    Each SMTP step waits at most EMAIL_TIMEOUT, and one message takes a few of
    them; a claim older than that belongs to a worker that died.
    """
    return timedelta(seconds=3 * settings.EMAIL_TIMEOUT)


def dispatch(delivery_id) -> int:
    """Render a delivery (once) and create and queue its attempts. Safe to run twice.

    Rendering happens before the row lock is taken; it is deterministic, so
    a second worker's identical rendering is simply not stored. Returns how
    many attempts were queued for sending.
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
        pending = list(
            locked.attempts.filter(state=State.PENDING, attempts=0).values_list("pk", flat=True)
        )
        for pk in pending:
            send_delivery_attempt.enqueue(str(pk))
    complete_if_done(delivery.pk)
    return len(pending)


def claim(attempt_id) -> DeliveryAttempt | None:
    """Take an attempt for sending; None if it is not due, done, or being sent."""
    now = timezone.now()
    due = Q(state=State.PENDING) & (Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
    stale = Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
    claimed = DeliveryAttempt.objects.filter(
        due | stale, pk=attempt_id, channel=DeliveryAttempt.Channel.EMAIL
    ).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return DeliveryAttempt.objects.select_related(
        "delivery__campaign", "delivery__division", "delivery__letter_version"
    ).get(pk=attempt_id)


def send_attempt(attempt_id) -> bool:
    """Send one attempt's e-mail. Safe to run twice: only the claimant sends.

    Every try is counted on the row; a failure is retried with exponential
    backoff until MAX_ATTEMPTS, then the attempt is failed for staff to see.
    The Message-ID is derived from the attempt, so a letter re-sent after a
    crash is recognisably the same message.
    """
    attempt = claim(attempt_id)
    if attempt is None:
        return False
    try:
        message = build_message(attempt)
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as error:
        failed = attempt.attempts >= MAX_ATTEMPTS
        delay = FIRST_RETRY * 2 ** (attempt.attempts - 1)
        retry_at = timezone.now() + delay
        with transaction.atomic():
            DeliveryAttempt.objects.filter(pk=attempt.pk, state=State.SENDING).update(
                state=State.FAILED if failed else State.PENDING,
                next_try_at=None if failed else retry_at,
                last_error=describe_error(error),
            )
            if not failed:
                send_delivery_attempt.using(run_after=retry_at).enqueue(str(attempt.pk))
        log.warning(
            "delivery attempt %s try %s failed: %s",
            attempt.pk,
            attempt.attempts,
            describe_error(error),
        )
        if failed:
            complete_if_done(attempt.delivery_id)
        return False
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        state=State.SENT, sent_at=timezone.now(), last_error="", next_try_at=None
    )
    complete_if_done(attempt.delivery_id)
    return True


def complete_if_done(delivery_id) -> bool:
    """Mark a delivery complete once no attempt is left open; then tell the
    signers who asked to hear. The conditional UPDATE makes that happen once."""
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
    emails = Email.objects.bulk_create(
        [Email(kind=Email.Kind.DELIVERED, signature_id=pk) for pk in signature_ids]
    )
    for email in emails:
        send_email.enqueue(str(email.pk))
    return len(emails)


# Staff actions ---------------------------------------------------------------


def retry(attempts, *, actor: str) -> int:
    """Try failed e-mail attempts again from the start (after fixing an address, say)."""
    with transaction.atomic():
        ids = list(
            attempts.filter(state=State.FAILED, channel=DeliveryAttempt.Channel.EMAIL).values_list(
                "pk", flat=True
            )
        )
        changed = DeliveryAttempt.objects.filter(pk__in=ids, state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_try_at=None, last_error=""
        )
        Delivery.objects.filter(attempts__pk__in=ids).update(completed_at=None)
        for pk in ids:
            send_delivery_attempt.enqueue(str(pk))
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
    for delivery_id in deliveries:
        complete_if_done(delivery_id)
    return changed


def redispatch(delivery: Delivery) -> int:
    """Look the recipients up again (officials imported since) and send to new ones."""
    Delivery.objects.filter(pk=delivery.pk).update(dispatched_at=None, completed_at=None)
    return dispatch(delivery.pk)


def requeue_stuck() -> int:
    """Enqueue again what a dead worker left behind: undispatched deliveries,
    overdue attempts and attempts whose sender stopped answering."""
    now = timezone.now()
    count = 0
    undispatched = Delivery.objects.filter(
        dispatched_at__isnull=True, created_at__lt=now - OVERDUE
    ).values_list("pk", flat=True)
    for pk in undispatched.iterator():
        dispatch_delivery.enqueue(str(pk))
        count += 1
    stuck = DeliveryAttempt.objects.filter(channel=DeliveryAttempt.Channel.EMAIL).filter(
        Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
        | Q(state=State.PENDING, next_try_at__lt=now - OVERDUE)
        | Q(
            state=State.PENDING,
            next_try_at__isnull=True,
            delivery__dispatched_at__lt=now - OVERDUE,
        )
    )
    for pk in stuck.values_list("pk", flat=True).iterator():
        send_delivery_attempt.enqueue(str(pk))
        count += 1
    return count


@task()
def dispatch_delivery(delivery_id: str) -> int:
    return dispatch(delivery_id)


@task()
def send_delivery_attempt(attempt_id: str) -> bool:
    return send_attempt(attempt_id)
