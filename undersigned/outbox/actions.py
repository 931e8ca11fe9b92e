"""Queue and send e-mails. Sending happens only in the worker.

The outbox knows an e-mail's kind and the signature it is about, never what
the message says: the apps above it register that (messages.py). The send
task is defined here, with the retry that enqueues it again (tasks.py keeps
the path that task rows queued before name).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from typing import Any

from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from .messages import build_message
from .models import Email

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
# A claim older than this is taken to belong to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def queue_email(signature: Any, kind: str) -> Email:
    """Queue one e-mail about a signature.

    The task row is written by the database task backend inside the caller's
    transaction: the e-mail and its job commit together or not at all. The
    cap on e-mails per signature is the caller's (signatures.actions).
    """
    email = Email.objects.create(kind=kind, signature=signature)
    send_email.enqueue(str(email.id))
    return email


def claim(email_id) -> Email | None:
    """Take an e-mail for sending; None if it is sent, failed or being sent."""
    now = timezone.now()
    claimable = Q(status=Email.Status.QUEUED) | Q(
        status=Email.Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    )
    claimed = Email.objects.filter(claimable, pk=email_id).update(
        status=Email.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return Email.objects.select_related("signature__campaign").get(pk=email_id)


def describe_error(error: Exception) -> str:
    """An error summary safe to store: SMTP replies can quote the recipient's address."""
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{type(error).__name__} {error.smtp_code}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        # Keyed by address: keep only the codes, which tell 4xx (retry) from 5xx.
        codes = sorted({str(code) for code, _reply in error.recipients.values()})
        return " ".join([type(error).__name__, *codes])
    return type(error).__name__


def send(email_id) -> bool:
    """Send one queued e-mail. Safe to run twice: only the claimant sends."""
    email = claim(email_id)
    if email is None:
        return False
    try:
        message = build_message(email)
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as error:
        failed = email.attempts >= MAX_ATTEMPTS
        Email.objects.filter(pk=email.pk).update(
            status=Email.Status.FAILED if failed else Email.Status.QUEUED,
            last_error=describe_error(error),
        )
        log.warning(
            "e-mail %s attempt %s failed: %s", email.pk, email.attempts, describe_error(error)
        )
        if not failed:
            retry_later(email)
        return False
    Email.objects.filter(pk=email.pk).update(
        status=Email.Status.SENT, sent_at=timezone.now(), last_error=""
    )
    return True


def retry_later(email: Email) -> None:
    delay = timedelta(seconds=30 * 2 ** (email.attempts - 1))
    transaction.on_commit(
        lambda: send_email.using(run_after=timezone.now() + delay).enqueue(str(email.pk))
    )


def requeue_stuck() -> int:
    """Enqueue again every e-mail that is queued or stale-claimed (after a crash)."""
    now = timezone.now()
    stuck = Email.objects.filter(
        Q(status=Email.Status.QUEUED, created_at__lt=now - timedelta(minutes=1))
        | Q(status=Email.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    ).values_list("pk", flat=True)
    count = 0
    for pk in stuck.iterator():
        send_email.enqueue(str(pk))
        count += 1
    return count


@task()
def send_email(email_id: str) -> bool:
    return send(email_id)
