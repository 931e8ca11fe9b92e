"""Render an Email row into the message the worker sends.

What a message says is registered by the apps that write each kind, in their
AppConfig.ready(): signatures (confirm, already signed) and deliveries
(delivered), updates (update). The outbox sits below them and imports none
(docs/architecture.md). A context must give `unsubscribe_url`, the link the
List-Unsubscribe header carries, and may give `to_name`, the name in the To
header (none when it gives none: see signatures.mail for when a name may go),
and `subject`, for a kind whose subject is written by people (an update's).
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formataddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from undersigned.addresses import ascii_address

from .models import Email

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SUBJECTS: dict[str, StrOrPromise] = {
    Email.Kind.CONFIRM: _("Please confirm your signature: %(title)s"),
    Email.Kind.ALREADY_SIGNED: _("You have already signed: %(title)s"),
    Email.Kind.DELIVERED: _("Your letter was delivered: %(title)s"),
    Email.Kind.RECEIPT: _("You signed: %(title)s"),
}

Context = Callable[[Email], dict[str, Any]]
_contexts: dict[str, Context] = {}


def register(kind: str, context: Context) -> None:
    """Say what the messages of one kind are rendered with (templates mail/<kind>.*)."""
    _contexts[kind] = context


def recipient(signature: Any, name: str = "") -> str:
    """The To address. formataddr() takes only ASCII, so an internationalised
    domain goes in its IDNA 2008 form, the name mail servers deliver to."""
    return formataddr((name, ascii_address(signature.email)))


def build_message(email: Email) -> EmailMultiAlternatives:
    """The message in the language the signer signed in."""
    with translation.override(email.signature.language):
        return _build_message(email)


def _build_message(email: Email) -> EmailMultiAlternatives:
    signature = email.signature
    context = _contexts[email.kind](email)
    template = f"mail/{email.kind}"
    message = EmailMultiAlternatives(
        # The campaign's title in the signer's language when it has one.
        subject=context.get("subject")
        or SUBJECTS[email.kind] % {"title": signature.campaign.text.title},
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient(signature, context.get("to_name", ""))],
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
