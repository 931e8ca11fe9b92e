"""Render an Email row into the message the worker sends."""

from __future__ import annotations

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from undersigned.signatures.links import absolute, confirm_url
from undersigned.signatures.rights import manage_url, unsubscribe_url

from .models import Email

SUBJECTS = {
    Email.Kind.CONFIRM: "Please confirm your signature: {title}",
    Email.Kind.ALREADY_SIGNED: "You have already signed: {title}",
}


def build_message(email: Email) -> EmailMultiAlternatives:
    signature = email.signature
    campaign = signature.campaign
    context = {
        "signature": signature,
        "campaign": campaign,
        "site_name": settings.SITE_NAME,
        "campaign_url": absolute(campaign.get_absolute_url()),
        "confirm_url": confirm_url(signature) if signature.status == "pending" else "",
        "manage_url": manage_url(signature),
    }
    unsubscribe = unsubscribe_url(signature)
    template = f"mail/{email.kind}"
    message = EmailMultiAlternatives(
        subject=SUBJECTS[email.kind].format(title=campaign.title),
        body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[formataddr((signature.full_name, signature.email))],
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
