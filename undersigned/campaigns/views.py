from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from undersigned.abuse import challenge
from undersigned.abuse.timing import issue_form_token
from undersigned.participation.queries import area_link
from undersigned.signatures.actions import recognise
from undersigned.signatures.forms import SignForm
from undersigned.signatures.models import confirmed_count, confirmed_counts

from .models import Campaign


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    campaigns = list(Campaign.objects.filter(status=Campaign.Status.LIVE))
    counts = confirmed_counts(campaigns)
    for campaign in campaigns:
        campaign.count = counts.get(campaign.pk, 0)
    return render(request, "campaigns/home.html", {"campaigns": campaigns})


def visible_campaign(request: HttpRequest, slug: str) -> Campaign:
    """A campaign the requester may see: public ones, and drafts for staff."""
    # The page and its sign form both list the partners: one query serves both.
    campaign = get_object_or_404(Campaign.objects.prefetch_related("partners"), slug=slug)
    if not campaign.is_public and not request.user.is_staff:
        raise Http404("No such campaign")
    return campaign


def render_campaign(
    request: HttpRequest, campaign: Campaign, form: SignForm | None = None, status: int = 200
) -> HttpResponse:
    device = recognise(request.COOKIES.get(settings.REMEMBER_COOKIE))
    if form is None and campaign.is_live:
        form = SignForm(campaign, device=device)
    count = confirmed_count(campaign)
    targets = list(campaign.targets.select_related("official"))
    context = {
        "campaign": campaign,
        "form": form,
        "device": device,
        "count": count,
        "percent": min(100, round(100 * count / campaign.goal)),
        "targets": targets,
        "area_rules": list(campaign.target_rules.all()),
        "addressee": campaign.addressee or ", ".join(str(target) for target in targets),
        "partners": list(campaign.partners.all()),
        "letter": campaign.current_letter(),
        # Re-rendering after an error keeps the first render's time.
        "form_token": request.POST.get("issued") or issue_form_token(),
        "pow_puzzle": challenge.issue() if campaign.proof_of_work and form else None,
    }
    return render(request, "campaigns/campaign.html", context, status=status)


@require_GET
def campaign_page(request: HttpRequest, slug: str) -> HttpResponse:
    return render_campaign(request, visible_campaign(request, slug))


@require_GET
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = visible_campaign(request, slug)
    context = {
        "campaign": campaign,
        "count": confirmed_count(campaign),
        "share_url": settings.SITE_URL + campaign.get_absolute_url(),
        # ?area=<division id>, set by the confirmation redirect: "find others near you".
        "area": area_link(campaign, request.GET.get("area")),
    }
    return render(request, "campaigns/thanks.html", context)
