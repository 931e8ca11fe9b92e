"""The admin site, which asks staff for a one-time code when STAFF_2FA is on.

It is django-otp's OTPAdminSite, except that it reads settings.STAFF_2FA on
every request instead of being chosen once at start-up, so the demo (and a
test) can run without second factors while production cannot.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.auth.signals import user_login_failed
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import path
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the code from one's authenticator, in one step.

    Whatever fails (an unknown user, a wrong password, a right password with
    a missing or wrong code, a device made to wait after wrong codes), the
    form says the same thing and shows the same page: a guesser never learns
    that a password was right. A right password with a failed code is
    reported to django-axes as a failed login, so guessing codes locks the
    account out as guessing passwords does.

    django-otp asks the user to pick a device before it checks a code, so that
    a code is never tried against several devices (each failure would throttle
    a device that was not in use). A staff member with exactly one device, as
    `undersigned staff totp` gives them, has nothing to pick; the device list
    is never shown, since it would only appear after a right password.
    """

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter a correct username, password and one-time code for a staff "
            "account. Note that the username and password may be case-sensitive."
        ),
    }

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is not None:
                # The password was right: django-axes hears of a failure only
                # from authenticate(), which succeeded.
                user_login_failed.send(
                    sender=type(self),
                    credentials={"username": self.cleaned_data.get("username")},
                    request=self.request,
                )
                # The login page shows the device list and a challenge button
                # to a form that knows its user.
                self.user_cache = None
            raise self.get_invalid_login_error() from None

    def _update_form(self, user):
        """django-otp fills in the user's devices and keeps the typed password
        in the form after a right password: a tell. Nothing changes here."""

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None:
            devices = list(devices_for_user(user, for_verify=True))
            if len(devices) == 1:
                device = devices[0]
        return device


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
