"""A campaign's dashboard: how it is doing, and the few things to act on.

Every number is read by a fixed number of grouped queries, whatever the
number of signatures (tests/test_the_dashboard_runs_a_constant_number_of_queries.py;
bench/dashboard_at_scale.py measures it at a million):

- confirmed signatures from the tallies (counting.counts), the others by a
  count over the (campaign, status) index of the few that are not confirmed;
- signatures over time: the campaign's published days (the public chart's,
  once an hour) and the change since, from the exact count;
- the areas closest to their next delivery, from the tallies;
- deliveries by state, and the e-mails that failed, grouped;
- signatures waiting for an area, per state (signatures.placing).

The actions (retry, mark mailed, place now) are the deliveries' and
signatures' own, which check nothing the view has not, and write the audit
log with the organiser's name.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.db.models.functions import Greatest
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from undersigned.abuse.actions import set_protection
from undersigned.campaigns.models import Campaign, DeliveryRule
from undersigned.campaigns.readiness import checklist
from undersigned.counting.counts import confirmed_counts
from undersigned.counting.models import Tally
from undersigned.deliveries import sending
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.deliveries.rendering import file_stem
from undersigned.outbox.models import Email
from undersigned.participation.actions import current_publication
from undersigned.participation.charts import Day, chart, cumulative
from undersigned.participation.queries import Progress, area_url
from undersigned.signatures import placing
from undersigned.signatures.models import Signature

from .access import organiser_campaign, organiser_view
from .builder import actor
from .forms import ProtectionForm
from .review import is_uuid

# How many of each list the dashboard shows.
CLOSEST = 10
LISTED = 20

State = DeliveryAttempt.State


def status_counts(campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """{campaign id: {status: signatures}}: confirmed from the tallies, pending
    and in review counted over the status index (never every signature)."""
    confirmed = confirmed_counts(campaign_ids)
    counts = {pk: {Signature.Status.CONFIRMED.value: confirmed.get(pk, 0)} for pk in campaign_ids}
    rows = (
        Signature.objects.filter(
            campaign_id__in=campaign_ids,
            status__in=[Signature.Status.PENDING, Signature.Status.QUARANTINED],
        )
        .values_list("campaign_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for campaign_id, status, n in rows:
        counts[campaign_id][status] = n
    return counts


@dataclass(frozen=True)
class AreaProgress:
    name: str
    url: str
    progress: Progress


def closest_areas(campaign: Campaign) -> list[AreaProgress]:
    """The areas fewest signers away from their next delivery, in one query."""
    rules = {
        rule.division_type: rule.batch_size
        for rule in campaign.delivery_rules.all()
        if rule.kind == DeliveryRule.Kind.LOCAL and rule.batch_size > 0
    }
    if not rules:
        return []
    batch = Case(
        *[When(division__type=kind, then=Value(size)) for kind, size in rules.items()],
        output_field=IntegerField(),
    )
    tallies = (
        Tally.objects.filter(campaign=campaign, division__type__in=list(rules), confirmed__gt=0)
        .annotate(batch=batch)
        .annotate(
            next=(Greatest(F("milestones_created"), F("confirmed") / F("batch")) + 1) * F("batch")
        )
        .annotate(remaining=F("next") - F("confirmed"))
        .select_related("division")
        .order_by("remaining", "-confirmed", "division__name")[:CLOSEST]
    )
    return [
        AreaProgress(
            division.public_name,
            area_url(campaign, division),
            Progress(tally.confirmed, tally.batch, tally.milestones_created),
        )
        for tally in tallies
        if (division := tally.division) is not None
    ]


@dataclass(frozen=True)
class Over:
    """Signatures over time: the chart, its table, and how fresh each part is."""

    svg: str
    days: list[Day]
    published_at: datetime.datetime
    since: int


def over_time(campaign: Campaign, confirmed: int) -> Over:
    """The published days (the public chart's numbers, at most an hour old), and
    the change since then from the exact count, added to today."""
    publication = current_publication(campaign)
    days = publication.days()
    since = confirmed - publication.total
    today = timezone.now().astimezone(datetime.UTC).date()
    if since:
        by_day = dict(days)
        by_day[today] = by_day.get(today, 0) + since
        days = sorted(by_day.items())
    series = cumulative(days, today)
    return Over(
        svg=chart(series, title=_("Confirmed signatures over time")),
        days=series,
        published_at=publication.as_of,
        since=since,
    )


# The states of the letters to lawmakers, in the order organisers read them.
DELIVERY_STATES = [
    ("sent", gettext_lazy("Sent")),
    ("retrying", gettext_lazy("Retrying")),
    ("queued", gettext_lazy("Queued")),
    ("failed", gettext_lazy("Failed")),
    ("awaiting_mailing", gettext_lazy("Awaiting print and post")),
]


def attempts_by_state(campaign: Campaign) -> dict[str, int]:
    """Letters to lawmakers by state; a pending or sending one already tried is
    'retrying'."""
    state = Case(
        When(
            Q(state__in=[State.PENDING, State.SENDING], attempts__gt=0),
            then=Value("retrying"),
        ),
        When(Q(state__in=[State.PENDING, State.SENDING]), then=Value("queued")),
        default=F("state"),
    )
    rows = (
        DeliveryAttempt.objects.filter(delivery__campaign=campaign)
        .annotate(shown=state)
        .values_list("shown")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys((key for key, _label in DELIVERY_STATES), 0)
    counts.update(dict(rows))
    return counts


def failed_emails(campaign: Campaign) -> dict[str, int]:
    """E-mails to this campaign's signers that failed for good, by kind."""
    rows = (
        Email.objects.filter(signature__campaign=campaign, state=Email.State.FAILED)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    labels = dict(Email.Kind.choices)
    return {str(labels.get(kind, kind)): n for kind, n in rows}


def dashboard(campaign: Campaign) -> dict:
    """Everything the dashboard shows of a launched campaign."""
    counts = status_counts([campaign.pk])[campaign.pk]
    confirmed = counts.get(Signature.Status.CONFIRMED, 0)
    attempts = _attempts(campaign)
    by_state = attempts_by_state(campaign)
    return {
        "counts": counts,
        "over_time": over_time(campaign, confirmed),
        "closest": closest_areas(campaign),
        "deliveries": [(key, label, by_state[key]) for key, label in DELIVERY_STATES],
        "failed_attempts": list(
            attempts.filter(state=State.FAILED)
            .select_related("delivery__division")
            .order_by("-delivery__created_at", "name")[:LISTED]
        ),
        "to_post": list(
            Delivery.objects.filter(campaign=campaign, attempts__state=State.AWAITING_MAILING)
            .select_related("division")
            .annotate(letters=Count("attempts"))
            .order_by("created_at", "pk")[:LISTED]
        ),
        "failed_emails": failed_emails(campaign),
        "waiting": placing.waiting_by_state(campaign),
    }


def dashboard_page(
    request: HttpRequest,
    campaign: Campaign,
    *,
    problem: str = "",
    status: int = 200,
    protection: ProtectionForm | None = None,
) -> HttpResponse:
    """A draft's steps and what stops its launch; a launched campaign's dashboard."""
    if campaign.status == Campaign.Status.DRAFT:
        context = {
            "campaign": campaign,
            "counts": status_counts([campaign.pk])[campaign.pk],
            "checklist": checklist(campaign),
        }
    else:
        context = {"campaign": campaign, **dashboard(campaign)}
        context["protection"] = protection or ProtectionForm(
            initial={
                "rate_limit_per_hour": campaign.rate_limit_per_hour,
                "proof_of_work": campaign.proof_of_work,
            }
        )
    context["problem"] = problem
    return render(request, "organise/campaign.html", context, status=status)


# Acting on it ----------------------------------------------------------------


def _attempts(campaign: Campaign):
    return DeliveryAttempt.objects.filter(delivery__campaign=campaign)


@organiser_view
@require_POST
def retry_deliveries(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    count = sending.retry(_attempts(campaign), actor=actor(request))
    messages.success(
        request,
        ngettext(
            "%(n)d failed letter will be sent again.",
            "%(n)d failed letters will be sent again.",
            count,
        )
        % {"n": count},
    )
    return redirect("organise:campaign", pk=campaign.pk)


@organiser_view
@require_POST
def mark_mailed(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark the letters of the ticked deliveries as posted."""
    campaign = organiser_campaign(pk)
    ticked = request.POST.getlist("delivery")
    if not ticked or not all(is_uuid(value) for value in ticked):
        problem = _("Tick the deliveries whose letters you posted. Nothing was marked.")
        return dashboard_page(request, campaign, problem=problem, status=400)
    count = sending.mark_mailed(
        _attempts(campaign).filter(delivery_id__in=ticked), actor=actor(request)
    )
    messages.success(
        request,
        ngettext("%(n)d letter marked as mailed.", "%(n)d letters marked as mailed.", count)
        % {"n": count},
    )
    return redirect("organise:campaign", pk=campaign.pk)


@organiser_view
@require_POST
def protection(request: HttpRequest, pk: int) -> HttpResponse:
    """Set how a live campaign checks sign-ups (abuse.actions.set_protection)."""
    campaign = organiser_campaign(pk)
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404("A draft is set in its builder")
    form = ProtectionForm(request.POST)
    if not form.is_valid():
        problem = _("Nothing was changed: see the protection settings below.")
        return dashboard_page(request, campaign, problem=problem, status=400, protection=form)
    set_protection(campaign, actor=actor(request), **form.cleaned_data)
    messages.success(request, _("Protection settings saved; every page uses them at once."))
    return redirect("organise:campaign", pk=campaign.pk)


@organiser_view
def delivery_pack(request: HttpRequest, pk: int, delivery_id) -> HttpResponse:
    """The printable pack of one delivery's letters to post (audited as an export)."""
    campaign = organiser_campaign(pk)
    delivery = get_object_or_404(
        Delivery.objects.select_related("campaign", "division", "letter_version"),
        pk=delivery_id,
        campaign=campaign,
    )
    pdf = sending.pack(delivery, actor=actor(request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{file_stem(delivery)}-pack.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@organiser_view
@require_POST
def place_now(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    if campaign.status == Campaign.Status.DRAFT:
        raise Http404("A draft has no signatures")
    report = placing.place_waiting_for(campaign, actor=actor(request))
    messages.success(
        request,
        ngettext(
            "%(placed)d of %(n)d waiting signature placed.",
            "%(placed)d of %(n)d waiting signatures placed.",
            report.examined,
        )
        % {"placed": report.placed, "n": report.examined},
    )
    return redirect("organise:campaign", pk=campaign.pk)
