"""Writing, testing and sending updates to supporters.

Who receives an update is decided here and nowhere else (`audience`): the
confirmed signers of its campaign who agreed to hear from its organisers and
have not taken that back, optionally only those placed in one area. Sending
queues one e-mail per recipient, once (the outbox's rows, which the worker
sends under its caps); the e-mail is checked again against the consent just
before it goes, so a supporter who unsubscribes meanwhile gets nothing.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from undersigned.areas.models import SignatureDivision
from undersigned.outbox.actions import describe_error
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


def may_receive(signature: Signature) -> bool:
    """Checked again when the e-mail is sent: still confirmed, still agreeing."""
    return audience(signature.campaign_id).filter(pk=signature.pk).exists()


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
