"""Signing: the sign form's answer, the confirmation link and forgetting a
remembered device."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from undersigned.abuse import checks, tokens
from undersigned.abuse.assess import REUSED_FORM, assess
from undersigned.areas.lookup import letter_recipients
from undersigned.campaigns.cache import visible_campaign
from undersigned.memo import Expiring
from undersigned.participation.queries import thanks_url
from undersigned.privacy.identity import email_digest
from undersigned.signatures import actions
from undersigned.signatures.forms import SignForm
from undersigned.signatures.links import CONFIRM_LINK_DAYS, ExpiredLink
from undersigned.signatures.marker import mark_just_signed
from undersigned.signatures.models import Signature
from undersigned.signatures.placing import waiting_notice

from .views import render_campaign


@sensitive_post_parameters()
@never_cache  # its answers carry what was typed (errors, the check) back to the signer
@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = visible_campaign(request, slug)
    if not campaign.is_live:
        return render_campaign(request, campaign, status=410)
    device = actions.recognise(request.COOKIES.get(settings.REMEMBER_COOKIE))
    form = SignForm(campaign, request.POST, device=device)
    try:
        taken = take_signature(request, campaign, form, device)
    except actions.CampaignNotOpen:
        return render_campaign(request, campaign, status=410)
    if taken is None:
        return render_campaign(request, campaign, form=form, status=400)
    if taken.check is not None:
        return render_campaign(request, campaign, form=form, check=taken.check)
    result = taken.result
    if device is not None and result is not None:
        # A remembered, confirmed supporter: the signature counts already
        # (unless held, which the page does not say: "Thank you for
        # confirming" is true either way).
        response = redirect(thanks_url(result.signature))
        if result.signature.apparent_status == Signature.Status.CONFIRMED:
            mark_just_signed(response, campaign)
        return response
    del result
    return answer(request, campaign, form)


def answer(request: HttpRequest, campaign, form: SignForm) -> HttpResponse:
    """The same page whether or not this address had signed before, and
    whether or not the sign-up was held: the page never tells anyone whether
    an address is on the list. What waits for our data is told from what was
    typed, never from a stored signature."""
    notice = form.area_notice()
    key = (campaign.pk, get_language(), request.path, notice)
    page = _answers.get(key, lambda: render_answer(request, campaign, notice))
    return HttpResponse(page)


# The "check your e-mail" page: the same for every signer of a campaign with
# the same notice (nothing on it is theirs), rendered once a second per
# process rather than on every sign (docs/performance.md).
_answers: Expiring[str] = Expiring("PAGE_FRESH_SECONDS", max_entries=1_000)


def render_answer(request: HttpRequest, campaign, notice: str) -> str:
    context = {"campaign": campaign, "notice": notice}
    return render_to_string("signatures/check_email.html", context, request=request)


@dataclass
class Taken:
    """What the sign form's answers came to: `result` once recorded; `check`
    when the signer must pass one first (nothing is stored or sent until they
    do); neither when this very form had already signed for this address
    (the same answer again, nothing new)."""

    result: actions.SignResult | None = None
    check: checks.Check | None = None


def take_signature(request: HttpRequest, campaign, form: SignForm, device) -> Taken | None:
    """The sign form's answers, checked and recorded: None when the form has
    errors (they are on the form). Shared by the campaign page and the
    embedded form (embed.py), so both validate, assess, ask for the check
    and sign alike. CampaignNotOpen if the campaign closed meanwhile."""
    if not form.is_valid():
        return None
    details = form.details()
    assessment = assess(
        request,
        campaign,
        email=details.email,
        form_token=request.POST.get("issued"),
        honeypot=request.POST.get("website", ""),
    )
    check = ""
    spent = False
    if not assessment.held and not assessment.signals and not campaign.proof_of_work:
        # Nothing asks for a check (most sign-ups): spend the token at once,
        # and read who spent it only if someone had.
        spent = tokens.spend(assessment.token)
        if not spent:
            return reused_form(campaign, assessment, details)
    elif not assessment.held:
        earlier = tokens.spent(assessment.token)
        if earlier is not None:
            if tokens.sent_twice_by_signer(earlier, email_digest(details.email)):
                return Taken()
            assessment.signals.append(REUSED_FORM)
        check = checks.passed(
            campaign, assessment.token, request.POST.get("pow"), assessment.network_digest
        )
        if not check or earlier is not None:
            return Taken(check=check_for(campaign, assessment))
    # Near-certain abuse spends a genuine token too, but never waits for it.
    if not spent and not tokens.spend(assessment.token) and not assessment.held:
        # Sent twice at the same moment: the other request took it.
        assessment.signals.append(REUSED_FORM)
        return Taken(check=check_for(campaign, assessment))
    result = actions.sign(
        campaign,
        details,
        consents=form.consents_given(),
        remember=form.cleaned_data.get("remember", False),
        device=device,
        screening=assessment.screening(check),
    )
    tokens.spent_by(assessment.token, result.signature)
    return Taken(result=result)


def reused_form(campaign, assessment, details) -> Taken:
    """A form whose token was spent already: the same answer again for its
    own signer sending it twice (a double click, a reload), a check for
    anyone else."""
    earlier = tokens.spent(assessment.token)
    if earlier is not None and tokens.sent_twice_by_signer(earlier, email_digest(details.email)):
        return Taken()
    assessment.signals.append(REUSED_FORM)
    return Taken(check=check_for(campaign, assessment))


def check_for(campaign, assessment) -> checks.Check:
    """The check to ask for (abuse/checks.py), shown with the form as filled
    in: the browser solves it, or the person waits a few seconds and presses
    Sign again."""
    return checks.issue(campaign, assessment.network_digest, assessment.token, assessment.signals)


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
