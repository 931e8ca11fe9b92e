"""Staff sign-in forms: username, password and the code from one's
authenticator, in one step, for the admin site and the organisers' workspace."""

from __future__ import annotations

from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.forms import OTPAuthenticationForm

INVALID_LOGIN = (
    "Please enter a correct username, password and one-time code for a staff "
    "account. Note that the username and password may be case-sensitive."
)


class OneStep:
    """Whatever fails (an unknown user, a wrong password, a right password with
    a missing or wrong code, a device made to wait after wrong codes), the
    form says the same thing and shows the same page: a guesser never learns
    that a password was right. A right password with a failed code is
    reported to django-axes as a failed login, so guessing codes locks the
    account out as guessing passwords does.

    django-otp asks the user to pick a device before it checks a code, so that
    a code is never tried against several devices (each failure would throttle
    a device that was not in use). A staff member with exactly one device, as
    `undersigned staff` gives them, has nothing to pick; the device list is
    never shown, since it would only appear after a right password.
    """

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


class StaffLoginForm(OneStep, OTPAdminAuthenticationForm):
    """The admin's sign-in (superusers and staff)."""

    error_messages = {**OTPAdminAuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN}


class WorkspaceLoginForm(OneStep, OTPAuthenticationForm):
    """The organisers' workspace sign-in (every workspace role)."""

    error_messages = {**OTPAuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN}
