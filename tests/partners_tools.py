"""Shared set-up for the API, embed and webhook tests: two partner
organisations, campaigns they co-sponsor, supporters with every kind of
consent, and a key for each organisation. Built through the actions the
workspace and the sign form call; every address is on example.org."""

from __future__ import annotations

from dataclasses import dataclass, field

from undersigned.campaigns.models import Campaign, Partner
from undersigned.integrations.keys import create_key, revoke_key
from undersigned.signatures import actions
from undersigned.signatures.forms import consent_texts
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Consent, Signature

from .conftest import make_campaign
from .workspace import draft

ALL_SCOPES = ("campaigns:read", "supporters:read", "signatures:record")


def consent_to(campaign: Campaign, partner: Partner | None) -> actions.ConsentGiven:
    """The consent the campaign's form offers for hearing from this organisation."""
    name = f"consent_partner_{partner.pk}" if partner else "consent_organiser"
    text, _partner = consent_texts(campaign)[name]
    kind = Consent.Kind.PARTNER if partner else Consent.Kind.ORGANISER
    return actions.ConsentGiven(kind=kind, text=text, partner=partner)


def supporter(campaign, email: str, *consents, confirm: bool = True, **details) -> Signature:
    """A supporter who signs (and confirms) through the sign form's actions."""
    result = actions.sign(
        campaign,
        actions.SignerDetails(
            email=email,
            first_name=details.pop("first_name", email.split("@")[0].title()),
            last_name=details.pop("last_name", "Example"),
            postal_code=details.pop("postal_code", "02143"),
            country="US",
            **details,
        ),
        consents=consents,
    )
    if confirm:
        actions.confirm(
            result.signature.pk, confirm_token(result.signature.pk, result.signature.link_version)
        )
    result.signature.refresh_from_db()
    return result.signature


@dataclass
class World:
    partner_a: Partner
    partner_b: Partner
    shared: Campaign
    a_only: Campaign
    hidden: Campaign
    signatures: dict[str, Signature] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def partners_world(**campaign_fields) -> World:
    partner_a = Partner.objects.create(name="Partner A", url="https://a.example.org/")
    partner_b = Partner.objects.create(name="Partner B", url="https://b.example.org/")
    shared = make_campaign(slug="shared", title="Shared campaign", **campaign_fields)
    shared.partners.add(partner_a, partner_b)
    a_only = make_campaign(slug="a-only", title="A's campaign")
    a_only.partners.add(partner_a)
    hidden = draft(slug="a-draft")
    hidden.partners.add(partner_a)
    world = World(partner_a, partner_b, shared, a_only, hidden)

    def to(partner):
        return consent_to(shared, partner)

    world.signatures = {
        "organiser": supporter(shared, "org@example.org", to(None)),
        "a": supporter(shared, "a@example.org", to(partner_a)),
        "b": supporter(shared, "b@example.org", to(partner_b)),
        "ab": supporter(shared, "ab@example.org", to(partner_a), to(partner_b)),
        "none": supporter(shared, "none@example.org"),
        "a_pending": supporter(shared, "pending@example.org", to(partner_a), confirm=False),
        "a_withdrew": supporter(shared, "withdrew@example.org", to(partner_a)),
        "a_elsewhere": supporter(a_only, "elsewhere@example.org", consent_to(a_only, partner_a)),
    }
    withdrew = world.signatures["a_withdrew"]
    Consent.objects.filter(signature=withdrew).update(withdrawn_at=withdrew.confirmed_at)
    world.tokens = {
        "partner_a": create_key(
            "A's CRM", actor="test", partner=partner_a, scopes=ALL_SCOPES
        ).token,
        "partner_b": create_key(
            "B's CRM", actor="test", partner=partner_b, scopes=ALL_SCOPES
        ).token,
        "organiser": create_key("Our CRM", actor="test", scopes=ALL_SCOPES).token,
    }
    revoked = create_key("Old key", actor="test", scopes=ALL_SCOPES)
    revoke_key(revoked.key, actor="test")
    world.tokens["revoked"] = revoked.token
    return world


def person(email: str, **fields) -> dict:
    """A record_signature_helper body, as OSDI writes one."""
    return {
        "person": {
            "given_name": fields.pop("given_name", "Robin"),
            "family_name": fields.pop("family_name", "Example"),
            "email_addresses": [{"address": email, "primary": True}],
            "postal_addresses": [{"postal_code": fields.pop("postal_code", "02143")}],
        },
        **fields,
    }
