"""What an organisation's tools may see of a supporter: only signers who
consented to hear from that organisation, and only what the form asked.

Shared by the API (api/osdi.py) and webhooks (sending.py), so a CRM reading
signatures and one receiving them see the same supporter the same way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from undersigned.signatures.models import Consent, Signature


def consents_to(partner_id: int | None) -> Q:
    """The live consents to hear from this organisation (None: the organisation
    running the installation)."""
    if partner_id:
        return Q(kind=Consent.Kind.PARTNER, partner_id=partner_id, withdrawn_at__isnull=True)
    return Q(kind=Consent.Kind.ORGANISER, withdrawn_at__isnull=True)


def visible_signatures(
    signatures: QuerySet[Signature], partner_id: int | None
) -> QuerySet[Signature]:
    """Of these signatures, the confirmed, counted ones whose signers consent
    to hear from this organisation, each with those consents (`key_consents`)."""
    to_them = consents_to(partner_id)
    consented = Consent.objects.filter(to_them, signature=OuterRef("pk"))
    return (
        signatures.filter(status=Signature.Status.CONFIRMED, erased_at__isnull=True)
        .filter(Exists(consented))
        .prefetch_related(
            Prefetch("consents", Consent.objects.filter(to_them), to_attr="key_consents")
        )
    )


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def identifier(signature_id: Any) -> str:
    return f"undersigned:{signature_id}"


def person_json(signature: Signature) -> dict[str, Any]:
    """The signer as OSDI's person: what the form asked and they gave."""
    person: dict[str, Any] = {
        "given_name": signature.first_name,
        "family_name": signature.last_name,
        "email_addresses": [{"address": signature.email, "primary": True}],
    }
    if signature.postal_code:
        address: dict[str, Any] = {
            "primary": True,
            "postal_code": signature.postal_code,
            "country": signature.country,
        }
        if signature.street_address:
            address["address_lines"] = [signature.street_address]
        person["postal_addresses"] = [address]
    if signature.phone:
        person["phone_numbers"] = [{"number": signature.phone, "primary": True}]
    return person


def signature_json(
    signature: Signature, slug: str, partner_id: int | None, consents: list[Consent]
) -> dict[str, Any]:
    """OSDI's signature, with its person embedded, for this organisation:
    `consents` are the signer's live consents to it. Comments go to the
    organisation only: the form tells signers only it reads them."""
    body: dict[str, Any] = {
        "identifiers": [identifier(signature.pk)],
        "origin_system": settings.SITE_NAME,
        "created_date": signature.created_at.isoformat(),
        "action_date": signature.created_at.isoformat(),
        "undersigned:confirmed_date": signature.confirmed_at.isoformat()
        if signature.confirmed_at
        else None,
        "undersigned:consent": [
            {"text": consent.text, "given_date": consent.given_at.isoformat()}
            for consent in consents
        ],
    }
    if not partner_id and signature.comment:
        body["comments"] = signature.comment
    body["_links"] = {
        "self": {"href": absolute(reverse("api_v1_signature", args=[slug, signature.pk]))},
        "osdi:petition": {"href": absolute(reverse("api_v1_petition", args=[slug]))},
    }
    body["_embedded"] = {"osdi:person": person_json(signature)}
    return body
