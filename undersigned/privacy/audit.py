"""Append to and verify the chained audit log."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import GENESIS, AuditEntry


def entry_hash(prev_hash: str, at, actor: str, action: str, detail: dict) -> str:
    canonical = json.dumps(
        [prev_hash, at.isoformat(), actor, action, detail], sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def record(actor: str, action: str, **detail) -> AuditEntry:
    """Append an entry. Retries when another process appended first."""
    for _ in range(10):
        try:
            with transaction.atomic():
                last = AuditEntry.objects.order_by("-id").only("hash").first()
                prev = last.hash if last else GENESIS
                at = timezone.now()
                # Round-trip through JSON so the hash covers what the database stores.
                detail = json.loads(json.dumps(detail, default=str))
                return AuditEntry.objects.create(
                    at=at,
                    actor=actor,
                    action=action,
                    detail=detail,
                    prev_hash=prev,
                    hash=entry_hash(prev, at, actor, action, detail),
                )
        except IntegrityError:
            continue
    raise RuntimeError("Could not append to the audit log after 10 attempts")


@dataclass
class ChainReport:
    entries: int
    first_bad_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_id is None


def verify() -> ChainReport:
    prev = GENESIS
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        count += 1
        if entry.prev_hash != prev:
            return ChainReport(count, entry.id, "does not follow the entry before it")
        expected = entry_hash(prev, entry.at, entry.actor, entry.action, entry.detail)
        if entry.hash != expected:
            return ChainReport(count, entry.id, "was changed after it was written")
        prev = entry.hash
    return ChainReport(count)
