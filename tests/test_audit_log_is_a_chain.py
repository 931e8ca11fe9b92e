from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from undersigned.privacy.audit import record, verify
from undersigned.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_entries_chain_and_verify():
    for n in range(5):
        record("organiser", "export", campaign="x", rows=n)
    report = verify()
    assert report.ok and report.entries == 5
    call_command("audit", "verify", verbosity=0)


def test_an_edited_row_is_detected_at_that_row():
    entries = [record("organiser", "export", rows=n) for n in range(4)]
    AuditEntry.objects.filter(pk=entries[2].pk).update(detail={"rows": 999})
    report = verify()
    assert not report.ok
    assert report.first_bad_id == entries[2].pk
    with pytest.raises(CommandError, match=f"entry {entries[2].pk}"):
        call_command("audit", "verify", verbosity=0)


def test_a_deleted_row_is_detected():
    entries = [record("organiser", "invalidate", rows=n) for n in range(4)]
    AuditEntry.objects.filter(pk=entries[1].pk)._raw_delete(AuditEntry.objects.db)
    report = verify()
    assert report.first_bad_id == entries[2].pk


def test_the_model_refuses_updates_and_deletes():
    entry = record("organiser", "erase", rows=1)
    entry.actor = "someone else"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
