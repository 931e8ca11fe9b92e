"""The admin site, which asks staff for a one-time code when STAFF_2FA is on.

It is django-otp's OTPAdminSite, except that it reads settings.STAFF_2FA on
every request instead of being chosen once at start-up, so the demo (and a
test) can run without second factors while production cannot.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import path
from django_otp.admin import OTPAdminSite

from .forms import StaffLoginForm


class StaffAdminSite(OTPAdminSite):
    site_header = "undersigned: organisers"
    site_title = "undersigned"

    def __init__(self, name: str = "admin"):
        super().__init__(name)

    @property
    def login_form(self):
        return StaffLoginForm if settings.STAFF_2FA else None

    @property
    def login_template(self):
        return super().login_template if settings.STAFF_2FA else None

    def get_urls(self):
        urls = super().get_urls()
        for index, pattern in enumerate(urls):
            if getattr(pattern, "name", None) == "view_on_site":
                urls[index] = path(
                    str(pattern.pattern), self.admin_view(self.view_on_site), name="view_on_site"
                )
        return urls

    def view_on_site(self, request, content_type_id, object_id):
        """Django's "View on site" redirect, for staff who may see the model.

        Django's own asks for no permission, so any staff member could learn
        where an object they may not see lives (a draft campaign's address).
        """
        try:
            model = ContentType.objects.get(pk=content_type_id).model_class()
        except (ContentType.DoesNotExist, ValueError) as error:
            raise Http404("No such object") from error
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise PermissionDenied
        return shortcut(request, content_type_id, object_id)

    def has_permission(self, request) -> bool:
        if settings.STAFF_2FA:
            # Staff who passed only the password count as not staff at all.
            return super().has_permission(request)
        return AdminSite.has_permission(self, request)
