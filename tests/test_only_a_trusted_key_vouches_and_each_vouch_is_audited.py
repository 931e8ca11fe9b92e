"""A signature recorded through the API counts only once its signer confirms,
unless a key trusted to vouch for confirmed addresses (a scope, off by
default) asks for it: then it counts at once, the signer gets a receipt
with their private link instead of a confirmation, and the audit log names
the key that vouched, in the same transaction."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from undersigned.counting.counts import confirmed_count
from undersigned.integrations.keys import create_key
from undersigned.outbox.models import Email
from undersigned.privacy.models import AuditEntry
from undersigned.signatures.models import Signature

from .conftest import make_campaign, process_counts
from .partners_tools import person

pytestmark = pytest.mark.django_db

HELPER = "/api/v1/petitions/stop-face-surveillance/record_signature_helper"


def record(token: str, body: dict):
    return Client().post(HELPER, json.dumps(body), "application/json", HTTP_OSDI_API_TOKEN=token)


@pytest.fixture
def campaign(db):
    return make_campaign()


def test_a_recorded_signature_waits_for_its_signer_to_confirm(campaign):
    token = create_key("CRM", actor="test", scopes=["signatures:record"]).token
    assert record(token, person("robin@example.org")).status_code == 202
    process_counts()
    signature = Signature.objects.get()
    assert (signature.status, confirmed_count(campaign)) == ("pending", 0)
    assert list(Email.objects.values_list("kind", flat=True)) == ["confirm"]


def test_a_trusted_key_vouches_and_the_audit_log_says_which(campaign):
    made = create_key(
        "Confirmed list", actor="organiser", scopes=["signatures:record", "signatures:vouch"]
    )
    answer = record(
        made.token, person("robin@example.org", **{"undersigned:vouch_confirmed": True})
    )
    assert (answer.status_code, answer.json()["undersigned:confirmation"]) == (202, "vouched")
    process_counts()
    signature = Signature.objects.get()
    assert (signature.status, confirmed_count(campaign)) == ("confirmed", 1)
    assert list(Email.objects.values_list("kind", flat=True)) == ["receipt"]
    vouch = AuditEntry.objects.get(action="api_vouch")
    assert (vouch.actor, vouch.detail) == (
        f"api-key:{made.key.pk}",
        {"signature": str(signature.pk), "campaign": campaign.pk},
    )


def test_the_same_address_again_changes_nothing_and_answers_the_same(campaign):
    token = create_key(
        "Confirmed list", actor="test", scopes=["signatures:record", "signatures:vouch"]
    ).token
    body = person("robin@example.org", **{"undersigned:vouch_confirmed": True})
    first, second = record(token, body), record(token, body)
    assert (first.status_code, first.json()) == (second.status_code, second.json())
    assert Signature.objects.count() == 1
    assert AuditEntry.objects.filter(action="api_vouch").count() == 1
    assert sorted(Email.objects.values_list("kind", flat=True)) == ["already_signed", "receipt"]


def test_a_key_without_the_scope_may_not_vouch(campaign):
    token = create_key("CRM", actor="test", scopes=["signatures:record"]).token
    answer = record(token, person("robin@example.org", **{"undersigned:vouch_confirmed": True}))
    assert answer.status_code == 403
    error = answer.json()["osdi:error"]["resource_status"][0]["error_descriptions"][0]
    assert (error["error_code"], error["properties"]) == (
        "SCOPE_MISSING",
        ["undersigned:vouch_confirmed"],
    )
    assert not Signature.objects.exists()


def test_vouching_is_off_unless_asked_and_needs_recording():
    assert "signatures:vouch" not in create_key("Plain", actor="test").key.scopes
    with pytest.raises(ValidationError):
        create_key("Odd", actor="test", scopes=["signatures:vouch"])
