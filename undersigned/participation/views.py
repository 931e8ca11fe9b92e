"""Find other participants: the area pages, the campaign overview and the
postal-code search.

Everything with a number on it reads the campaign's published numbers
(actions.current_publication), never the live tallies; see models.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from undersigned.areas.lookup import place
from undersigned.areas.postal import InvalidPostalCode, normalise_postal_code
from undersigned.campaigns.cache import visible_campaign
from undersigned.deliveries.models import Delivery, area_label
from undersigned.memo import FOREVER, Expiring

from .actions import current_publication
from .charts import chart, cumulative
from .maps import us_map
from .models import PublishedTally
from .published import CAMPAIGNS_KEPT, kept_per_publication, published_areas
from .queries import (
    Progress,
    area_types,
    area_url,
    area_with_ancestors,
    listed_participants,
    local_groups,
    local_rule,
    offices,
    preferred,
)

TOP_AREAS = 10
MAX_DOTS = 500
RECENT_DELIVERIES = 10
# The US map shades what lies directly under the country (states and DC).
STATE_TYPES = ["state", "district"]
MAX_POSTAL_INPUT = 40


def with_urls(campaign, tallies):
    for tally in tallies:
        tally.url = area_url(campaign, tally.division)
        tally.label = area_label(tally.division)
    return tallies


def and_list(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) < 3:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True)
class Ranked:
    """An area in a table of areas: its label, page and count."""

    label: str
    url: str
    confirmed: int


@require_safe
def area(request: HttpRequest, slug: str, ocd: str) -> HttpResponse:
    """One area of one campaign: its count, progress to the next delivery, the
    deliveries made, local groups, and the signers who asked to be listed."""
    campaign = visible_campaign(request, slug)
    if len(ocd) > 290 or not ocd.isprintable():
        raise Http404("No such area")
    found = area_with_ancestors("ocd-division/" + ocd)
    if found is None:
        raise Http404("No such area")
    division, above = found
    publication = current_publication(campaign)
    threshold = publication.threshold
    areas = published_areas(publication)
    public = areas.get(division.pk)
    rule = local_rule(campaign, division)
    context = {
        "campaign": campaign,
        "division": division,
        "name": area_label(division),
        "threshold": threshold,
        "public": public,
        "as_of": publication.as_of,
        "rule": rule,
        "offices": and_list(offices(campaign, division) if rule is not None else []),
        "progress": Progress(public.confirmed, rule.batch_size, public.milestones)
        if rule is not None and public is not None
        else None,
        "groups": local_groups(campaign, division),
        "within": [
            Ranked(area_label(inside), area_url(campaign, inside), inside.confirmed)
            for inside in areas.within(division.ocd_id)
        ],
        "ancestors": [(area_label(d), area_url(campaign, d)) for d in above],
        "share_url": settings.SITE_URL + area_url(campaign, division),
        "deliveries": [],
        "participants": [],
    }
    if public is not None:
        context["deliveries"], context["earlier_deliveries"] = recent_deliveries(campaign, division)
    if public is not None and public.named:
        context["participants"], context["more_participants"] = listed_participants(
            campaign, division, publication.as_of
        )
    return render(request, "participation/area.html", context)


def recent_deliveries(campaign, division) -> tuple[list[Delivery], int]:
    """The area's latest deliveries, and how many earlier ones there are (one
    query: the total rides along on each row)."""
    recent = list(
        Delivery.objects.filter(campaign=campaign, division=division)
        # Not the rendered letter and list they carry: sealed, and large.
        .select_related("division")
        .defer("pdf", "csv")
        .annotate(total=Window(Count("pk")))
        .order_by("-created_at")[:RECENT_DELIVERIES]
    )
    return recent, max(0, recent[0].total - RECENT_DELIVERIES) if recent else 0


@require_safe
def overview(request: HttpRequest, slug: str) -> HttpResponse:
    """Where a campaign's signers are: the areas with the most, a map, a chart."""
    campaign = visible_campaign(request, slug)
    publication = current_publication(campaign)
    seen = Overview(
        campaign.pk,
        campaign.slug,
        campaign.text.title,
        get_language(),
        campaign.country,
        tuple(area_types(campaign)),
        publication.as_of,
        publication.threshold,
        tuple(map(tuple, publication.by_day)),
    )
    context = {
        "campaign": campaign,
        "threshold": publication.threshold,
        "as_of": publication.as_of,
        **_overviews.get(seen, lambda: overview_of(seen)),
    }
    return render(request, "participation/overview.html", context)


