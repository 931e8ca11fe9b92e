"""Shared set-up for the area page tests: a few real places with made-up ZIP
links, signers made through the actions, and publishing the public numbers.

Every address is on example.org; the lawmakers are fictional.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

from django.utils import timezone

from undersigned.areas.models import Division, PostalCodeDivision
from undersigned.participation.actions import publish
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import process_counts
from .delivery_helpers import CAMBRIDGE, SOMERVILLE, STATE, bulk_signatures, division

CALIFORNIA = "ocd-division/country:us/state:ca"
OAKLAND = f"{CALIFORNIA}/place:oakland"
SVG = "{http://www.w3.org/2000/svg}"


def geography() -> dict[str, Division]:
    """Massachusetts with Somerville and Cambridge, California with Oakland, and
    ZIP links: 02143 lies in Somerville only; 02140 is split (in this test data)
    between Cambridge and Somerville; 94607 lies in Oakland."""
    areas = {
        "ma": division(STATE, "Massachusetts"),
        "somerville": division(SOMERVILLE, "Somerville"),
        "cambridge": division(CAMBRIDGE, "Cambridge"),
        "ca": division(CALIFORNIA, "California"),
        "oakland": division(OAKLAND, "Oakland"),
    }
    link_postal_codes(
        areas,
        {
            "02143": ["ma", "somerville"],
            "02140": ["ma", "cambridge", "somerville"],
            "94607": ["ca", "oakland"],
        },
    )
    return areas


def link_postal_codes(areas: dict[str, Division], links: dict[str, list[str]]) -> None:
    """US postal code -> the named areas it lies in (made by hand)."""
    for code, names in links.items():
        for name in names:
            PostalCodeDivision.objects.get_or_create(
                country="US",
                postal_code=code,
                division=areas[name],
                defaults={"method": PostalCodeDivision.Method.MANUAL},
            )


def signer(
    campaign,
    places,
    n: int,
    *,
    first: str = "",
    last: str = "Example",
    listed: bool = False,
    confirm: bool = True,
    postal_code: str = "02143",
) -> Signature:
    """One signer, through the same actions the sign form and the e-mailed link call."""
    result = actions.sign(
        campaign,
        actions.SignerDetails(
            email=f"person{n}@example.org",
            first_name=first or f"Person{n}",
            last_name=last,
            postal_code=postal_code,
            country="US",
            divisions=tuple((place, "lookup") for place in places),
            listed=listed,
        ),
    )
    if confirm:
        actions.confirm(
            result.signature.pk, confirm_token(result.signature.pk, result.signature.link_version)
        )
    result.signature.refresh_from_db()
    return result.signature


def bulk_signers(
    campaign, places, count: int, *, start: int = 0, days: int = 1, listed: bool = False
) -> list:
    """Many confirmed signers at once, for tests about pages rather than signing,
    confirmed over the last `days` days."""
    now = timezone.now()
    return bulk_signatures(
        campaign, places, count, start=start, listed=listed,
        confirmed_at=lambda n: now - timedelta(days=(n - start) % days, seconds=1),
    )  # fmt: skip


def publish_now(campaign):
    """Count, as the worker does every second, then publish the public numbers,
    as the first page view of the next hour would."""
    process_counts()
    campaign.refresh_from_db()
    return publish(campaign)


def svg_in(html: str, css_class: str) -> ET.Element:
    """The inline <svg class="…"> element of a page, parsed as XML."""
    match = re.search(rf'<svg [^>]*class="{css_class}".*?</svg>', html, re.S)
    assert match, f"no <svg class={css_class!r}> in the page"
    return ET.fromstring(match.group(0))


def text_of(element: ET.Element, tag: str) -> str:
    found = element.find(SVG + tag)
    assert found is not None, f"no <{tag}>"
    return "".join(found.itertext())
