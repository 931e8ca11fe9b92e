"""The OSDI-shaped API, version 1: petitions, their signatures, and the record
signature helper (docs/api.md says what each answers, with examples).

Every request but the entry point carries an API key (`OSDI-API-Token`),
which acts for one organisation: the installation's own, or one partner.
A partner's key sees only the public campaigns it co-sponsors, and of their
signers only those who consented to hear from that partner. The helper
records a signature through the same form, abuse checks, `sign()` action and
confirmation e-mail as the campaign page.

Views never answer 500 for what a client sends: every refusal is an OSDI
error body with its status (hal.py).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from undersigned.abuse.assess import assess
from undersigned.campaigns.cache import campaign_by_slug
from undersigned.campaigns.models import Campaign, CampaignQuerySet
from undersigned.counting.counts import confirmed_counts
from undersigned.integrations import supporters
from undersigned.integrations.keys import KeyRefused, authenticate, record_read
from undersigned.integrations.models import ApiKey
from undersigned.signatures import actions
from undersigned.signatures.forms import COMMENT_LABEL, SignForm, consent_texts
from undersigned.signatures.models import Signature

from . import helper
from .hal import (
    ApiError,
    Problem,
    collection,
    curies,
    error,
    hal,
    link,
    not_found,
    page_of,
    simple_error,
)

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
SAFE = ("GET", "HEAD")
ApiView = Callable[..., HttpResponse]


def endpoint(scope: str | None, methods: tuple[str, ...] = SAFE) -> Callable[[ApiView], ApiView]:
    """Method check, key and scope, and OSDI error bodies for every refusal.

    The view receives the key after the request. Cookies play no part (the
    key is a header), so there is nothing for CSRF protection to protect.
    """

    def decorator(view: ApiView) -> ApiView:
        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                return simple_error(
                    405,
                    "METHOD_NOT_ALLOWED",
                    _("Use %(methods)s here.") % {"methods": " or ".join(methods)},
                    Allow=", ".join(methods),
                )
            try:
                key = authenticate(request.headers.get("OSDI-API-Token"))
                if scope and scope not in key.scopes:
                    raise ApiError(
                        403,
                        [Problem("SCOPE_MISSING", _("This key may not do this: it needs the "
                                 "scope %(scope)s.") % {"scope": scope})],
                    )  # fmt: skip
                return view(request, key, *args, **kwargs)
            except KeyRefused as refused:
                response = simple_error(refused.status, refused.code, refused.message)
                if refused.retry_after:
                    response["Retry-After"] = str(refused.retry_after)
                return response
            except ApiError as refused:
                return error(refused.status, refused.problems, resource=refused.resource)

        return wrapped

    return decorator


# Which campaigns a key sees.


def campaigns_for(key: ApiKey) -> CampaignQuerySet:
    found = Campaign.objects.public()
    if key.partner_id:
        found = found.filter(partners=key.partner_id)
    return found


def campaign_for(key: ApiKey, slug: str) -> Campaign:
    """The public campaign, if this key may see it; ApiError 404 otherwise (a
    partner learns nothing of campaigns it does not co-sponsor)."""
    campaign = campaign_by_slug(slug) if SLUG.match(slug) else None
    if campaign is None or not campaign.is_public:
        raise not_found()
    if key.partner_id and key.partner_id not in {p.pk for p in campaign.partners.all()}:
        raise not_found()
    return campaign


# Representations.


def petition_json(campaign: Campaign, total: int, key: ApiKey) -> dict[str, Any]:
    letter = campaign.current_letter()
    slug = campaign.slug
    return {
        "identifiers": [f"undersigned:{slug}"],
        "origin_system": settings.SITE_NAME,
        "created_date": campaign.created_at.isoformat(),
        "modified_date": campaign.updated_at.isoformat(),
        "name": slug,
        "title": campaign.title,
        "summary": campaign.summary,
        "description": campaign.body_html,
        "petition_text": letter.body if letter else campaign.letter_body,
        "browser_url": settings.SITE_URL + campaign.get_absolute_url(),
        "total_signatures": total,
        "target": targets(campaign),
        "undersigned:status": campaign.status,
        "undersigned:goal": campaign.goal,
        "undersigned:letter_subject": letter.subject if letter else campaign.letter_subject,
        "undersigned:fields": {
            name: campaign.mode(name) for name in ("email", *Campaign.PERSONAL_FIELDS, "comment")
        },
        "undersigned:consents": consents_offered(campaign, key),
        "_links": {
            "self": link(reverse("api_v1_petition", args=[slug])),
            "osdi:signatures": link(reverse("api_v1_signatures", args=[slug])),
            "osdi:record_signature_helper": link(reverse("api_v1_record_signature", args=[slug])),
            "curies": curies(),
        },
    }


def targets(campaign: Campaign) -> list[dict[str, str]]:
    named = [{"name": str(target)} for target in campaign.targets.all()]
    return named + [{"name": rule.description} for rule in campaign.target_rules.all()]


def consents_offered(campaign: Campaign, key: ApiKey) -> list[dict[str, str]]:
    """The consents this key may record with a signature here, in the words
    the campaign page shows (the caller must show the same words)."""
    texts = consent_texts(campaign)
    offered = []
    contact = texts.get(helper.contact_field(key.partner_id))
    if contact:
        offered.append({"name": "contact", "text": contact[0]})
    if "consent_delivery" in texts:
        offered.append({"name": "delivery", "text": texts["consent_delivery"][0]})
    if campaign.mode("comment") != "off" and campaign.delivery_rules.all():
        offered.append({"name": "comment", "text": str(COMMENT_LABEL)})
    return offered


def signature_json(signature: Signature, key: ApiKey) -> dict[str, Any]:
    consents = getattr(signature, "key_consents", [])
    return supporters.signature_json(signature, signature.campaign.slug, key.partner_id, consents)


def visible_signatures(campaign: Campaign, key: ApiKey) -> QuerySet[Signature]:
    """Confirmed, counted signatures of supporters who consented to the key's organisation."""
    found = Signature.objects.filter(campaign=campaign)
    return supporters.visible_signatures(found, key.partner_id).order_by("confirmed_at", "pk")


