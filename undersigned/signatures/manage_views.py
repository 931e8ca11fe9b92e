"""The supporter's private page: see, download, change, withdraw, erase."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import rights


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
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "consents":
            keep = {value for value in request.POST.getlist("keep") if value.isdigit()}
            active = signature.consents.filter(withdrawn_at__isnull=True)
            drop = [c.pk for c in active if str(c.pk) not in keep]
            rights.withdraw_consents(signature, drop)
            done = "Your choices are saved."
        elif action == "withdraw" and request.POST.get("sure") == "yes":
            rights.withdraw(signature)
            done = "Your signature is withdrawn. It no longer counts."
        elif action == "erase" and request.POST.get("sure") == "yes":
            rights.erase(signature)
            return render(request, "signatures/erased.html", {"campaign": signature.campaign})
        elif action == "unlist":
            rights.unlist(signature)
            done = "Your name is no longer listed on your area's page."
        elif action == "revoke":
            rights.revoke_links(signature)
            return render(request, "signatures/links_revoked.html")
        elif action in {"withdraw", "erase"}:
            done = "Tick the box to confirm, then press the button again."
        if request.GET.get("format") != "json":
            signature.refresh_from_db()
    if request.GET.get("format") == "json":
        response = HttpResponse(
            json.dumps(rights.export_data(signature), indent=2, ensure_ascii=False),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="my-signature.json"'
        return response
    context = {
        "signature": signature,
        "campaign": signature.campaign,
        "consents": list(signature.consents.select_related("partner")),
        "done": done,
        "token": token,
    }
    return render(request, "signatures/manage.html", context)


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
