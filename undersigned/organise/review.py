"""The review queue: quarantined signatures, released or confirmed as abuse.

A decision is shown with its counts first and taken only when confirmed,
through abuse.actions (which writes the audit log). Nothing here shows a
signer's name or e-mail address: the postal code, the network's hash and the
reason are what a reviewer decides on, as in the admin's queue.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from undersigned.abuse import actions

from .access import reviewer_view
from .builder import actor
from .forms import ReviewFilterForm

PAGE = 100
DECISIONS = {
    "release": (actions.release, "released"),
    "invalidate": (actions.invalidate, "confirmed as abuse"),
}


def queue(filters: ReviewFilterForm):
    campaign = filters.cleaned_data.get("campaign") if filters.is_valid() else None
    return actions.review_queue(campaign=campaign)


@reviewer_view
def review(request: HttpRequest) -> HttpResponse:
    filters = ReviewFilterForm(request.GET or request.POST or None)
    waiting = queue(filters)
    if request.method == "POST":
        return _decide(request, filters, waiting)
    context = {
        "filters": filters,
        "signatures": waiting.select_related("campaign").order_by("created_at")[:PAGE],
        "total": waiting.count(),
    }
    return render(request, "organise/review.html", context)


def _decide(request, filters, waiting) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in DECISIONS:
        return render(
            request,
            "organise/review.html",
            {"filters": filters, "signatures": [], "total": 0, "problem": _("Choose a decision.")},
            status=400,
        )
    chosen = waiting
    if request.POST.get("scope") != "all":
        ids = request.POST.getlist("signature")
        chosen = waiting.filter(pk__in=[pk for pk in ids if is_uuid(pk)])
    total = chosen.count()
    if total == 0:
        messages.error(request, _("Tick the signatures to decide on first."))
        return redirect(request.get_full_path())
    act, verb = DECISIONS[decision]
    if request.POST.get("confirmed") != "yes":
        counts = list(chosen.values("campaign__title").annotate(n=Count("pk")).order_by())
        context = {
            "decision": decision,
            "verb": verb,
            "total": total,
            "counts": counts,
            "scope": request.POST.get("scope", ""),
            "ids": [str(pk) for pk in chosen.values_list("pk", flat=True)],
            "filters": filters,
        }
        return render(request, "organise/review_confirm.html", context)
    changed = act(chosen, actor=actor(request))
    messages.success(
        request,
        ngettext("%(n)d signature %(verb)s.", "%(n)d signatures %(verb)s.", changed)
        % {"n": changed, "verb": verb},
    )
    return redirect("organise:review")


def is_uuid(value: str) -> bool:
    return len(value) == 36 and all(c in "0123456789abcdef-" for c in value.lower())
