"""Signing: the sign form's answer, the confirmation link and forgetting a
remembered device."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from undersigned.abuse import challenge
from undersigned.abuse.assess import assess
from undersigned.areas.lookup import letter_recipients
from undersigned.campaigns.cache import visible_campaign
from undersigned.participation.queries import thanks_url
from undersigned.signatures import actions
from undersigned.signatures.forms import SignForm
from undersigned.signatures.links import CONFIRM_LINK_DAYS, ExpiredLink
from undersigned.signatures.marker import mark_just_signed
from undersigned.signatures.models import Signature
from undersigned.signatures.placing import waiting_notice

from .views import render_campaign

POW_MESSAGE = _(
    "This campaign is protecting itself from automated signatures: your browser needs "
    "JavaScript to finish a short check. Please wait a moment and press Sign again."
)


@sensitive_post_parameters()
@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = visible_campaign(request, slug)
    if not campaign.is_live:
        return render_campaign(request, campaign, status=410)
    device = actions.recognise(request.COOKIES.get(settings.REMEMBER_COOKIE))
    form = SignForm(campaign, request.POST, device=device)
    try:
        result = take_signature(request, campaign, form, device)
    except actions.CampaignNotOpen:
        return render_campaign(request, campaign, status=410)
    if result is None:
        return render_campaign(request, campaign, form=form, status=400)
    if device is not None:
        # A remembered, confirmed supporter: the signature counts already.
        response = redirect(thanks_url(result.signature))
        if result.signature.apparent_status == Signature.Status.CONFIRMED:
            mark_just_signed(response, campaign)
        return response
    # The same page whether or not this address had signed before: the page
    # never tells anyone whether an address is on the list. What waits for
    # our data is told from what was typed, never from a stored signature.
    del result
    context = {"campaign": campaign, "notice": form.area_notice()}
    return render(request, "signatures/check_email.html", context)


def take_signature(
    request: HttpRequest, campaign, form: SignForm, device
) -> actions.SignResult | None:
    """The sign form's answers, checked and recorded: None when the form has
    errors (they are on the form), the action's result otherwise. Shared by
    the campaign page and the embedded form (embed.py), so both validate,
    assess and sign alike. CampaignNotOpen if the campaign closed meanwhile."""
    if not form.is_valid():
        return None
    if campaign.proof_of_work and not challenge.verify_and_spend(request.POST.get("pow")):
        form.add_error(None, POW_MESSAGE)
        return None
    details = form.details()
    assessment = assess(
        request,
        campaign,
        email=details.email,
        form_token=request.POST.get("issued"),
        honeypot=request.POST.get("website", ""),
    )
    return actions.sign(
        campaign,
        details,
        consents=form.consents_given(),
        remember=form.cleaned_data.get("remember", False),
        device=device,
        network_digest=assessment.network_digest,
        quarantine_reasons=assessment.reasons,
    )


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, signature_id: str, token: str) -> HttpResponse:
    """GET (and HEAD) show a button; only the POST confirms, so link scanners change nothing.

    An expired link confirms nothing and offers to e-mail a fresh one.
    """
    try:
        if request.method != "POST":
            signature = actions.find_for_link(signature_id, token)
        elif request.POST.get("resend"):
            actions.send_fresh_link(signature_id, token)
            return render(request, "signatures/fresh_link_sent.html")
        else:
            # The action finds the signature itself: looking it up here too
            # cost a query per confirmation in a confirm surge.
            result = actions.confirm(signature_id, token)
    except ExpiredLink:
        expired = {"days": CONFIRM_LINK_DAYS}
        return render(request, "signatures/confirm_link_expired.html", expired, status=410)
    except actions.InvalidLink:
        return render(request, "signatures/invalid_link.html", status=404)
    if request.method != "POST":
        context = {
            "campaign": signature.campaign,
            "signature": signature,
            # Without JavaScript the sign page could not show this preview.
            "recipients": letter_recipients(signature),
            "notice": waiting_notice(signature),
        }
        return render(request, "signatures/confirm.html", context)
    response = redirect(thanks_url(result.signature))
    if result.signature.apparent_status == Signature.Status.CONFIRMED:
        mark_just_signed(response, result.signature.campaign)
    if result.device_token:
        response.set_cookie(
            settings.REMEMBER_COOKIE,
            result.device_token,
            max_age=settings.REMEMBER_DAYS * 86400,
            secure=settings.SECURE,
            httponly=True,
            samesite="Lax",
            path="/",
        )
    return response


@require_POST
def forget_device(request: HttpRequest) -> HttpResponse:
    actions.forget_device(request.COOKIES.get(settings.REMEMBER_COOKIE))
    target = request.POST.get("next", "/")
    if not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = redirect(target)
    response.delete_cookie(settings.REMEMBER_COOKIE, path="/", samesite="Lax")
    return response