@dataclass(frozen=True)
class Overview:
    """What the overview of a campaign is drawn from: one publication, and the
    campaign's name, address and the area types it is organised by."""

    campaign_id: int
    slug: str
    title: str
    # Drawn once per language: the map and chart carry words and numbers.
    language: str
    country: str
    types: tuple[str, ...]
    as_of: datetime.datetime
    threshold: int
    by_day: tuple[tuple[str, int], ...]


# Forgotten with the publication's other numbers (published.forget()).
_overviews: Expiring[dict] = Expiring(FOREVER, max_entries=CAMPAIGNS_KEPT)
kept_per_publication.append(_overviews)


def overview_of(seen: Overview) -> dict:
    """The overview's tables, map and chart: the same for everyone until the
    next publication, so drawn once per process (read only once drawn)."""
    published = PublishedTally.objects.of(seen.campaign_id)
    # A campaign organised by area ranks those areas; any other, every area.
    ranked = (
        published.filter(division__type__in=seen.types)
        if seen.types
        else published.exclude(division__type="country")
    )
    # area_url() needs only the slug, which `seen` has.
    parts = {"top": with_urls(seen, list(ranked.by_size()[:TOP_AREAS]))}
    if seen.country == "US":
        states = published.filter(division__country="US", division__type__in=STATE_TYPES)
        states = with_urls(seen, list(states.by_size()))
        dots = list(published.filter(map_x__isnull=False).by_size()[:MAX_DOTS])
        parts["states"] = states
        parts["map_svg"] = us_map(
            states,
            dots,
            seen.threshold,
            title=_("Where people have signed “%(title)s”") % {"title": seen.title},
        )
    days = [(datetime.date.fromisoformat(day), n) for day, n in seen.by_day]
    series = cumulative(days, seen.as_of.date())
    parts["series"] = series
    parts["total"] = series[-1].total if series else 0
    parts["chart_svg"] = chart(series, title=_("Confirmed signatures over time"))
    return parts


@require_safe
def find(request: HttpRequest, slug: str) -> HttpResponse:
    """The areas a postal code lies in: straight to the one, or a list to choose from.

    This GET form is the one place a signer-typed value (the postal code, and
    nothing else) travels in a URL: a search has to be linkable and work
    without JavaScript, and the answer is the same for everyone. The pages it
    leads to carry only the area.
    """
    campaign = visible_campaign(request, slug)
    raw = request.GET.get("postal_code", "")
    context = {"campaign": campaign, "postal_code": ""}
    error = None
    if not raw.strip():
        error = _("Enter a postal code to find your area.")
    elif len(raw) > MAX_POSTAL_INPUT:
        error = _("That is too long for a postal code.")
    else:
        try:
            context["postal_code"] = normalise_postal_code(raw, campaign.country)
        except InvalidPostalCode as problem:
            error = str(problem)
    if error:
        context["error"] = error
        return render(request, "participation/find.html", context, status=400)
    placement = place(campaign.country, context["postal_code"])
    if not placement.known:
        context["unknown"] = True
        return render(request, "participation/find.html", context, status=404)
    types = area_types(campaign)
    ranked = preferred(placement.divisions, types)
    main = [division for division in ranked if division.type in types] or ranked[:1]
    if len(main) == 1:
        return redirect(area_url(campaign, main[0]))
    publication = current_publication(campaign)
    counts = dict(
        PublishedTally.objects.filter(campaign=campaign, division__in=ranked).values_list(
            "division_id", "confirmed"
        )
    )
    context["choices"] = [(area_label(d), area_url(campaign, d), counts.get(d.pk)) for d in main]
    context["others"] = [
        (area_label(d), area_url(campaign, d), counts.get(d.pk)) for d in ranked if d not in main
    ]
    context["threshold"] = publication.threshold
    return render(request, "participation/find.html", context)
