"""Postal code formats by country: validation and the canonical stored form."""

from __future__ import annotations

import re

# Canonical patterns, matched after upper-casing and collapsing spaces.
FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "US": (re.compile(r"^(\d{5})(?:-?\d{4})?$"), "a 5-digit ZIP code, like 02143"),
    "CA": (re.compile(r"^([ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]) ?(\d[ABCEGHJ-NPRSTV-Z]\d)$"),
           "a postal code like K1A 0B1"),
    "GB": (re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$"), "a postcode like SW1A 1AA"),
    "DE": (re.compile(r"^(\d{5})$"), "a 5-digit Postleitzahl"),
    "FR": (re.compile(r"^(\d{5})$"), "a 5-digit code postal"),
    "AU": (re.compile(r"^(\d{4})$"), "a 4-digit postcode"),
}  # fmt: skip
GENERIC = (re.compile(r"^([A-Z0-9][A-Z0-9 -]{1,9})$"), "a postal code")


class InvalidPostalCode(ValueError):
    pass


def normalise_postal_code(value: str, country: str) -> str:
    """Return the canonical form of a postal code, or raise InvalidPostalCode.

    US codes keep only the five-digit ZIP: ZIP+4 adds nothing to placing a
    signer and would make the stored code more identifying.
    """
    text = " ".join(value.upper().split())
    pattern, description = FORMATS.get(country.upper(), GENERIC)
    match = pattern.match(text)
    if not match:
        raise InvalidPostalCode(f"Enter {description}.")
    if country.upper() == "US":
        return match.group(1)
    if country.upper() in {"CA", "GB"}:
        return f"{match.group(1)} {match.group(2)}"
    return match.group(1)
