from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from undersigned.campaigns.models import Campaign
from undersigned.signatures.models import confirmed_count


@require_GET
@cache_control(public=True, max_age=15)
def campaign_count(request: HttpRequest, slug: str) -> JsonResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    if not campaign.is_public:
        raise Http404("No such campaign")
    response = JsonResponse(
        {
            "campaign": campaign.slug,
            "status": campaign.status,
            "confirmed": confirmed_count(campaign),
            "goal": campaign.goal,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response
