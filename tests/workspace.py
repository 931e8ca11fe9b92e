"""Shared set-up for the workspace tests: state house districts with and
without coverage, fictional representatives, and one account per role.

Every address is on example.org; every lawmaker is made up.
"""

from __future__ import annotations

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import totp

from undersigned.areas.models import ContactPoint, Division, Official
from undersigned.campaigns.actions import save_campaign
from undersigned.campaigns.models import Campaign, Partner
from undersigned.integrations.webhooks import add_endpoint
from undersigned.staff.roles import Role, create_account
from undersigned.updates.models import Update

from .area_pages import CALIFORNIA, geography, link_postal_codes
from .conftest import signed_in_with_second_factor
from .delivery_helpers import STATE, division

PASSWORD = "a long passphrase for tests"
FIRST_MIDDLESEX = f"{STATE}/sldl:1st_middlesex"
SECOND_MIDDLESEX = f"{STATE}/sldl:2nd_middlesex"
EAST_BAY = f"{CALIFORNIA}/sldl:18"


def representative(district: Division, name: str, *, email: str = "") -> Official:
    official = Official.objects.create(
        key=f"{name}|lower|{district.ocd_id}",
        name=name,
        office=f"Representative, {district.name}",
        role="lower",
        division=district,
    )
    if email:
        ContactPoint.objects.create(
            official=official, kind=ContactPoint.Kind.EMAIL, value=email, for_delivery=True
        )
    return official


def districts() -> dict[str, Division]:
    """State house districts: in Massachusetts, 02143 lies in the 1st Middlesex,
    02140 is split between the 1st and the 2nd (the form asks); both have a
    representative with an e-mail address. California's one district has a
    representative but no postal code linked: coverage is partial."""
    areas = geography()
    found = {
        "1st": division(FIRST_MIDDLESEX, "1st Middlesex"),
        "2nd": division(SECOND_MIDDLESEX, "2nd Middlesex"),
        "east_bay": division(EAST_BAY, "Assembly District 18"),
    }
    link_postal_codes(found, {"02143": ["1st"], "02140": ["1st", "2nd"]})
    representative(found["1st"], "Robin Example (fictional)", email="rep.1st@example.org")
    representative(found["2nd"], "Casey Sample (fictional)", email="rep.2nd@example.org")
    representative(found["east_bay"], "Jordan Madeup (fictional)", email="rep.18@example.org")
    return {**areas, **found}


def senate_without_links() -> Division:
    """A state senate district with a senator but no postal code: zero coverage."""
    district = division(f"{STATE}/sldu:1st_suffolk", "1st Suffolk")
    official = Official.objects.create(
        key=f"senator|upper|{district.ocd_id}",
        name="Avery Invented (fictional)",
        office="Senator, 1st Suffolk",
        role="upper",
        division=district,
    )
    ContactPoint.objects.create(
        official=official, kind="email", value="senator@example.org", for_delivery=True
    )
    return district


def account(role: Role, username: str, partner: Partner | None = None, *, email: str = ""):
    return create_account(
        role, username, password=PASSWORD, partner=partner, actor="test", email=email
    )


def signed_in(user) -> Client:
    """A client signed in as `user` with the second factor verified."""
    return signed_in_with_second_factor(user)


def code_for(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits):0{device.digits}d}"


def draft(**fields) -> Campaign:
    values = {
        "slug": "draft-letter",
        "title": "A draft letter",
        "summary": "Not launched yet.",
        "body": "Draft **text**.",
        "organisation": "Test Rights Group",
        "letter_subject": "Please act",
        "letter_body": "Dear representative,\n\nPlease act.",
        "status": Campaign.Status.DRAFT,
    }
    values.update(fields)
    return save_campaign(Campaign(**values))


def workspace_patterns() -> dict[str, URLPattern]:
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "organise":
            return {pattern.name: pattern for pattern in entry.url_patterns}
    raise AssertionError("no organise namespace in the URLconf")


URL_PATTERNS = workspace_patterns()


def workspace_url_names() -> list[str]:
    return list(URL_PATTERNS)


def workspace_url(name: str, campaign, delivery) -> str:
    """The URL of a workspace page, for this campaign (its delivery, its update)."""
    if name in ("update", "update_test", "update_send"):
        args = [campaign.pk, Update.objects.get(campaign=campaign).pk]
    elif name == "delivery_pack":
        args = [campaign.pk, delivery.pk]
    elif name == "webhook":
        args = [add_endpoint("https://crm.example.org/hook", actor="test").endpoint.pk]
    else:
        takes_pk = "<int:pk>" in str(URL_PATTERNS[name].pattern)
        args = [campaign.pk] if takes_pk else []
    query = "?who=opted_in" if name == "export_csv" else ""
    return reverse(f"organise:{name}", args=args) + query
