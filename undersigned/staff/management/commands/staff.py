"""`undersigned staff`: workspace accounts and their authenticators.

    undersigned staff organiser USERNAME [--email E]
    undersigned staff reviewer USERNAME [--email E]
    undersigned staff partner USERNAME --partner "Partner name" [--email E]
    undersigned staff totp USERNAME [--replace]

The first three create an account in that role with a new random password
(or the one read from standard input with --password-stdin) and an
authenticator (TOTP), and print the password and the authenticator's
otpauth:// URI once: hand them over, keep no copy. `totp` gives an existing
staff or workspace user a new authenticator.
"""

from __future__ import annotations

import secrets
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from undersigned.campaigns.models import Partner
from undersigned.staff.roles import Role, create_account, has_workspace_role, new_authenticator


def new_password() -> str:
    return secrets.token_urlsafe(15)


class Command(BaseCommand):
    help = (
        "Workspace accounts: `staff organiser|reviewer|partner USERNAME` creates one with a "
        "password and an authenticator (TOTP) and prints both once; `staff totp USERNAME` "
        "gives a user a new authenticator (`--replace` removes the old one first). Add the "
        "otpauth:// URI to an authenticator app (or turn it into a QR code locally), then "
        "keep no copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["totp", *Role.values])
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true", help="totp: replace the device")
        parser.add_argument("--email", default="")
        parser.add_argument("--partner", default="", help="partner: the organisation's name")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args, **options):
        if options["action"] == "totp":
            return self.totp(options["username"], replace=options["replace"])
        return self.create(Role(options["action"]), options)

    def totp(self, username: str, *, replace: bool) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No user {username!r}.") from None
        if not (user.is_staff or has_workspace_role(user)):
            raise CommandError(f"{user.get_username()!r} is not staff.")
        try:
            device = new_authenticator(user, replace=replace)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(device.config_url)

    def create(self, role: Role, options) -> None:
        partner = None
        if options["partner"]:
            partner = Partner.objects.filter(name=options["partner"]).first()
            if partner is None:
                raise CommandError(f"No partner organisation named {options['partner']!r}.")
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else ""
        password = password or new_password()
        try:
            with transaction.atomic():
                user = create_account(
                    role,
                    options["username"],
                    password=password,
                    email=options["email"],
                    partner=partner,
                    actor="console",
                )
                device = new_authenticator(user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"{role.label} account {options['username']!r} created.")
        if not options["password_stdin"]:
            self.stdout.write(f"password: {password}")
        self.stdout.write(f"authenticator: {device.config_url}")
