from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Staff accounts. `staff totp USERNAME` gives a staff user an authenticator "
        "(TOTP) device and prints its otpauth:// URI once: add it to an authenticator "
        "app (or turn it into a QR code locally), then keep no copy. `--replace` "
        "removes the user's existing authenticators first."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["totp"])
        parser.add_argument("username")
        parser.add_argument("--replace", action="store_true")

    def handle(self, *args, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: options["username"]})
        except user_model.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        if not user.is_staff:
            raise CommandError(f"{user.get_username()!r} is not staff.")
        with transaction.atomic():
            existing = TOTPDevice.objects.filter(user=user)
            if existing.exists() and not options["replace"]:
                raise CommandError(
                    f"{user.get_username()!r} already has an authenticator; "
                    "add --replace to remove it and make a new one."
                )
            existing.delete()
            # Confirmed at once: whoever runs this command hands the secret over.
            device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
        self.stdout.write(device.config_url)
