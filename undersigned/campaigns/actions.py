"""What happens to campaigns: every change of a campaign's state goes through here."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import Campaign, LetterVersion
from .signals import campaign_closed


@transaction.atomic
def save_campaign(campaign: Campaign) -> Campaign:
    """Save a campaign and record its letter as a new version if the text changed.

    Signatures point at the version they agreed to, so a version is never
    edited in place once it exists.
    """
    closing = campaign.status == Campaign.Status.CLOSED and campaign.closed_at is None
    if closing:
        campaign.closed_at = timezone.now()
    campaign.save()
    if closing:
        campaign_closed.send(sender=Campaign, campaign=campaign)
    latest = (
        LetterVersion.objects.select_for_update().filter(campaign=campaign).order_by("-number")
    ).first()
    if latest and (latest.subject, latest.body) == (campaign.letter_subject, campaign.letter_body):
        return campaign
    LetterVersion.objects.create(
        campaign=campaign,
        number=(latest.number + 1) if latest else 1,
        subject=campaign.letter_subject,
        body=campaign.letter_body,
    )
    return campaign


def close_campaign(campaign: Campaign) -> Campaign:
    campaign.status = Campaign.Status.CLOSED
    return save_campaign(campaign)