# Views.


@csrf_exempt
def entry_point(request: HttpRequest) -> HttpResponse:
    """The API entry point (OSDI's AEP): open to everyone, it names what there is."""
    if request.method not in SAFE:
        return simple_error(405, "METHOD_NOT_ALLOWED", _("Use GET here."), Allow="GET, HEAD")
    return hal(
        {
            "motd": _("The %(site)s API. Send your key in the OSDI-API-Token header.")
            % {"site": settings.SITE_NAME},
            "max_pagesize": 100,
            "vendor_name": "undersigned",
            "product_name": "undersigned",
            "osdi_version": "1.1",
            "_links": {
                "self": link(reverse("api_v1")),
                "osdi:petitions": link(reverse("api_v1_petitions")),
                "curies": curies(),
            },
        }
    )


@endpoint("campaigns:read")
def petitions(request: HttpRequest, key: ApiKey) -> HttpResponse:
    page = page_of(request)
    found = campaigns_for(key).order_by("-created_at", "pk")
    total = found.count()
    start = (page.number - 1) * page.per_page
    rows = list(found.with_page_data()[start : start + page.per_page])
    counts = confirmed_counts(campaign.pk for campaign in rows)
    return collection(
        request,
        url_name="api_v1_petitions",
        args=[],
        relation="osdi:petitions",
        rows=rows,
        total=total,
        represent=lambda campaign: petition_json(campaign, counts[campaign.pk], key),
        page=page,
    )


@endpoint("campaigns:read")
def petition(request: HttpRequest, key: ApiKey, slug: str) -> HttpResponse:
    campaign = campaign_for(key, slug)
    total = confirmed_counts([campaign.pk])[campaign.pk]
    return hal(petition_json(campaign, total, key))


