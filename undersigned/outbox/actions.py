"""Queue e-mails to signers; the worker's sender sends them (undersigned/outgoing/).

An e-mail is a row of outgoing work: queueing it is one insert in the
caller's transaction, and the sender claims, sends, retries and gives up on
it like every other kind (outgoing/work.py). The outbox knows an e-mail's
kind and the signature it is about, never what the message says: the apps
above it register that (messages.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django_tasks import task

from undersigned.outgoing import work
from undersigned.outgoing.smtp import SMTP, Mailer

from . import caps
from .messages import build_message
from .models import Email

log = logging.getLogger(__name__)

# Lower goes first when e-mails wait for room under a cap or for the worker:
# without its confirmation a signature never counts.
PRIORITY: dict[str, int] = {
    Email.Kind.CONFIRM: 0,
    Email.Kind.ALREADY_SIGNED: 1,
    Email.Kind.RECEIPT: 1,
    Email.Kind.DELIVERED: 2,
    # News can wait for everything that confirms or reports a signature.
    Email.Kind.UPDATE: 3,
}


def _email(signature: Any, kind: str, about: Any = None) -> Email:
    return Email(
        kind=kind,
        signature=signature,
        about=about,
        priority=PRIORITY[kind],
        network=caps.network_key(signature.network_digest),
        domain=caps.domain_key(signature.email),
    )


def queue_email(signature: Any, kind: str) -> Email:
    """Queue one e-mail about a signature, in the caller's transaction.

    One row, nothing else: the sender finds it by its state and
    `next_try_at`. The cap on e-mails per signature is the caller's
    (signatures.actions); the caps per network, domain and hour are the
    sender's (caps.py). Held sign-ups are never passed here
    (signatures.actions: near-certain abuse is sent nothing).
    """
    email = email_row(signature, kind)
    email.save(force_insert=True)
    return email


def email_row(signature: Any, kind: str) -> Email:
    """The row queue_email() would save, not saved: for a caller that writes
    it together with the rows it belongs with (signing, in one statement)."""
    return _email(signature, kind)


def queue_emails(signatures: Iterable[Any], kind: str, *, about: Any = None) -> list[Email]:
    """Queue one e-mail of a kind to each of these signatures, in one insert
    (`about`: the row of the app above that they are about, see Email.about)."""
    return Email.objects.bulk_create([_email(s, kind, about) for s in signatures])


def forget_unsent(signatures: Any, kind: str) -> int:
    """Drop the e-mails of a kind to these signatures (a queryset or a list)
    that have not gone out (waiting, or failed and waiting for staff): the
    signers no longer want them. One being sent at this moment goes (it was
    handed over already, or is being). Returns how many were dropped."""
    unsent = Email.objects.filter(
        signature__in=signatures, kind=kind, state__in=[Email.State.PENDING, Email.State.FAILED]
    )
    dropped, _by_model = unsent.delete()
    return dropped


def send_row(email: Email, mailer: Mailer) -> None:
    mailer.send(build_message(email))


def claimed_with_their_signature(emails: QuerySet[Email]) -> QuerySet[Email]:
    return emails.select_related("signature__campaign")


EMAILS = work.Kind(
    name="e-mail",
    model=Email,
    transport=SMTP,
    send=send_row,
    give_up_after=timedelta(hours=48),
    first_retry=timedelta(seconds=30),
    # People wait for their confirmation: after an outage the first e-mail
    # due again finds out, and brings the others (outgoing.work.recover).
    longest_wait=timedelta(minutes=5),
    fetch=claimed_with_their_signature,
    throttle=caps.throttle,
)


def retry(emails: QuerySet[Email], *, actor: str) -> int:
    """Staff (the admin now, the organisers' workspace later): send failed
    e-mails again, from the start."""
    count = work.retry(emails)
    log.info("%s retried %s failed e-mails", actor, count)
    return count


@task()
def send_email(email_id: str) -> bool:
    """Rows queued before the sender existed name this task: send that e-mail if due."""
    return work.send_one(EMAILS, email_id)
