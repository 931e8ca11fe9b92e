"""What a partner organisation's users see: the campaigns it co-sponsors,
their counts, their public area pages, and an export of exactly the
supporters who agreed to hear from the partner (exports.py). Nothing else: no
drafts, no other partner's campaigns or supporters, no review queue."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from undersigned.campaigns.models import Campaign
from undersigned.counting.counts import confirmed_counts
from undersigned.participation.models import LocalGroup
from undersigned.participation.queries import area_url
from undersigned.staff.roles import partner_of

from .access import partner_campaign, partner_view
from .exports import partner_audience


@partner_view
def partner_campaigns(request: HttpRequest) -> HttpResponse:
    partner = partner_of(request.user)
    found = list(Campaign.objects.public().filter(partners=partner)) if partner else []
    counts = confirmed_counts(campaign.pk for campaign in found)
    rows = [{"campaign": campaign, "confirmed": counts[campaign.pk]} for campaign in found]
    return render(request, "organise/partner_campaigns.html", {"partner": partner, "rows": rows})


@partner_view
def partner_campaign_page(request: HttpRequest, pk: int) -> HttpResponse:
    partner, campaign = partner_campaign(request, pk)
    groups = LocalGroup.objects.filter(partner=partner).select_related("division")
    context = {
        "partner": partner,
        "campaign": campaign,
        "confirmed": confirmed_counts([campaign.pk])[campaign.pk],
        "consenting": partner_audience(campaign, partner).count(),
        "groups": [(group, area_url(campaign, group.division)) for group in groups],
    }
    return render(request, "organise/partner_campaign.html", context)
