"""Organisers make a key in the workspace for their organisation or a partner,
see it once (the database keeps only its SHA-256), and revoke it: from then
on it opens nothing. Both are in the audit log."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from undersigned.campaigns.models import Partner
from undersigned.integrations.models import ApiKey
from undersigned.privacy.models import AuditEntry
from undersigned.staff.roles import Role

from .conftest import make_campaign
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db

KEY = re.compile(r'value="(usk_[A-Za-z0-9_-]{43})"')


@pytest.fixture
def organiser(db):
    return signed_in(account(Role.ORGANISER, "organiser"))


def api(token: str, path: str = "/api/v1/petitions"):
    return Client().get(path, HTTP_OSDI_API_TOKEN=token)


def test_a_key_is_shown_once_and_kept_as_a_hash(organiser):
    partner = Partner.objects.create(name="Partner A")
    campaign = make_campaign()
    campaign.partners.add(partner)
    response = organiser.post(
        reverse("organise:keys"),
        {"label": "A's CRM", "partner": partner.pk, "scopes": ["campaigns:read"]},
    )
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    [token] = KEY.findall(response.content.decode())
    key = ApiKey.objects.get()
    assert (key.partner, key.scopes, key.created_by) == (partner, ["campaigns:read"], "organiser")
    assert bytes(key.digest) == hashlib.sha256(token.encode()).digest()
    assert token not in organiser.get(reverse("organise:keys")).content.decode()
    assert api(token).json()["total_records"] == 1
    entry = AuditEntry.objects.get(action="api_key")
    assert (entry.actor, entry.detail["made"], entry.detail["partner"]) == (
        "organiser",
        key.pk,
        partner.pk,
    )
    assert token not in str(entry.detail)


def test_a_revoked_key_opens_nothing_at_once(organiser):
    organiser.post(reverse("organise:keys"), {"label": "Ours", "scopes": ["campaigns:read"]})
    response = organiser.post(
        reverse("organise:keys"), {"label": "Ours", "scopes": ["campaigns:read"]}
    )
    [token] = KEY.findall(response.content.decode())
    assert api(token).status_code == 200
    key = ApiKey.objects.order_by("pk").last()
    revoked = organiser.post(reverse("organise:revoke_key", args=[key.pk]))
    assert revoked.status_code == 302
    assert api(token).status_code == 401
    key.refresh_from_db()
    assert (key.revoked_by, AuditEntry.objects.filter(detail__revoked=key.pk).count()) == (
        "organiser",
        1,
    )
    # The other key still works: revoking is one key's business.
    assert ApiKey.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_trusted_key_needs_the_organiser_to_tick_it(organiser):
    organiser.post(
        reverse("organise:keys"),
        {"label": "Confirmed list", "scopes": ["signatures:record"], "vouch": "on"},
    )
    organiser.post(reverse("organise:keys"), {"label": "Plain", "scopes": ["signatures:record"]})
    assert dict(ApiKey.objects.values_list("label", "vouch_confirmed")) == {
        "Confirmed list": True,
        "Plain": False,
    }
