"""Updates to supporters: write one (Markdown), choose its audience (every
consenting supporter, or those of one area), see exactly how many it goes
to, send a test to yourself, then send it (updates.actions does each)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from undersigned.campaigns.models import Campaign
from undersigned.updates import actions
from undersigned.updates.models import Update

from .access import organiser_campaign, organiser_view
from .builder import actor
from .forms import UpdateForm


def _update(campaign: Campaign, update_id) -> Update:
    return get_object_or_404(Update.objects.select_related("area"), pk=update_id, campaign=campaign)


@organiser_view
def updates(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    context = {
        "campaign": campaign,
        "updates": list(campaign.updates.select_related("area")),
        "everyone": actions.audience(campaign).count(),
    }
    return render(request, "organise/updates.html", context)


@organiser_view
def new_update(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = organiser_campaign(pk)
    form = UpdateForm(request.POST or None, campaign=campaign)
    if request.method == "POST":
        saved = _save(request, form, campaign)
        if saved is not None:
            return redirect("organise:update", pk=campaign.pk, update_id=saved.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "organise/update_new.html", {"campaign": campaign, "form": form}, status=status
    )


@organiser_view
def update_page(request: HttpRequest, pk: int, update_id) -> HttpResponse:
    """The update as supporters will read it, its exact audience, and what to do next."""
    campaign = organiser_campaign(pk)
    update = _update(campaign, update_id)
    form = None if update.is_sent else UpdateForm(instance=update, campaign=campaign)
    status = 200
    if request.method == "POST" and not update.is_sent:
        form = UpdateForm(request.POST, instance=update, campaign=campaign)
        if _save(request, form, campaign) is not None:
            messages.success(request, _("Saved."))
            return redirect("organise:update", pk=campaign.pk, update_id=update.pk)
        status = 400
        update = _update(campaign, update_id)  # as saved, not as the bad form left it
    return render(request, "organise/update.html", page_context(update, form), status=status)


def page_context(update: Update, form: UpdateForm | None, **extra) -> dict:
    return {
        "campaign": update.campaign,
        "update": update,
        "form": form,
        "recipients": actions.audience(update.campaign, update.area).count(),
        "progress": actions.progress(update) if update.is_sent else None,
        **extra,
    }


def _save(request: HttpRequest, form: UpdateForm, campaign: Campaign) -> Update | None:
    if not form.is_valid():
        return None
    update = form.save(commit=False)
    update.campaign = campaign
    try:
        return actions.save_update(update, actor=actor(request))
    except ValidationError as error:
        form.add_error(None, error)
        return None


@organiser_view
@require_POST
def send_test(request: HttpRequest, pk: int, update_id) -> HttpResponse:
    """Send the update to the organiser's own address, at once."""
    campaign = organiser_campaign(pk)
    update = _update(campaign, update_id)
    form = None if update.is_sent else UpdateForm(instance=update, campaign=campaign)
    to = getattr(request.user, "email", "")
    if not to:
        problem = _("Your account has no e-mail address to send the test to. Nothing was sent.")
        return refused(request, update, form, problem, status=400)
    try:
        actions.send_test(update, to=to, actor=actor(request))
    except actions.NotSent:
        problem = _("The mail server did not take the test message. Nothing was sent; try again.")
        return refused(request, update, form, problem, status=503)
    messages.success(request, _("A test was sent to %(address)s.") % {"address": to})
    return redirect("organise:update", pk=campaign.pk, update_id=update.pk)


@organiser_view
@require_POST
def send(request: HttpRequest, pk: int, update_id) -> HttpResponse:
    """Send the update to the audience the organiser was shown, once."""
    campaign = organiser_campaign(pk)
    update = _update(campaign, update_id)
    form = None if update.is_sent else UpdateForm(instance=update, campaign=campaign)
    try:
        expected = int(request.POST.get("recipients", ""))
    except ValueError:
        problem = _("The request did not say how many supporters you saw. Nothing was sent.")
        return refused(request, update, form, problem, status=400)
    try:
        queued = actions.send(update, expected=expected, actor=actor(request))
    except actions.AudienceChanged as changed:
        problem = ngettext(
            "The audience changed since you saw it: it is now %(n)s supporter. Nothing was "
            "sent; check the update and send it again.",
            "The audience changed since you saw it: it is now %(n)s supporters. Nothing was "
            "sent; check the update and send it again.",
            changed.now,
        ) % {"n": changed.now}
        return refused(request, update, form, problem, status=409)
    except ValidationError as error:
        update = _update(campaign, update_id)
        form = None if update.is_sent else form
        problem = " ".join(error.messages)
        return refused(request, update, form, problem, status=400)
    messages.success(
        request,
        ngettext(
            "The update is on its way to %(n)s supporter.",
            "The update is on its way to %(n)s supporters.",
            queued,
        )
        % {"n": queued},
    )
    return redirect("organise:update", pk=campaign.pk, update_id=update.pk)


def refused(request: HttpRequest, update, form, problem, *, status: int) -> HttpResponse:
    """The update's page again, saying why nothing was done."""
    return render(
        request, "organise/update.html", page_context(update, form, problem=problem), status=status
    )
