"""Re-seal personal data under the current key, in batches."""

from __future__ import annotations

from django.apps import apps
from django.db import transaction

from .fields import Sealed, SealedField
from .keys import key_ring
from .sealing import key_id_of


def sealed_models():
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, SealedField)]
        if fields:
            yield model, fields


def rotate(batch_size: int = 500, dry_run: bool = False) -> dict[str, int]:
    """Re-seal every value not sealed with the current key; return counts by model."""
    current = key_ring().current
    counts: dict[str, int] = {}
    for model, fields in sealed_models():
        done = 0
        last_pk = None
        while True:
            rows = model._default_manager.order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows[:batch_size])
            if not batch:
                break
            last_pk = batch[-1].pk
            stale = [row for row in batch if _needs_rotation(row, fields, current)]
            if stale and not dry_run:
                with transaction.atomic():
                    for row in stale:
                        # Reading opens each value with its old key and keeps
                        # the plain text; saving seals it with the current one.
                        for field in fields:
                            getattr(row, field.attname)
                        row.save(update_fields=[field.name for field in fields])
            done += len(stale)
        counts[model._meta.label] = done
    return counts


def _needs_rotation(row, fields, current: str) -> bool:
    for field in fields:
        value = row.__dict__.get(field.attname)
        if isinstance(value, Sealed) and key_id_of(value.blob) != current:
            return True
    return False
