"""`undersigned staff organiser|reviewer|partner` makes each kind of account,
with a password and an authenticator printed once; the account signs in to
the workspace with both, and lands where its role works."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from undersigned.campaigns.models import Partner
from undersigned.privacy.models import AuditEntry
from undersigned.staff.models import PartnerAccount

from .workspace import code_for

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("staff", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("role", "extra", "lands_on"),
    [
        ("organiser", [], "organise:campaigns"),
        ("reviewer", [], "organise:review"),
        ("partner", ["--partner", "Local Network"], "organise:partner_campaigns"),
    ],
)
def test_each_role_gets_an_account_that_signs_in_with_password_and_code(
    client, role, extra, lands_on
):
    Partner.objects.create(name="Local Network")
    printed = run(role, "someone", "--email", "someone@example.org", *extra)
    password = re.search(r"^password: (\S+)$", printed, re.M).group(1)
    assert re.search(r"^authenticator: otpauth://totp/", printed, re.M)
    device = TOTPDevice.objects.get(user__username="someone")

    form = {"username": "someone", "password": password, "otp_token": code_for(device)}
    response = client.post(reverse("organise:sign_in"), form)
    assert response.status_code == 302
    response = client.get(reverse("organise:home"))
    assert response["Location"] == reverse(lands_on)
    assert client.get(response["Location"]).status_code == 200

    entry = AuditEntry.objects.get(action="account")
    assert entry.detail["username"] == "someone" and entry.detail["role"] == role
    assert PartnerAccount.objects.filter(user__username="someone").exists() == (role == "partner")


def test_a_password_alone_is_not_enough_to_sign_in(client):
    printed = run("organiser", "someone")
    password = re.search(r"^password: (\S+)$", printed, re.M).group(1)
    response = client.post(
        reverse("organise:sign_in"), {"username": "someone", "password": password}
    )
    assert response.status_code == 400
    assert client.get(reverse("organise:campaigns")).status_code == 302


def test_the_command_refuses_what_it_cannot_make():
    with pytest.raises(CommandError, match="needs its partner organisation"):
        run("partner", "lonely")
    with pytest.raises(CommandError, match="No partner organisation named"):
        run("partner", "lonely", "--partner", "Nobody")
    run("reviewer", "taken")
    with pytest.raises(CommandError, match="taken is taken"):
        run("reviewer", "taken")


def test_the_sixth_wrong_password_at_the_workspace_door_is_locked_out(client):
    run("organiser", "someone")
    answers = [
        client.post(
            reverse("organise:sign_in"), {"username": "someone", "password": "wrong"}
        ).status_code
        for _ in range(6)
    ]
    assert answers == [400, 400, 400, 400, 429, 429]
