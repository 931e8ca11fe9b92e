"""The supporter's private page: see, download, change, withdraw, erase."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from undersigned.areas.forms import FIELD_PREFIX
from undersigned.areas.lookup import signature_divisions

from . import placing, rights
from .actions import ConsentGiven
from .forms import COMMENT_CONSENT, COMMENT_LABEL, ChangeForm, consent_texts
from .models import Consent


def _signature_or_error(request: HttpRequest, token: str, finder):
    try:
        return finder(token), None
    except rights.LinkExpired:
        return None, render(request, "signatures/link_expired.html", status=410)
    except rights.LinkInvalid:
        return None, render(request, "signatures/invalid_link.html", status=404)


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def manage(request: HttpRequest, token: str) -> HttpResponse:
    signature, error = _signature_or_error(request, token, rights.find_by_manage_token)
    if error:
        return error
    done = ""
    change = None
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "consents":
            keep = {value for value in request.POST.getlist("keep") if value.isdigit()}
            active = signature.consents.filter(withdrawn_at__isnull=True)
            drop = [c.pk for c in active if str(c.pk) not in keep]
            rights.withdraw_consents(signature, drop)
            offered = consents_to_give(signature)
            rights.give_consents(
                signature,
                [offered[name] for name in request.POST.getlist("give") if name in offered],
            )
            done = _("Your choices are saved.")
        elif action == "details":
            change, done = change_details(request, signature)
            status = 400 if change is not None and change.errors else 200
        elif action == "area":
            done = settle(request, signature)
        elif action == "withdraw" and request.POST.get("sure") == "yes":
            rights.withdraw(signature)
            done = _("Your signature is withdrawn. It no longer counts.")
        elif action == "erase" and request.POST.get("sure") == "yes":
            rights.erase(signature)
            return render(request, "signatures/erased.html", {"campaign": signature.campaign})
        elif action == "unlist":
            rights.unlist(signature)
            done = _("Your name is no longer listed on your area's page.")
        elif action == "revoke":
            rights.revoke_links(signature)
            return render(request, "signatures/links_revoked.html")
        elif action in {"withdraw", "erase"}:
            done = _("Tick the box to confirm, then press the button again.")
        if request.GET.get("format") != "json":
            signature.refresh_from_db()
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(rights.export_data(signature), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-signature.json"'
        return response
    delivered = rights.delivered_on(signature)
    if change is None and not delivered and signature.status in CHANGEABLE:
        change = ChangeForm(signature)
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "consents": list(signature.consents.select_related("partner")),
        "to_give": consents_to_give(signature),
        "done": done,
        "token": token,
        "delivered": delivered,
        "change": change if not delivered else None,
        "areas": [d for d in signature_divisions(signature) if d.type != "country"],
        "unsettled": placing.unsettled_types(signature) if signature.status in CHANGEABLE else {},
        "notice": placing.waiting_notice(signature),
        "field_prefix": FIELD_PREFIX,
    }
    return render(request, "signatures/manage.html", context, status=status)


# A withdrawn or invalidated signature no longer counts anywhere: nothing to change.
CHANGEABLE = {"pending", "confirmed", "quarantined"}


def consents_to_give(signature) -> dict[str, ConsentGiven]:
    """The consents the signer could give now (field name -> consent), those not
    active already, with the words the sign form shows today."""
    campaign = signature.campaign
    active = {
        (kind, partner_id)
        for kind, partner_id in signature.consents.filter(withdrawn_at__isnull=True).values_list(
            "kind", "partner_id"
        )
    }
    offered = {}
    partners = {partner.pk: partner for partner in campaign.partners.all()}
    for name, (text, shown_for) in consent_texts(campaign).items():
        partner = partners.get(getattr(shown_for, "pk", None))
        kind = Consent.Kind.PARTNER if partner else Consent.Kind.ORGANISER
        if name == "consent_delivery":
            kind = Consent.Kind.DELIVERY
        offered[name] = ConsentGiven(kind=kind, text=text, partner=partner)
    if signature.comment and campaign.delivery_rules.exists():
        offered[COMMENT_CONSENT] = ConsentGiven(kind=Consent.Kind.COMMENT, text=str(COMMENT_LABEL))
    return {
        name: given
        for name, given in offered.items()
        if (given.kind, given.partner.pk if given.partner else None) not in active
    }


def change_details(request: HttpRequest, signature) -> tuple[ChangeForm | None, str]:
    """The "change" form: (the form to show again with its errors, or None; the message)."""
    if signature.status not in CHANGEABLE:
        return None, ""
    form = ChangeForm(signature, request.POST)
    if not form.is_valid():
        return form, ""
    data = form.cleaned_data
    try:
        changed = rights.change_details(
            signature,
            first_name=data.get("first_name", signature.first_name),
            last_name=data.get("last_name", signature.last_name),
            postal_code=data.get("postal_code", signature.postal_code),
            chosen=form.chosen(),
        )
    except rights.AlreadyDelivered:
        return None, _("A letter carrying your name has been delivered: nothing was changed.")
    if not changed:
        return None, _("Nothing to change: your details are as you typed them.")
    return None, _("Your details are saved.")


def settle(request: HttpRequest, signature) -> str:
    """The signer says which area they live in, where their postal code spans several."""
    for division_type, candidates in placing.unsettled_types(signature).items():
        wanted = request.POST.get(f"{FIELD_PREFIX}{division_type}", "")
        match = [d for d in candidates if d.ocd_id == wanted]
        if match and placing.settle(signature, match[0]):
            return _("Thank you: your letter goes to your %(area)s's lawmakers too.") % {
                "area": match[0].type_label
            }
    return _("Please choose one of the areas listed.")


# Mail clients send the one-click POST without a CSRF token; the signed,
# revocable token in the URL is what authorises it.
@csrf_exempt
@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe (RFC 8058): a POST withdraws every consent to updates."""
    signature, error = _signature_or_error(request, token, rights.find_by_unsubscribe_token)
    if error:
        return error
    if request.method == "POST":
        rights.withdraw_consents(signature)
        return render(request, "signatures/unsubscribed.html", {"campaign": signature.campaign})
    return render(request, "signatures/unsubscribe.html", {"campaign": signature.campaign})
