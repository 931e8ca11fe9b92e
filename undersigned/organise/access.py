"""Who gets into which workspace page, and the navigation they see.

Every workspace view is wrapped in `workspace_view(permission)`:

- nobody signed in, or signed in without the second factor while STAFF_2FA
  is on: 302 to the workspace sign-in, coming back afterwards;
- signed in without the permission: 403;
- otherwise the view runs. Views that take a campaign then scope it:
  `organiser_campaign` (every campaign of the installation, for organisers),
  `partner_campaign` (only those the user's partner co-sponsors, and only
  once public; any other is a 404, so a partner learns nothing of them).

To add a page: write the view with the decorator, add its URL to urls.py,
add a NAV entry if it belongs in the bar, and give it a row in
tests/test_every_workspace_page_answers_each_role_as_it_should.py (the test
fails for a URL without one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from undersigned.campaigns.models import Campaign, Partner
from undersigned.staff.roles import (
    ORGANISE,
    REVIEW,
    SEE_PARTNER_CAMPAIGNS,
    partner_of,
    signed_in,
)

View = Callable[..., HttpResponseBase]


def workspace_view(permission: str | None) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
            if not signed_in(request):
                return redirect_to_login(request.get_full_path(), reverse("organise:sign_in"))
            if permission and not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


organiser_view = workspace_view(ORGANISE)
reviewer_view = workspace_view(REVIEW)
partner_view = workspace_view(SEE_PARTNER_CAMPAIGNS)


def organiser_campaign(pk: int) -> Campaign:
    return get_object_or_404(Campaign, pk=pk)


def partner_campaign(request: HttpRequest, pk: int) -> tuple[Partner, Campaign]:
    partner = partner_of(request.user)
    if partner is None:
        raise Http404("No partner organisation")
    campaign = get_object_or_404(Campaign.objects.public(), pk=pk, partners=partner)
    return partner, campaign


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    permission: str


# The workspace bar, in order; each shows to those holding its permission.
NAV = [
    NavItem(_("Campaigns"), "organise:campaigns", ORGANISE),
    NavItem(_("Review queue"), "organise:review", REVIEW),
    NavItem(_("API keys"), "organise:keys", ORGANISE),
    NavItem(_("Webhooks"), "organise:webhooks", ORGANISE),
    NavItem(_("Our co-sponsored campaigns"), "organise:partner_campaigns", SEE_PARTNER_CAMPAIGNS),
]


def navigation(request: HttpRequest) -> list[dict]:
    """The bar for this user, the current section marked."""
    items = []
    for item in NAV:
        if not request.user.has_perm(item.permission):
            continue
        # Superusers hold every permission but act for no partner.
        if item.permission == SEE_PARTNER_CAMPAIGNS and partner_of(request.user) is None:
            continue
        url = reverse(item.url_name)
        items.append({"label": item.label, "url": url, "current": request.path.startswith(url)})
    return items


def workspace_context(request: HttpRequest) -> dict:
    """The bar, on workspace pages only (a context processor)."""
    match = getattr(request, "resolver_match", None)
    if match is None or match.namespace != "organise" or not request.user.is_authenticated:
        return {}
    return {"workspace_nav": navigation(request)}
