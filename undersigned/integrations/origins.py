"""Partners' web addresses, checked: the sites that may embed a campaign and
the URLs webhooks go to.

Both must be https on a domain name. Plain http is allowed only to this
machine (127.0.0.0/8, ::1, localhost) and only with PARTNERS_ON_LOOPBACK,
which the settings refuse outside the demo and the tests.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from undersigned.addresses import ascii_domain

LOOPBACK_NAMES = {"localhost"}


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host(parts: SplitResult) -> str:
    """The host in ASCII, lower case; ValidationError if it is not a domain name
    (or, with PARTNERS_ON_LOOPBACK, this machine)."""
    host = (parts.hostname or "").rstrip(".")
    if settings.PARTNERS_ON_LOOPBACK and is_loopback(host):
        return host
    domain = ascii_domain(host) if host else None
    if domain is None or "." not in domain:
        raise ValidationError(_("Give a web address with a domain name, like partner.example.org."))
    return domain.lower()


def _scheme(parts: SplitResult, host: str) -> str:
    scheme = parts.scheme.lower()
    if scheme == "https" or (
        scheme == "http" and settings.PARTNERS_ON_LOOPBACK and is_loopback(host)
    ):
        return scheme
    raise ValidationError(_("The address must start with https://."))


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port
    except ValueError:
        raise ValidationError(_("That port is not a number between 0 and 65535.")) from None


def _netloc(scheme: str, host: str, port: int | None) -> str:
    shown = f"[{host}]" if ":" in host else host
    if port is None or port == {"https": 443, "http": 80}[scheme]:
        return shown
    return f"{shown}:{port}"


def normalise_origin(raw: str) -> str:
    """`https://Partner.Example.org:443/` -> `https://partner.example.org`.

    ValidationError for anything that is not a bare origin: a path, a query,
    a user name, another scheme, a wildcard.
    """
    text = raw.strip()
    if not text or len(text) > 200 or any(char.isspace() or char in ";,'\"*" for char in text):
        raise ValidationError(_("“%(value)s” is not a web site's address.") % {"value": text[:80]})
    parts = urlsplit(text)
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError(
            _("Give only the site: https://partner.example.org, nothing after it.")
        )
    if parts.path not in {"", "/"}:
        raise ValidationError(
            _("Give only the site: https://partner.example.org, nothing after it.")
        )
    host = _host(parts)
    scheme = _scheme(parts, host)
    return f"{scheme}://{_netloc(scheme, host, _port(parts))}"


def normalise_url(raw: str) -> str:
    """A webhook receiver's URL: https, a domain name, any path and query,
    no user name or fragment. ValidationError otherwise."""
    text = raw.strip()
    if not text or len(text) > 500 or any(char.isspace() for char in text):
        raise ValidationError(_("Give the receiver's full address, starting with https://."))
    parts = urlsplit(text)
    if parts.username or parts.password or parts.fragment:
        raise ValidationError(_("The address may not carry a user name, password or #fragment."))
    host = _host(parts)
    scheme = _scheme(parts, host)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{_netloc(scheme, host, _port(parts))}{path}{query}"
