"""`undersigned check --deploy`: what a production installation cannot do without."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

from .keys import key_ring


@register(Tags.security, deploy=True)
def check_key_ring(app_configs=None, **kwargs) -> list[Error]:
    """Personal data cannot be sealed or read without the key ring. (The demo
    makes one up in var/keys.json; a deployment must name its own.)"""
    if not (settings.UNDERSIGNED_KEYS or settings.UNDERSIGNED_KEY_FILE):
        return [
            Error(
                "No key ring for personal data is configured.",
                hint="Set UNDERSIGNED_KEY_FILE (or UNDERSIGNED_KEYS); create one with "
                "`undersigned keys new` and keep it out of the database's backups.",
                id="undersigned.E001",
            )
        ]
    try:
        key_ring()
    except ImproperlyConfigured as error:
        return [
            Error(
                f"The key ring for personal data cannot be used: {error}",
                hint="Check UNDERSIGNED_KEY_FILE (or UNDERSIGNED_KEYS).",
                id="undersigned.E001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_site_url(app_configs=None, **kwargs) -> list[Error]:
    """Every private link in every e-mail (confirm, manage, unsubscribe) is built
    from SITE_URL: over plain HTTP, anyone on the way could read and use it."""
    if urlsplit(settings.SITE_URL).scheme != "https":
        return [
            Error(
                f"SITE_URL ({settings.SITE_URL}) does not start with https://.",
                hint="Set SITE_URL to the site's address, e.g. https://petitions.example.org: "
                "the private links in e-mails are built from it.",
                id="undersigned.E002",
            )
        ]
    return []
