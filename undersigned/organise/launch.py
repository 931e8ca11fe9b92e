"""Coverage before launch: the checklist, the postal-code test, the launch."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from undersigned.areas.forms import FIELD_PREFIX, UNSURE, UNSURE_LABEL
from undersigned.areas.lookup import Recipient, recipients_for
from undersigned.areas.models import Division, type_label
from undersigned.areas.postal import InvalidPostalCode, normalise_postal_code
from undersigned.campaigns import actions
from undersigned.campaigns.models import Campaign
from undersigned.campaigns.readiness import checklist, gaps_digest
from undersigned.signatures.forms import SignForm

from .access import organiser_campaign, organiser_view
from .builder import actor, render_step
from .forms import LaunchForm, PostalTestForm


@dataclass
class Choice:
    """A question the sign form asks a signer from this code, and where each answer leads."""

    label: str
    # (answer, whom the letter goes to, what the form then says waits)
    options: list[tuple[str, list[Recipient], str]] = field(default_factory=list)


@dataclass
class PostalTest:
    code: str
    error: str = ""
    areas: list[Division] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    waits: str = ""  # what the form tells the signer is waiting for our data
    recipients: list[Recipient] = field(default_factory=list)


def test_postal_code(campaign: Campaign, raw: str) -> PostalTest:
    """Exactly what the sign form makes of this postal code, and whom the letter goes to."""
    try:
        code = normalise_postal_code(raw, campaign.country)
    except InvalidPostalCode as error:
        return PostalTest(raw, error=str(error))
    form = SignForm(campaign, data={"postal_code": code})
    step = form.areas
    placement = step.placement
    result = PostalTest(code, areas=list(placement.divisions) if placement else [])
    for name, question in step.fields.items():
        division_type = name.removeprefix(FIELD_PREFIX)
        choice = Choice(str(question.label))
        others = [d for d in result.areas if d.type != division_type]
        for division in placement.of_type(division_type) if placement else []:
            choice.options.append(
                (
                    division.name,
                    recipients_for(campaign, [*others, division]),
                    step.notice({name: division.ocd_id}),
                )
            )
        choice.options.append(
            (str(UNSURE_LABEL), recipients_for(campaign, others), step.notice({name: UNSURE}))
        )
        result.choices.append(choice)
    if not result.choices:
        result.recipients = recipients_for(campaign, result.areas)
        result.waits = step.notice()
    return result


def _context(request: HttpRequest, campaign: Campaign, launch_form: LaunchForm | None = None):
    found = checklist(campaign)
    test_form = PostalTestForm(request.GET or None)
    tested = None
    if test_form.is_bound and test_form.is_valid():
        tested = test_postal_code(campaign, test_form.cleaned_data["postal_code"])
    return {
        "checklist": found,
        "digest": gaps_digest(found.gaps),
        "test_form": test_form,
        "tested": tested,
        "launch_form": launch_form or LaunchForm(),
        "type_label": type_label,
    }


@organiser_view
def launch(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    if request.method != "POST":
        return render_step(request, campaign, "launch", _context(request, campaign))
    form = LaunchForm(request.POST)
    form.is_valid()
    found = checklist(campaign)
    acknowledged = (
        found.gaps
        if form.cleaned_data.get("understood")
        and form.cleaned_data.get("acknowledged") == gaps_digest(found.gaps)
        else []
    )
    try:
        actions.launch(campaign, actor=actor(request), acknowledged=acknowledged)
    except actions.LaunchRefused as refused:
        for reason in refused.reasons:
            form.add_error(None, reason)
        return render_step(
            request, campaign, "launch", _context(request, campaign, form), status=400
        )
    campaign.refresh_from_db()
    if campaign.status == Campaign.Status.LIVE:
        messages.success(request, _("The campaign is live."))
    else:
        messages.success(
            request, _("The campaign will open on %(when)s.") % {"when": campaign.opens_at}
        )
    return redirect("organise:campaign", campaign.pk)