@endpoint("supporters:read")
def signatures(request: HttpRequest, key: ApiKey, slug: str) -> HttpResponse:
    campaign = campaign_for(key, slug)
    page = page_of(request)
    found = visible_signatures(campaign, key)
    total = found.count()
    start = (page.number - 1) * page.per_page
    rows = list(found[start : start + page.per_page])
    for row in rows:
        row.campaign = campaign
    if rows:
        record_read(key, "signatures", campaign=campaign.pk, signatures=[str(r.pk) for r in rows])
    return collection(
        request,
        url_name="api_v1_signatures",
        args=[slug],
        relation="osdi:signatures",
        rows=rows,
        total=total,
        represent=lambda signature: signature_json(signature, key),
        page=page,
        private=True,
    )


@endpoint("supporters:read")
def signature(request: HttpRequest, key: ApiKey, slug: str, signature_id: str) -> HttpResponse:
    campaign = campaign_for(key, slug)
    try:
        wanted = uuid.UUID(signature_id)
    except ValueError:
        raise not_found() from None
    found = visible_signatures(campaign, key).filter(pk=wanted).first()
    if found is None:
        raise not_found()
    found.campaign = campaign
    record_read(key, "signature", campaign=campaign.pk, signatures=[str(found.pk)])
    return hal(signature_json(found, key), private=True)


@endpoint("signatures:record", methods=("POST",))
def record_signature_helper(request: HttpRequest, key: ApiKey, slug: str) -> HttpResponse:
    """Record a signature as the campaign page would (see docs/api.md).

    The answer is the same whether or not the address had signed before, as
    the page's is: 202, and the signer gets our e-mail (to confirm, or saying
    they already signed). A key trusted to vouch may ask for the signature to
    count at once (`undersigned:vouch_confirmed`).
    """
    campaign = campaign_for(key, slug)
    content_type = request.content_type or ""
    if content_type not in {"application/json", "application/hal+json"}:
        raise ApiError(
            415,
            [Problem("UNSUPPORTED_MEDIA_TYPE", _("Send the body as application/json."))],
            helper.RESOURCE,
        )
    body = helper.read_body(helper.parse_json(request.body))
    if body.vouch and not key.vouch_confirmed:
        raise ApiError(
            403,
            [Problem("SCOPE_MISSING", _("This key is not trusted to vouch for addresses: "
                     "leave out undersigned:vouch_confirmed."), [helper.VOUCH])],
            helper.RESOURCE,
        )  # fmt: skip
    if not campaign.is_live:
        raise ApiError(
            409,
            [Problem("PETITION_CLOSED", _("This petition does not take signatures now."))],
            helper.RESOURCE,
        )
    form = checked_form(campaign, body, key)
    details = form.details()
    # The abuse checks, relayed (abuse/assess.py): near-certain abuse (a
    # staff block rule) is held and sent nothing, as from the page, and the
    # answer is the same. No check can be asked of a partner's server; the
    # key's rate limit is the cost it pays instead, and what a person could
    # trip (a disposable domain) is recorded for staff, not held: the signer
    # still confirms by e-mail like anyone else.
    assessment = assess(request, campaign, email=details.email, relayed=True)
    try:
        actions.sign(
            campaign,
            details,
            consents=form.consents_given(),
            screening=assessment.screening(),
            vouched_by=key.actor if body.vouch else None,
        )
    except actions.CampaignNotOpen:
        raise ApiError(
            409,
            [Problem("PETITION_CLOSED", _("This petition does not take signatures now."))],
            helper.RESOURCE,
        ) from None
    response = hal(
        {
            "origin_system": settings.SITE_NAME,
            "undersigned:confirmation": "vouched" if body.vouch else "email",
            "_links": {"osdi:petition": link(reverse("api_v1_petition", args=[slug]))},
        },
        status=202,
    )
    response["Cache-Control"] = "no-store"
    return response


def checked_form(campaign: Campaign, body: helper.Body, key: ApiKey) -> SignForm:
    """The sign form, validated; ApiError 400 with every problem otherwise."""
    form = helper.bound_form(campaign, body, key.partner_id) if not body.problems else None
    problems = list(body.problems)
    if form is not None and not form.is_valid():
        problems += helper.form_problems(form, body)
    if problems or form is None:
        raise ApiError(400, problems, helper.RESOURCE)
    return form


@csrf_exempt
def not_found_here(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error(404, not_found().problems)
