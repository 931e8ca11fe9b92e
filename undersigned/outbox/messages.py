"""Render an Email row into the message the worker sends.

What a message says is registered by the apps that write each kind, in their
AppConfig.ready(): signatures (confirm, already signed) and deliveries
(delivered). The outbox sits below both and imports neither
(docs/architecture.md). A context must give `unsubscribe_url`, the link the
List-Unsubscribe header carries.
"""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from undersigned.addresses import ascii_address

from .models import Email

SUBJECTS: dict[str, str] = {
    Email.Kind.CONFIRM: "Please confirm your signature: {title}",
    Email.Kind.ALREADY_SIGNED: "You have already signed: {title}",
    Email.Kind.DELIVERED: "Your letter was delivered: {title}",
    Email.Kind.RECEIPT: "You signed: {title}",
}

Context = Callable[[Email], dict[str, Any]]
_contexts: dict[str, Context] = {}


def register(kind: str, context: Context) -> None:
    """Say what the messages of one kind are rendered with (templates mail/<kind>.*)."""
    _contexts[kind] = context


def recipient(signature: Any) -> str:
    """The To address. formataddr() takes only ASCII, so an internationalised
    domain goes in its IDNA 2008 form, the name mail servers deliver to."""
    return formataddr((signature.full_name, ascii_address(signature.email)))


def build_message(email: Email) -> EmailMultiAlternatives:
    signature = email.signature
    context = _contexts[email.kind](email)
    template = f"mail/{email.kind}"
    message = EmailMultiAlternatives(
        subject=SUBJECTS[email.kind].format(title=signature.campaign.title),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient(signature)],
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
