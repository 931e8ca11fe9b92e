"""Names, e-mail, street, phone and comments are encrypted, bound to their row."""

from __future__ import annotations

import base64
import json

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from undersigned.memo import forget_all
from undersigned.privacy.audit import verify
from undersigned.privacy.identity import email_digest
from undersigned.privacy.models import AuditEntry
from undersigned.privacy.rotation import rotate
from undersigned.privacy.sealing import SealError
from undersigned.signatures.models import Signature

from .conftest import form_data

pytestmark = pytest.mark.django_db

SECRET_WORDS = ["Wilhelmina", "Zanzibar-Street", "zed@example.org", "555-0199", "my-comment"]


def sign_secretly(client, campaign, email="zed@example.org"):
    campaign.street_address_field = "optional"
    campaign.phone_field = "optional"
    campaign.save()
    data = form_data(
        first_name="Wilhelmina",
        last_name="Quartz",
        email=email,
        street_address="1 Zanzibar-Street",
        phone="555-0199",
        comment="my-comment",
    )
    assert client.post(reverse("sign", args=[campaign.slug]), data).status_code == 200
    return Signature.objects.get(email_digest=email_digest(email), campaign=campaign)


def raw_rows() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM signatures_signature")
        return cursor.fetchall()


def test_the_raw_table_holds_no_plaintext(client, campaign):
    sign_secretly(client, campaign)
    dump = repr(raw_rows()).encode() + b"".join(
        bytes(value) for row in raw_rows() for value in row if isinstance(value, bytes | memoryview)
    )
    for word in SECRET_WORDS:
        assert word.encode() not in dump
        assert word.lower().encode() not in dump.lower()


def test_values_read_back_through_the_model(client, campaign):
    signature = sign_secretly(client, campaign)
    fresh = Signature.objects.get(pk=signature.pk)
    assert (fresh.first_name, fresh.email, fresh.phone) == (
        "Wilhelmina",
        "zed@example.org",
        "555-0199",
    )


def test_a_ciphertext_swapped_between_rows_fails_to_open(client, campaign):
    first = sign_secretly(client, campaign)
    second = sign_secretly(client, campaign, email="other@example.org")
    stolen = Signature.objects.get(pk=first.pk).__dict__["email"].blob
    Signature.objects.filter(pk=second.pk).update(email=stolen)
    with pytest.raises(SealError):
        _ = Signature.objects.get(pk=second.pk).email


def test_a_ciphertext_moved_to_another_column_fails_to_open(client, campaign):
    signature = sign_secretly(client, campaign)
    blob = bytes(Signature.objects.get(pk=signature.pk).__dict__["email"].blob)
    Signature.objects.filter(pk=signature.pk).update(first_name=blob)
    with pytest.raises(SealError):
        _ = Signature.objects.get(pk=signature.pk).first_name


def test_plain_text_cannot_be_written_past_the_seal(client, campaign):
    signature = sign_secretly(client, campaign)
    with pytest.raises(TypeError):
        Signature.objects.filter(pk=signature.pk).update(first_name="plain")


def ring(current: str, **named: bytes) -> str:
    return json.dumps(
        {
            "current": current,
            "keys": {kid: base64.b64encode(key).decode() for kid, key in named.items()},
            "pepper": base64.b64encode(b"p" * 32).decode(),
        }
    )


def test_rotation_reseals_every_value_under_the_new_key_and_keeps_it_readable(client, campaign):
    signature = sign_secretly(client, campaign)
    new_ring = ring("t2", t1=b"k" * 32, t2=b"n" * 32)
    with override_settings(UNDERSIGNED_KEYS=new_ring):
        forget_all()
        try:
            assert rotate(dry_run=True)["signatures.Signature"] == 1
            assert rotate(batch_size=1)["signatures.Signature"] == 1
            assert rotate()["signatures.Signature"] == 0
            fresh = Signature.objects.get(pk=signature.pk)
            assert fresh.__dict__["email"].blob[3:5] == b"t2"
            assert fresh.email == "zed@example.org"
            # The old key can now leave the ring: values still open.
            with override_settings(UNDERSIGNED_KEYS=ring("t2", t2=b"n" * 32)):
                forget_all()
                assert Signature.objects.get(pk=signature.pk).first_name == "Wilhelmina"
        finally:
            forget_all()
    forget_all()


def test_a_value_sealed_with_a_key_no_longer_in_the_ring_is_an_error(client, campaign):
    signature = sign_secretly(client, campaign)
    with override_settings(UNDERSIGNED_KEYS=ring("t9", t9=b"z" * 32)):
        forget_all()
        try:
            with pytest.raises(SealError, match="unknown key"):
                _ = Signature.objects.get(pk=signature.pk).email
        finally:
            forget_all()


def test_rotation_is_written_to_the_audit_log(client, campaign):
    from django.core.management import call_command

    sign_secretly(client, campaign)
    call_command("keys", "rotate", verbosity=0)
    entry = AuditEntry.objects.get()
    assert entry.action == "key_rotation"
    assert verify().ok
