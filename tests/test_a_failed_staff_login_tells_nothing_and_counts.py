"""A failed staff login looks the same whatever failed, and every failure counts.

Before, a right password with a missing or wrong one-time code got its own
message ("Please enter your OTP token", "Invalid token"), the device list and
the password itself back in the form: a password-guesser learnt when a
password was right, and django-axes counted no failure for it, so the code
could be guessed without a lockout.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def device(django_user_model):
    organiser = django_user_model.objects.create_user(
        "organiser", "organiser@example.org", PASSWORD, is_staff=True, is_superuser=True
    )
    return TOTPDevice.objects.create(user=organiser, name="phone-of-organiser", confirmed=True)


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    return "000000" if code_for(device) != "000000" else "111111"


def log_in(client, username="organiser", password=PASSWORD, code=""):
    data = {"username": username, "password": password, "otp_token": code, "next": "/admin/"}
    return client.post(reverse("admin:login"), data, REMOTE_ADDR="127.0.0.1")


def what_it_says(response) -> str:
    """The page as a guesser reads it, less the per-response CSRF token and nonce."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
    return re.sub(r"nonce-[^';\"]+|nonce=\"[^\"]+\"", "", page)


def test_every_failure_gets_the_same_page(client, device):
    failures = {
        "unknown user": log_in(client, username="nobody", code=wrong_code_for(device)),
        "wrong password": log_in(client, password="wrong", code=wrong_code_for(device)),
        "wrong password, no code": log_in(client, password="wrong"),
        "right password, no code": log_in(client),
        "right password, wrong code": log_in(client, code=wrong_code_for(device)),
    }
    pages = {name: what_it_says(response) for name, response in failures.items()}
    for name, response in failures.items():
        assert response.status_code == 200, name
        assert "Please enter a correct username, password and one-time code" in pages[name]
        for tell in ("OTP token", "Invalid token", "phone-of-organiser", PASSWORD, "disabled"):
            assert tell not in pages[name], (name, tell)
    assert pages["right password, wrong code"] == pages["wrong password"]
    assert pages["right password, no code"] == pages["wrong password, no code"]


def test_a_right_password_with_a_wrong_code_counts_towards_the_lockout(client, device):
    answers = [log_in(client, code=wrong_code_for(device)).status_code for _ in range(3)]
    answers.append(log_in(client).status_code)  # no code at all
    answers.append(log_in(client, password="wrong").status_code)
    # Three failures with the right password and a wrong code, one without a
    # code, then a wrong password: the fifth failure locks, as five wrong
    # passwords do.
    assert answers == [200, 200, 200, 200, 429]
    assert log_in(client, code=code_for(device)).status_code == 429


def test_the_right_password_and_code_still_let_staff_in(client, device, time_machine):
    log_in(client, code=wrong_code_for(device))
    # After a wrong code, django-otp makes the device wait a second.
    time_machine.move_to(timezone.now() + timedelta(seconds=2))
    response = log_in(client, code=code_for(device))
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == 200
