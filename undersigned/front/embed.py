"""What partners put on their own sites: the sign form in a frame, and a
count badge (a framed page, or an SVG picture).

Only the sites an organiser listed for the campaign may frame these pages
(their Content-Security-Policy's `frame-ancestors`); everything else on the
site keeps `frame-ancestors 'none'`.

The frame reads no cookie. A browser showing our form inside another site
withholds our SameSite cookies (the CSRF cookie is Lax, `__Host-` in
production, and stays so), and may block third-party cookies altogether;
signing must work all the same. So the embedded form is exempt from the
cookie-based CSRF check and instead:

- acts with no ambient authority: no remembered device, no session, so a
  forged post can do nothing a stranger typing into the form could not
  (a pending signature, counted once its address's owner confirms);
- must come from a page of ours: a browser's `Origin` header, which no other
  site's page can set, has to be this site's;
- carries a frame token: our HMAC (Django's signing, SECRET_KEY) of the
  campaign's id and the time the form was shown, valid EMBED_FORM_HOURS,
  refused for another campaign or once stale;
- goes through the same form, abuse checks and action as the campaign page
  (signing.take_signature).

The remembered-device shortcut is therefore not offered in the frame; the
campaign page itself keeps it. docs/api.md explains this to partners.
"""

from __future__ import annotations

import secrets
from xml.sax.saxutils import escape

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST, require_safe

from undersigned.abuse import checks
from undersigned.campaigns.cache import campaign_by_slug
from undersigned.campaigns.models import Campaign
from undersigned.counting.counts import confirmed_count
from undersigned.integrations.embeds import embed_origins
from undersigned.privacy.headers import allow_framing
from undersigned.signatures import actions
from undersigned.signatures.forms import SignForm

from .signing import take_signature
from .views import campaign_context

FRAME_SALT = "undersigned.front.embed"
STALE_MESSAGE = gettext_lazy(
    "This form was open for too long. Please check your answers and press Sign again."
)


def embeddable(slug: str) -> Campaign:
    campaign = campaign_by_slug(slug)
    if campaign is None or not campaign.is_public:
        raise Http404("No such campaign")
    return campaign


def frame_token(campaign: Campaign) -> str:
    return signing.dumps([campaign.pk, secrets.token_hex(8)], salt=FRAME_SALT, compress=True)


def frame_token_ok(token: str | None, campaign: Campaign) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        value = signing.loads(token, salt=FRAME_SALT, max_age=settings.EMBED_FORM_HOURS * 3600)
    except signing.BadSignature:
        return False
    return isinstance(value, list) and len(value) == 2 and value[0] == campaign.pk


def our_origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def from_our_page(request: HttpRequest) -> bool:
    """Whether a browser sent this from one of our pages. Browsers send Origin
    with every POST; a request without one is no page's (a script's, which
    holds no one's cookies here anyway), unless Fetch metadata says otherwise."""
    origin = request.headers.get("Origin")
    if origin is None:
        return request.headers.get("Sec-Fetch-Site", "same-origin") == "same-origin"
    return origin == our_origin(request) or origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", [])


def framed(request: HttpRequest, campaign: Campaign, response: HttpResponse) -> HttpResponse:
    allow_framing(request, response, embed_origins(campaign))
    return response


def render_form(
    request: HttpRequest,
    campaign: Campaign,
    form: SignForm | None = None,
    status: int = 200,
    check: checks.Check | None = None,
) -> HttpResponse:
    context = campaign_context(request, campaign, form, None, check)
    context.update(
        sign_action=reverse("embed_sign", args=[campaign.slug]),
        frame_token=frame_token(campaign),
        site_url=settings.SITE_URL,
    )
    response = render(request, "embed/sign.html", context, status=status)
    # Each showing carries fresh tokens: no cache may hand one to someone else.
    response["Cache-Control"] = "no-store"
    return framed(request, campaign, response)


@xframe_options_exempt
@require_safe
def form_page(request: HttpRequest, slug: str) -> HttpResponse:
    return render_form(request, embeddable(slug))


@csrf_exempt
@xframe_options_exempt
@sensitive_post_parameters()
@never_cache  # its answers carry what was typed (errors, the check) back to the signer
@require_POST
def sign(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = embeddable(slug)
    if not from_our_page(request):
        response = render(request, "embed/refused.html", {"campaign": campaign}, status=403)
        return framed(request, campaign, response)
    if not campaign.is_live:
        return render_form(request, campaign, status=410)
    # No device: the frame never reads the remembered-device cookie.
    form = SignForm(campaign, request.POST)
    if not frame_token_ok(request.POST.get("frame"), campaign):
        form.is_valid()
        form.add_error(None, STALE_MESSAGE)
        return render_form(request, campaign, form, status=400)
    try:
        taken = take_signature(request, campaign, form, None)
    except actions.CampaignNotOpen:
        return render_form(request, campaign, status=410)
    if taken is None:
        return render_form(request, campaign, form, status=400)
    if taken.check is not None:
        return render_form(request, campaign, form, check=taken.check)
    # The same answer whether or not the address had signed or the sign-up
    # was held, as on our page.
    del taken
    context = {"campaign": campaign, "notice": form.area_notice(), "site_url": settings.SITE_URL}
    response = render(request, "embed/check_email.html", context)
    return framed(request, campaign, response)


def badge_context(campaign: Campaign) -> dict:
    count = confirmed_count(campaign)
    return {
        "campaign": campaign,
        "count": count,
        "percent": min(100, round(100 * count / campaign.goal)),
        "site_url": settings.SITE_URL,
    }


@xframe_options_exempt
@require_safe
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = embeddable(slug)
    response = render(request, "embed/badge.html", badge_context(campaign))
    response["Cache-Control"] = "public, max-age=15"
    return framed(request, campaign, response)


BADGE_WIDTH, BADGE_HEIGHT = 320, 64


@require_safe
def badge_svg(request: HttpRequest, slug: str) -> HttpResponse:
    """The count as a picture, for an <img> on any site: nothing runs, nothing
    is framed, no cookie is read or set."""
    context = badge_context(embeddable(slug))
    count, goal = context["count"], context["campaign"].goal
    signed = ngettext("%(count)s person has signed", "%(count)s people have signed", count) % {
        "count": f"{count:,}"
    }
    goal_text = _("Goal: %(goal)s") % {"goal": f"{goal:,}"}
    filled = round((BADGE_WIDTH - 16) * context["percent"] / 100)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{BADGE_WIDTH}" height="{BADGE_HEIGHT}" '
        f'viewBox="0 0 {BADGE_WIDTH} {BADGE_HEIGHT}" role="img" '
        f'aria-label="{escape(signed, {chr(34): "&quot;"})}. {escape(goal_text)}">'
        f'<rect width="{BADGE_WIDTH}" height="{BADGE_HEIGHT}" rx="6" fill="#fffdf8" '
        'stroke="#d8d8de"/>'
        '<text x="8" y="24" font-family="system-ui, sans-serif" font-size="16" '
        f'font-weight="700" fill="#1d1d1f">{escape(signed)}</text>'
        '<text x="8" y="42" font-family="system-ui, sans-serif" font-size="12" '
        f'fill="#5b5b66">{escape(goal_text)}</text>'
        f'<rect x="8" y="50" width="{BADGE_WIDTH - 16}" height="8" rx="4" fill="#f2efe6"/>'
        f'<rect x="8" y="50" width="{filled}" height="8" rx="4" fill="#0b5d4b"/>'
        "</svg>"
    )
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=15"
    # Other sites may show it in an <img>.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
