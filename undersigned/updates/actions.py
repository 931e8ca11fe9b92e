"""Writing, testing and sending updates to supporters.

Who receives an update is decided here and nowhere else (`audience`): the
confirmed signers of its campaign who agreed to hear from its organisers and
have not taken that back, optionally only those placed in one area. Sending
queues one e-mail per recipient, once: outbox rows of the kind "update"
(one per signature and update, a unique constraint), which the worker's
senders send like every e-mail to signers, under the mail caps, after
confirmations (docs/outgoing.md). A supporter who unsubscribes, withdraws or
is erased before theirs goes gets nothing: signatures.rights drops their
unsent update e-mails (outbox.actions.forget_unsent).
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.areas.models import SignatureDivision
from undersigned.outbox.actions import queue_emails
from undersigned.outbox.models import Email
from undersigned.outgoing.smtp import describe as describe_error
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.links import absolute
from undersigned.signatures.models import Consent, Signature

from .models import Update

log = logging.getLogger(__name__)


class NotSent(Exception):
    """The mail server could not take the test message; nothing was sent."""


def audience(campaign, area=None) -> QuerySet[Signature]:
    """The supporters an update of this campaign (to this area) goes to."""
    # `pk IN (…)` rather than correlated EXISTS: see organise/exports.py.
    agreed = Consent.objects.filter(
        kind=Consent.Kind.ORGANISER, partner__isnull=True, withdrawn_at__isnull=True
    )
    found = Signature.objects.filter(
        campaign=campaign,
        status=Signature.Status.CONFIRMED,
        erased_at__isnull=True,
        pk__in=agreed.values("signature_id"),
    )
    if area is not None:
        placed = SignatureDivision.objects.filter(division=area)
        found = found.filter(pk__in=placed.values("signature_id"))
    return found


@transaction.atomic
def save_update(update: Update, *, actor: str) -> Update:
    """Save a draft (a new one, or edits). A sent update no longer changes."""
    if update.pk and Update.objects.filter(pk=update.pk, sent_at__isnull=False).exists():
        raise ValidationError(_("This update has been sent: it can no longer change."))
    update.written_by = update.written_by or actor
    update.full_clean()
    update.save()
    return update


def message_context(update: Update, *, first_name: str, manage_url: str, unsubscribe_url: str):
    campaign = update.campaign
    return {
        "update": update,
        "campaign": campaign,
        "first_name": first_name,
        "site_name": settings.SITE_NAME,
        "campaign_url": absolute(campaign.get_absolute_url()),
        "manage_url": manage_url,
        "unsubscribe_url": unsubscribe_url,
    }


def render(context: dict, *, subject: str, to: str, message_id: str) -> EmailMultiAlternatives:
    """The update as an e-mail: text (the Markdown as written) and HTML."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("mail/update.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": message_id,
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("mail/update.html", context), "text/html")
    return message


def send_test(update: Update, *, to: str, actor: str) -> None:
    """Send the update to the organiser who asks, as a supporter would get it,
    with sample links in place of a supporter's private ones. Sent at once
    (one message, to staff): NotSent if the mail server would not take it."""
    sample = absolute("/my/each-supporters-own-private-link/")
    context = message_context(
        update, first_name=_("(the supporter's first name)"), manage_url=sample,
        unsubscribe_url=absolute("/unsubscribe/each-supporters-own-link/"),
    )  # fmt: skip
    message = render(
        context,
        subject=_("[Test] %(subject)s") % {"subject": update.subject},
        to=to,
        message_id=f"<update-test-{update.pk}@undersigned>",
    )
    try:
        with get_connection(timeout=settings.EMAIL_TIMEOUT) as connection:
            connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        log.warning("test of update %s not sent: %s", update.pk, describe_error(error))
        raise NotSent(describe_error(error)) from error
    record(actor, AuditEntry.Action.UPDATE, update=str(update.pk), test=True, recipients=1)


class AudienceChanged(Exception):
    """The audience is not the number the organiser saw: nothing was sent."""

    def __init__(self, now: int):
        super().__init__(now)
        self.now = now


# Recipients queued per insert: a big audience is read and written in slices.
QUEUE_BATCH = 2000


@transaction.atomic
def send(update: Update, *, expected: int, actor: str) -> int:
    """Queue the update to its audience, one e-mail each, once; returns how many.

    `expected` is the count the organiser was shown: if the audience has
    changed since, nothing is queued (AudienceChanged, with the new count).
    The update is locked while its e-mails are queued, so two clicks (two
    organisers, two tabs) queue it once; the outbox's unique constraint says
    the same again. The e-mails are written in this transaction: all or none.
    """
    locked = Update.objects.select_for_update().get(pk=update.pk)
    if locked.is_sent:
        raise ValidationError(_("This update has been sent already."))
    recipients = audience(locked.campaign, locked.area).only(
        "pk", "email", "network_digest", "campaign_id"
    )
    total = recipients.count()
    if total != expected:
        raise AudienceChanged(total)
    if total == 0:
        raise ValidationError(
            _("Nobody agreed to hear from you yet: there is no one to send it to.")
        )
    queued = 0
    for chunk in _slices(recipients.order_by("pk").iterator(chunk_size=QUEUE_BATCH)):
        queued += len(queue_emails(chunk, Email.Kind.UPDATE, about=locked.pk))
    Update.objects.filter(pk=locked.pk).update(
        sent_at=timezone.now(), sent_by=actor, recipients=queued
    )
    record(actor, AuditEntry.Action.UPDATE, update=str(locked.pk), recipients=queued)
    update.refresh_from_db()
    return queued


def _slices(rows, size: int = QUEUE_BATCH):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def progress(update: Update) -> dict[str, int]:
    """The update's e-mails: sent, waiting (queued or being sent), failed."""
    rows = dict(
        Email.objects.filter(kind=Email.Kind.UPDATE, about=update.pk)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "sent": rows.get(Email.State.SENT, 0),
        "waiting": rows.get(Email.State.PENDING, 0) + rows.get(Email.State.SENDING, 0),
        "failed": rows.get(Email.State.FAILED, 0),
    }
