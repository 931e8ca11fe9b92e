import re

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from undersigned.areas.forms import FIELD_PREFIX, UNSURE, AreaStep
from undersigned.areas.lookup import place, recipients_for
from undersigned.areas.models import type_label
from undersigned.areas.postal import InvalidPostalCode, normalise_postal_code
from undersigned.campaigns.cache import campaign_by_slug
from undersigned.counting.counts import confirmed_count
from undersigned.memo import Expiring
from undersigned.participation.actions import current_publication
from undersigned.participation.models import PublishedTally
from undersigned.participation.queries import area_url

_counts: Expiring[int] = Expiring("PAGE_FRESH_SECONDS", max_entries=1_000)


@require_safe
@cache_control(public=True, max_age=15)
def campaign_count(request: HttpRequest, slug: str) -> JsonResponse:
    campaign = campaign_by_slug(slug)
    if campaign is None or not campaign.is_public:
        raise Http404("No such campaign")
    # Public caches keep the answer 15 s; each process keeps the count for
    # PAGE_FRESH_SECONDS, so a crowd of readers costs one query a second.
    confirmed = _counts.get(campaign.pk, lambda: confirmed_count(campaign))
    response = JsonResponse(
        {
            "campaign": campaign.slug,
            "status": campaign.status,
            "confirmed": confirmed,
            "goal": campaign.goal,
        }
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


LOOKUP_MAX_AGE = 300


def phrases() -> dict[str, str]:
    """The sentences areas.js builds its preview from, in the page's language:
    `{names}` and `{areas}` are filled in by the script."""
    return {
        "goes_to": gettext("Your letter will go to: {names}."),
        "choose": gettext("Choose your {areas} to see everyone it goes to."),
        "choose_first": gettext("Choose your {areas} to see whom your letter goes to."),
        "and": gettext(" and "),
        "required": gettext("(required)"),
    }


SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")


def _lookup_error(status: int, message: str) -> JsonResponse:
    response = JsonResponse({"error": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def area_lookup(request: HttpRequest) -> JsonResponse:
    """Where a postal code lies; with ?campaign=slug, also whom the letter goes to
    and which areas the signer must choose between.

    GET /api/areas/lookup?country=US&postal_code=02143
    GET /api/areas/lookup?campaign=end-face-surveillance&postal_code=02143

    The postal code travels in the query string so that browsers and caches
    can keep the answer. It is the only signer-typed value we accept in a URL
    (never a name or an e-mail), and our logs record paths without query
    strings. Bad input answers 400 with a message; it never raises.
    """
    campaign = None
    slug = request.GET.get("campaign", "")
    if slug:
        campaign = campaign_by_slug(slug) if SLUG.match(slug) else None
        if campaign is None or not campaign.is_public:
            return _lookup_error(404, "No such campaign.")
        country = campaign.country
    else:
        country = request.GET.get("country", "").strip().upper()
        if not COUNTRY.match(country):
            return _lookup_error(400, "Give the country as a two-letter code, like US.")
    raw = request.GET.get("postal_code", "")
    if not raw.strip():
        return _lookup_error(400, "Give a postal_code.")
    if len(raw) > 40:
        return _lookup_error(400, "That postal code is too long.")
    try:
        postal_code = normalise_postal_code(raw, country)
    except InvalidPostalCode as error:
        return _lookup_error(400, str(error))
    step = AreaStep(campaign, postal_code) if campaign is not None else None
    placement = step.placement if step is not None else place(country, postal_code)
    body = {
        "country": country,
        "postal_code": postal_code,
        "known": placement.known,
        "divisions": [
            {"id": d.ocd_id, "name": d.public_name, "type": d.type} for d in placement.divisions
        ],
    }
    if step is not None:
        # What waits for our data before any choice; each "I'm not sure" adds its own.
        body["notice"] = step.notice()
        body["choices"] = [
            {
                "field": name,
                "label": str(field.label),
                "area": type_label(name.removeprefix(FIELD_PREFIX)),
                "options": [{"id": value, "name": str(label)} for value, label in field.choices],
                "unsure_notice": step.notice({name: UNSURE}),
            }
            for name, field in step.fields.items()
        ]
        body["phrases"] = phrases()
        body["recipients"] = [
            {"name": r.name, "office": r.office, "division": r.division}
            for r in recipients_for(campaign, placement.divisions)
        ]
    response = JsonResponse(body)
    patch_cache_control(response, public=True, max_age=LOOKUP_MAX_AGE)
    return response


AREAS_MAX_AGE = 300
DIVISION_TYPE = re.compile(r"^[a-z_]{1,50}$")


@require_safe
def campaign_areas(request: HttpRequest, slug: str) -> JsonResponse:
    """Confirmed signers by area, for partners' own sites.

    GET /api/campaigns/end-face-surveillance/areas.json[?type=place]

    The same published numbers as the area pages (refreshed at most hourly),
    with the same small-area protection: an area with fewer confirmed signers
    than the campaign's threshold is not listed at all, so the answer never
    tells such an area from one where nobody signed. Cacheable by anyone, and
    readable from any origin (no cookies are involved).
    """
    campaign = campaign_by_slug(slug) if SLUG.match(slug) else None
    if campaign is None or not campaign.is_public:
        return _lookup_error(404, "No such campaign.")
    division_type = request.GET.get("type", "")
    if division_type and not DIVISION_TYPE.match(division_type):
        return _lookup_error(400, "Give the area type in lower case, like place or state.")
    publication = current_publication(campaign)
    tallies = PublishedTally.objects.of(campaign).by_size()
    if division_type:
        tallies = tallies.filter(division__type=division_type)
    response = JsonResponse(
        {
            "campaign": campaign.slug,
            "as_of": publication.as_of.isoformat(),
            "threshold": publication.threshold,
            "note": f"Areas with fewer than {publication.threshold} confirmed signers, or whose "
            "signers are too few networks or days apart, are not listed. Counts are published "
            "at most once an hour.",
            "areas": [
                {
                    "id": tally.division.ocd_id,
                    "name": tally.division.public_name,
                    "type": tally.division.type,
                    "confirmed": tally.confirmed,
                    "url": settings.SITE_URL + area_url(campaign, tally.division),
                }
                for tally in tallies
            ],
        }
    )
    patch_cache_control(response, public=True, max_age=AREAS_MAX_AGE)
    response["Access-Control-Allow-Origin"] = "*"
    return response
