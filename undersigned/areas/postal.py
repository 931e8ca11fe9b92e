"""Postal code formats by country: validation and the canonical stored form."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Canonical patterns, matched after upper-casing and collapsing spaces.
FORMATS: dict[str, tuple[re.Pattern[str], StrOrPromise]] = {
    "US": (re.compile(r"^(\d{5})(?:-?\d{4})?$"), _("a 5-digit ZIP code, like 02143")),
    "CA": (re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$"),
           _("a postal code like K1A 0B1")),
    "GB": (re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$"), _("a postcode like SW1A 1AA")),
    "DE": (re.compile(r"^(\d{5})$"), _("a 5-digit Postleitzahl")),
    "FR": (re.compile(r"^(\d{5})$"), _("a 5-digit code postal")),
    "AU": (re.compile(r"^(\d{4})$"), _("a 4-digit postcode")),
}  # fmt: skip
GENERIC = (re.compile(r"^([A-Z0-9][A-Z0-9 -]{1,9})$"), _("a postal code"))


class InvalidPostalCode(ValueError):
    pass


def normalise_postal_code(value: str, country: str) -> str:
    """Return the canonical form of a postal code, or raise InvalidPostalCode.

    US codes keep only the five-digit ZIP: ZIP+4 adds nothing to placing a
    signer and would make the stored code more identifying.
    """
    text = " ".join(unicodedata.normalize("NFKC", value).upper().split())
    pattern, description = FORMATS.get(country.upper(), GENERIC)
    # `\d` also matches other scripts' digits; areas are keyed by ASCII codes.
    match = pattern.match(text) if text.isascii() else None
    if not match:
        raise InvalidPostalCode(_("Enter %(description)s.") % {"description": description})
    if country.upper() == "US":
        return match.group(1)
    if country.upper() in {"CA", "GB"}:
        return f"{match.group(1)} {match.group(2)}"
    return match.group(1)


# Postal prefixes some countries' data is published at: a Canadian forward
# sortation area (K1A), a UK postcode district (SW1A) or sector (SW1A 1).
PREFIXES: dict[str, list[re.Pattern[str]]] = {
    "CA": [re.compile(r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]$")],
    "GB": [re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$"), re.compile(r"^[A-Z]{1,2}\d[A-Z\d]? \d$")],
}


def normalise_postal_key(value: str, country: str) -> str:
    """The stored form of a postal key in imported data: a full code or a known prefix."""
    text = " ".join(value.upper().split())
    prefixes = PREFIXES.get(country.upper(), [])
    if text.isascii() and any(pattern.match(text) for pattern in prefixes):
        return text
    return normalise_postal_code(text, country)


def lookup_keys(postal_code: str, country: str) -> list[str]:
    """The keys a canonical postal code is looked up by, most specific first."""
    country = country.upper()
    if country == "CA":
        return [postal_code, postal_code[:3]]
    if country == "GB":
        outward, _, inward = postal_code.partition(" ")
        return [postal_code, f"{outward} {inward[:1]}", outward] if inward else [postal_code]
    return [postal_code]
