"""Staff sign in with a password and a one-time code; guessing is throttled."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

import undersigned.settings as production

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def organiser(django_user_model):
    return django_user_model.objects.create_user(
        "organiser", "organiser@example.org", PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def device(organiser):
    return TOTPDevice.objects.create(user=organiser, name="authenticator", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    """What the organiser's authenticator app shows right now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def log_in(client, password=PASSWORD, code="", address="127.0.0.1"):
    data = {"username": "organiser", "password": password, "otp_token": code, "next": "/admin/"}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR=address)


def admin_index_status(client) -> int:
    return client.get(reverse("admin:index")).status_code


def test_the_admin_refuses_staff_who_passed_only_the_password(client, organiser):
    assert settings.STAFF_2FA
    client.force_login(organiser)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_admin_lets_in_staff_with_a_verified_device(staff_client):
    assert staff_client.get(reverse("admin:index")).status_code == 200
    signatures = reverse("admin:signatures_signature_changelist")
    assert staff_client.get(signatures).status_code == 200


@override_settings(STAFF_2FA=False)
def test_without_staff_2fa_a_password_is_enough(client, organiser):
    page = client.get(reverse("admin:login")).content.decode()
    assert "otp_token" not in page
    response = log_in(client)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert admin_index_status(client) == 200


def test_staff_sign_in_with_password_and_the_code_from_their_app(client, device, time_machine):
    wrong = "000000" if code_for(device) != "000000" else "111111"
    response = log_in(client, code=wrong)
    assert (
        "Please enter a correct username, password and one-time code" in response.content.decode()
    )
    assert admin_index_status(client) == 302

    # After a wrong code, django-otp makes the device wait a second.
    time_machine.move_to(timezone.now() + timedelta(seconds=2))
    response = log_in(client, code=code_for(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert admin_index_status(client) == 200
    # The session ends with the browser: the cookie has no lifetime of its own.
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""


def test_a_password_without_a_code_is_not_enough(client, device):
    assert 'name="otp_token"' in client.get(reverse("admin:login")).content.decode()
    response = log_in(client, code="")
    assert response.status_code == 200
    assert (
        "Please enter a correct username, password and one-time code" in response.content.decode()
    )
    assert admin_index_status(client) == 302


def test_the_command_gives_staff_an_authenticator_and_prints_it_once(client, organiser):
    out = io.StringIO()
    call_command("staff", "totp", "organiser", stdout=out)
    uri = out.getvalue().strip()
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert unquote(parts.path) == f"/{settings.SITE_NAME}:organiser"
    assert parse_qs(parts.query)["issuer"] == [settings.SITE_NAME]

    device = TOTPDevice.objects.get(user=organiser)
    assert device.confirmed
    assert log_in(client, code=code_for(device)).status_code == 302
    assert admin_index_status(client) == 200

    with pytest.raises(CommandError, match="already has an authenticator"):
        call_command("staff", "totp", "organiser", stdout=io.StringIO())
    replaced = io.StringIO()
    call_command("staff", "totp", "organiser", "--replace", stdout=replaced)
    assert replaced.getvalue().strip() != uri
    assert list(TOTPDevice.objects.filter(user=organiser)) != [device]
    assert TOTPDevice.objects.filter(user=organiser).count() == 1


def test_the_command_refuses_users_who_are_not_staff(django_user_model):
    django_user_model.objects.create_user("supporter", password=PASSWORD)
    with pytest.raises(CommandError, match="not staff"):
        call_command("staff", "totp", "supporter", stdout=io.StringIO())
    with pytest.raises(CommandError, match="No user"):
        call_command("staff", "totp", "nobody", stdout=io.StringIO())


def test_the_sixth_wrong_password_is_locked_out_for_an_hour(client, device, time_machine):
    answers = [log_in(client, password="wrong").status_code for _ in range(6)]
    # Four times the form again; the fifth failure locks, the sixth try is refused.
    assert answers == [200, 200, 200, 200, 429, 429]
    # Locked: even the right password and code are refused from this address.
    response = log_in(client, code=code_for(device))
    assert response.status_code == 429
    assert admin_index_status(client) == 302

    # The lock is on this username from this address only.
    assert log_in(client, code=code_for(device), address="192.0.2.7").status_code == 302
    assert admin_index_status(client) == 200
    client.logout()

    time_machine.move_to(timezone.now() + timedelta(minutes=61))
    assert log_in(client, code=code_for(device)).status_code == 302
    assert admin_index_status(client) == 200


def test_a_successful_sign_in_resets_the_count(client, device, time_machine):
    for _ in range(4):
        log_in(client, password="wrong")
    assert log_in(client, code=code_for(device)).status_code == 302
    client.logout()
    time_machine.move_to(timezone.now() + timedelta(seconds=31))  # the next code
    for _ in range(4):
        assert log_in(client, password="wrong").status_code == 200
    assert log_in(client, code=code_for(device)).status_code == 302
    assert admin_index_status(client) == 200


def test_staff_idle_for_half_an_hour_are_signed_out(staff_client, time_machine):
    assert admin_index_status(staff_client) == 200
    time_machine.move_to(timezone.now() + timedelta(minutes=20))
    assert admin_index_status(staff_client) == 200
    time_machine.move_to(timezone.now() + timedelta(minutes=settings.STAFF_IDLE_MINUTES + 1))
    assert admin_index_status(staff_client) == 302


def test_passwords_are_stored_as_argon2(organiser):
    # The test settings use a fast hasher; production's list is the one to check.
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        organiser.set_password(PASSWORD)
        organiser.save()
        organiser.refresh_from_db()
        assert organiser.password.startswith("argon2$argon2id$")
        assert identify_hasher(organiser.password).algorithm == "argon2"
        assert organiser.check_password(PASSWORD)
        assert not organiser.check_password("wrong")
