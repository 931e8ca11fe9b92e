"""The campaigns public requests read, kept in each web process for a moment.

Every page view, count and signature needs the campaign with its partners,
rules, targets and letter: six statements that change only when staff edit
the campaign. Each process keeps them for CAMPAIGN_FRESH_SECONDS (see
undersigned/memo.py); saving any of them clears the cache of the process that
saved, and the others catch up within those seconds. A campaign closed in the
admin may therefore take a signature for up to that long in another process,
as a signature may be confirmed after the close: both are counted and go with
the next delivery.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import Http404, HttpRequest

from undersigned.memo import Expiring, forget_all

from .models import Campaign

_by_slug: Expiring[Campaign | None] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=1_000)
_by_pk: Expiring[Campaign | None] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=1_000)

# What Campaign.objects.with_page_data() reads: an edit to any clears the caches.
CACHED_MODELS = (
    "campaigns.Campaign",
    "campaigns.Partner",
    "campaigns.Target",
    "campaigns.LetterVersion",
    "campaigns.CampaignTranslation",
    "areas.TargetRule",
    "campaigns.DeliveryRule",
    "campaigns.ShareImage",
)


def campaign_by_slug(slug: str) -> Campaign | None:
    return _by_slug.get(slug, lambda: Campaign.objects.with_page_data().filter(slug=slug).first())


def campaign_by_pk(pk: int) -> Campaign | None:
    return _by_pk.get(pk, lambda: Campaign.objects.with_page_data().filter(pk=pk).first())


def visible_campaign(request: HttpRequest, slug: str) -> Campaign:
    """A campaign the requester may see: public ones, and drafts for staff who
    may see campaigns in the admin."""
    # Shared by the threads of this process for a moment: read, never change it.
    campaign = campaign_by_slug(slug)
    if campaign is None:
        raise Http404("No such campaign")
    if not campaign.is_public and not may_preview(request):
        raise Http404("No such campaign")
    return campaign


def may_preview(request: HttpRequest) -> bool:
    # The admin's own door (staff, second factor passed), then the permission.
    return admin.site.has_permission(request) and request.user.has_perm("campaigns.view_campaign")


def _edited(**kwargs) -> None:
    forget_all()


def connect_signals() -> None:
    for model in CACHED_MODELS:
        post_save.connect(_edited, sender=model, dispatch_uid=f"campaign-cache-save-{model}")
        post_delete.connect(_edited, sender=model, dispatch_uid=f"campaign-cache-delete-{model}")
    m2m_changed.connect(
        _edited, sender=Campaign.partners.through, dispatch_uid="campaign-cache-partners"
    )
