"""Supporters as CSV for a CRM: the organisers' export and each partner's.

Both stream (a page of 500 supporters at a time), make every cell safe in a
spreadsheet (privacy/csvsafe.py) and write the audit log before the first
row: who exported, what, and how many rows (signatures/exports.py).

A partner's export holds exactly the confirmed signers of a campaign it
co-sponsors who consented to hear from it and have not taken that back; a
partner with local groups (a local organisation, or a network of them) gets
only those placed in its groups' areas. Unconfirmed signers are in no
export: their address may not be theirs.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from undersigned.areas.models import SignatureDivision
from undersigned.campaigns.models import Campaign, Partner
from undersigned.participation.models import LocalGroup
from undersigned.privacy.csvsafe import streaming_csv_response
from undersigned.signatures.exports import SUPPORTER_HEADER, Audience, export_supporters
from undersigned.signatures.models import Consent, Signature

from .access import organiser_campaign, organiser_view, partner_campaign, partner_view
from .builder import actor
from .forms import ExportForm


def confirmed(campaign: Campaign) -> QuerySet[Signature]:
    return Signature.objects.filter(campaign=campaign, status=Signature.Status.CONFIRMED)


def consented(kind: str, partner: Partner | None = None) -> Q:
    """Signatures with this consent standing. As `pk IN (…)`, not a correlated
    EXISTS: SQLite would look each one up through the partner's index, reading
    every consent to the partner once per signature."""
    given = Consent.objects.filter(kind=kind, partner=partner, withdrawn_at__isnull=True)
    return Q(pk__in=given.values("signature_id"))


def organiser_audience(campaign: Campaign) -> QuerySet[Signature]:
    """Confirmed signers who agreed to hear from the organisers, and still do."""
    return confirmed(campaign).filter(consented(Consent.Kind.ORGANISER))


def partner_audience(campaign: Campaign, partner: Partner) -> QuerySet[Signature]:
    """Confirmed signers who agreed to hear from this partner (in its groups'
    areas, when it has local groups)."""
    found = confirmed(campaign).filter(consented(Consent.Kind.PARTNER, partner))
    areas = LocalGroup.objects.filter(partner=partner).values("division_id")
    if areas.exists():
        placed = SignatureDivision.objects.filter(division_id__in=areas)
        found = found.filter(pk__in=placed.values("signature_id"))
    return found


def filename(campaign: Campaign, who: str) -> str:
    return f"{campaign.slug}-{who}-{timezone.now():%Y%m%d-%H%M%S}.csv"


@organiser_view
def export_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    context = {"campaign": campaign, "form": ExportForm(), "columns": SUPPORTER_HEADER}
    return render(request, "organise/export.html", context)


@organiser_view
def export_csv(request: HttpRequest, pk: int) -> HttpResponse | StreamingHttpResponse:
    campaign = organiser_campaign(pk)
    form = ExportForm(request.GET)
    if not form.is_valid():
        context = {"campaign": campaign, "form": form, "columns": SUPPORTER_HEADER}
        return render(request, "organise/export.html", context, status=400)
    who = form.cleaned_data["who"]
    chosen = organiser_audience(campaign) if who == ExportForm.OPTED_IN else confirmed(campaign)
    rows = export_supporters(
        chosen, actor=actor(request), what=f"supporters ({who})", audience=Audience()
    )
    return streaming_csv_response(filename(campaign, who), SUPPORTER_HEADER, rows)


@partner_view
def partner_export_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    partner, campaign = partner_campaign(request, pk)
    rows = export_supporters(
        partner_audience(campaign, partner),
        actor=actor(request),
        what="partner's supporters",
        audience=Audience(partner),
    )
    return streaming_csv_response(filename(campaign, "partner"), SUPPORTER_HEADER, rows)
