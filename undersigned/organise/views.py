"""The workspace's doors: signing in and out, the start page, the campaign list
and each campaign's page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from undersigned.campaigns.models import Campaign
from undersigned.staff.forms import WorkspaceLoginForm

from .access import navigation, organiser_campaign, organiser_view, workspace_view
from .dashboard import dashboard_page, status_counts


class SignInView(auth_views.LoginView):
    """Username, password and (with STAFF_2FA) the code from one's authenticator.

    Wrong passwords count towards django-axes' lockout, as at the admin's door.
    """

    template_name = "organise/sign_in.html"
    redirect_authenticated_user = False

    def get_form_class(self):
        return WorkspaceLoginForm if settings.STAFF_2FA else AuthenticationForm

    def get_default_redirect_url(self) -> str:
        return reverse("organise:home")

    def form_invalid(self, form):
        # A clear 4xx, as for any bad input (django-axes answers 429 once locked).
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "two_factor": settings.STAFF_2FA}


sign_in = SignInView.as_view()


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view(next_page=reverse("organise:sign_in"))(request)


@workspace_view(None)
def home(request: HttpRequest) -> HttpResponse:
    """Start where one's role works: the first section of the bar."""
    sections = navigation(request)
    if not sections:
        return render(request, "organise/no_role.html", status=403)
    return redirect(sections[0]["url"])


@organiser_view
def campaigns(request: HttpRequest) -> HttpResponse:
    listed = list(Campaign.objects.order_by("status", "-created_at"))
    counts = status_counts([campaign.pk for campaign in listed])
    rows = [{"campaign": campaign, "counts": counts[campaign.pk]} for campaign in listed]
    return render(request, "organise/campaigns.html", {"rows": rows})


@organiser_view
def campaign(request: HttpRequest, pk: int) -> HttpResponse:
    return dashboard_page(request, organiser_campaign(pk))
