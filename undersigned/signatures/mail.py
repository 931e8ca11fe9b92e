"""What the e-mails to a signer say (the outbox renders and sends them)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects

from undersigned.campaigns.cache import campaign_by_pk
from undersigned.outbox.models import Email

from .links import absolute, confirm_url
from .placing import waiting_notice
from .rights import manage_url, unsubscribe_url


def signer_context(email: Email) -> dict[str, Any]:
    """The context every e-mail to a signer is rendered with: their campaign,
    their private links and, once their address is confirmed, their name.

    Before that, whoever typed the address also typed the name: it could be
    anyone's address and any text ("Visit https://… to keep your account"),
    and our mail must not carry it to a stranger in the organisation's name.
    So mail to an address not yet confirmed greets nobody by name and puts no
    name in the To header.
    """
    signature = email.signature
    # The process's copy of the campaign, with its translations (campaign.text
    # reads them several times per message) and its rules (the notice reads
    # them): a surge's e-mails read none of them afresh (campaigns/cache.py).
    campaign = campaign_by_pk(signature.campaign_id) or signature.campaign
    if campaign is signature.campaign:
        prefetch_related_objects([campaign], "translations")
    signature.campaign = campaign
    confirmed = signature.confirmed_at is not None
    return {
        "first_name": signature.first_name if confirmed else "",
        "to_name": signature.full_name if confirmed else "",
        "signature": signature,
        "campaign": campaign,
        "site_name": settings.SITE_NAME,
        "campaign_url": absolute(campaign.get_absolute_url()),
        "confirm_url": confirm_url(signature) if signature.awaiting_confirmation else "",
        "manage_url": manage_url(signature),
        "unsubscribe_url": unsubscribe_url(signature),
        # What waits for our data (areas, lawmakers), said once the signer is placed.
        "notice": waiting_notice(signature) if email.kind in NOTICE_KINDS else "",
    }


NOTICE_KINDS = {Email.Kind.CONFIRM, Email.Kind.RECEIPT}
