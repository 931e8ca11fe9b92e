"""The public campaign pages: the list, a campaign's page with its sign form,
and the thank-you page (signing.py takes the form's answers)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language, to_locale
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from undersigned.abuse import checks
from undersigned.abuse.timing import issue_form_token
from undersigned.campaigns.cache import visible_campaign
from undersigned.campaigns.models import Campaign, ShareImage
from undersigned.counting.counts import confirmed_count, confirmed_counts
from undersigned.memo import Expiring
from undersigned.participation.queries import area_link
from undersigned.signatures.actions import recognise
from undersigned.signatures.forms import SignForm
from undersigned.signatures.marker import forget_just_signed, just_signed
from undersigned.signatures.models import Signature

from .sharing import card_version, share_png

# The campaign page as every visitor without cookies sees it, but for two
# per-response values: the CSRF token and the signed render time. Those are
# rendered as these placeholders (random per process, so no campaign text can
# contain them) and filled in for each response.
_pages: Expiring[str] = Expiring("PAGE_FRESH_SECONDS", max_entries=1_000)
CSRF_SLOT = f"csrf{secrets.token_hex(16)}"
ISSUED_SLOT = f"issued{secrets.token_hex(16)}"


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    campaigns = list(Campaign.objects.filter(status=Campaign.Status.LIVE))
    counts = confirmed_counts(campaign.pk for campaign in campaigns)
    for campaign in campaigns:
        campaign.count = counts.get(campaign.pk, 0)
    return render(request, "campaigns/home.html", {"campaigns": campaigns})


def render_campaign(
    request: HttpRequest,
    campaign: Campaign,
    form: SignForm | None = None,
    status: int = 200,
    check: checks.Check | None = None,
) -> HttpResponse:
    """The campaign page; with `check`, the sign form as filled in, asking
    for the check (abuse/checks.py) before it is sent again."""
    device = recognise(request.COOKIES.get(settings.REMEMBER_COOKIE))
    context = campaign_context(request, campaign, form, device, check)
    return render(request, "campaigns/campaign.html", context, status=status)


def campaign_context(
    request, campaign: Campaign, form: SignForm | None, device, check: checks.Check | None = None
) -> dict:
    # A recognised supporter who signed this one already sees when, not the form.
    signed = signed_from(device, campaign)
    if form is None and campaign.is_live and signed is None:
        form = SignForm(campaign, device=device)
    count = confirmed_count(campaign)
    targets = list(campaign.targets.all())
    # Re-rendering after an error keeps the first render's token.
    form_token = request.POST.get("issued") or issue_form_token()
    check_asked = check is not None
    if check is None and form is not None:
        check = checks.page_check(campaign)
    if check is not None:
        form_token = check.token
    return {
        **sharing_context(campaign),
        "campaign": campaign,
        "form": form,
        "device": device,
        "signed": signed,
        "count": count,
        "percent": min(100, round(100 * count / campaign.goal)),
        "targets": targets,
        "area_rules": list(campaign.target_rules.all()),
        "addressee": campaign.text.addressee or ", ".join(str(target) for target in targets),
        "partners": list(campaign.partners.all()),
        "letter": campaign.current_letter(get_language()),
        "form_token": form_token,
        "pow_puzzle": check.puzzle if check else None,
        # The check asked after a sign-up tripped a signal (not the one a
        # campaign with proof_of_work on puts in every form).
        "check": check if check_asked else None,
        "check_wait": check.wait if check else None,
    }


def signed_from(device, campaign: Campaign) -> Signature | None:
    """The signature this remembered supporter made on this campaign, if any.

    The device is theirs (its token came from a confirmed e-mail), so the page
    may tell its owner, and no one else, that they signed.
    """
    if device is None:
        return None
    return (
        Signature.objects.filter(
            campaign=campaign, email_digest=device.email_digest, erased_at__isnull=True
        )
        .only("id", "status", "held_status", "created_at", "withdrawn_at")
        .first()
    )


@require_safe
def campaign_page(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = visible_campaign(request, slug)
    if not is_first_visit(request) or not campaign.is_live or campaign.proof_of_work:
        return render_campaign(request, campaign)
    page = _pages.get(
        (campaign.pk, get_language()), lambda: render_page_for_visitors(request, campaign)
    )
    # get_token() also has the CSRF middleware set the cookie, as the tag would.
    page = page.replace(CSRF_SLOT, get_token(request)).replace(ISSUED_SLOT, issue_form_token())
    return HttpResponse(page)


def is_first_visit(request: HttpRequest) -> bool:
    """No cookie but perhaps the CSRF one: no session, no remembered device, no
    messages, so the page is the same for every such visitor."""
    return all(name == settings.CSRF_COOKIE_NAME for name in request.COOKIES)


def render_page_for_visitors(request: HttpRequest, campaign: Campaign) -> str:
    context = campaign_context(request, campaign, None, None)
    context.update(csrf_token=CSRF_SLOT, form_token=ISSUED_SLOT)
    return render_to_string("campaigns/campaign.html", context, request=request)


@never_cache
@require_safe
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The thank-you page: "You have signed" for the browser that just did; for
    anyone else, the campaign's count, the way to find others nearby and to share it."""
    campaign = visible_campaign(request, slug)
    context = {
        **sharing_context(campaign),
        "campaign": campaign,
        "signed": just_signed(request, campaign),
        "count": confirmed_count(campaign),
        # ?area=<division id>, set by the confirmation redirect: "find others near you".
        "area": area_link(campaign, request.GET.get("area")),
    }
    response = render(request, "campaigns/thanks.html", context)
    forget_just_signed(request, response)
    return response


@require_safe
def share_picture(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    """The picture organisers uploaded for shared links, from our own origin.

    Its address names its content hash, so it may be cached for long.
    """
    campaign = visible_campaign(request, slug)
    image = ShareImage.objects.filter(campaign=campaign).first()
    if image is None or name != f"{image.sha256[:16]}.{image.extension}":
        raise Http404("No such picture")
    response = HttpResponse(bytes(image.data), content_type=image.content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def sharing_context(campaign: Campaign) -> dict:
    """What a shared link shows: the page's address in this language, and a
    preview card (Open Graph, Twitter) whose image comes from this site."""
    text = campaign.text
    return {
        "share_url": settings.SITE_URL + campaign.get_absolute_url(),
        # ?v= changes whenever the drawn title does (in this language), so
        # the image can be kept for a day and a changed title still shows.
        "share_image_url": settings.SITE_URL
        + reverse("share_image", args=[campaign.slug])
        + f"?v={card_version(text.title)}",
        "og_locale": to_locale(text.language),
    }


@require_safe
def share_image(request: HttpRequest, slug: str) -> HttpResponse:
    """The picture a link preview shows: the campaign's title on our colours."""
    campaign = visible_campaign(request, slug)
    text = campaign.text
    response = HttpResponse(share_png(text.title, settings.SITE_NAME), content_type="image/png")
    # The ?v= of its address changes whenever the title does.
    response["Cache-Control"] = "public, max-age=86400"
    return response
