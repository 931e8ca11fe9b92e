"""Render an Email row into the message the worker sends."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.encoding import punycode

from undersigned.signatures.links import absolute, confirm_url
from undersigned.signatures.rights import manage_url, unsubscribe_url

from .models import Email

SUBJECTS = {
    Email.Kind.CONFIRM: "Please confirm your signature: {title}",
    Email.Kind.ALREADY_SIGNED: "You have already signed: {title}",
    Email.Kind.DELIVERED: "Your letter was delivered: {title}",
}


def recipient(signature) -> str:
    """The To address. formataddr() takes only ASCII, so an internationalised
    domain goes in its IDNA form, the name mail servers deliver to."""
    local, _, domain = signature.email.rpartition("@")
    return formataddr((signature.full_name, f"{local}@{punycode(domain)}"))


def build_message(email: Email) -> EmailMultiAlternatives:
    signature = email.signature
    campaign = signature.campaign
    context = {
        "signature": signature,
        "campaign": campaign,
        "site_name": settings.SITE_NAME,
        "campaign_url": absolute(campaign.get_absolute_url()),
        "confirm_url": confirm_url(signature) if signature.awaiting_confirmation else "",
        "manage_url": manage_url(signature),
    }
    if email.kind == Email.Kind.DELIVERED:
        from undersigned.deliveries.rendering import delivered_context

        context.update(delivered_context(signature))
    unsubscribe = unsubscribe_url(signature)
    template = f"mail/{email.kind}"
    message = EmailMultiAlternatives(
        subject=SUBJECTS[email.kind].format(title=campaign.title),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient(signature)],
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
