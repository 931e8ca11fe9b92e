"""Staff exports of signatures: recorded in the audit log, streamed, formula-safe.

Exports carry the signer's name, postal code and comment, not their e-mail
address, street or phone: what organisers need to read and act on, no more.
The comment is in because the form tells signers that the organisers read it.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet

from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import Signature

HEADER = ["campaign", "name", "postal code", "status", "signed", "confirmed", "comment"]
# Only the columns the rows need are read (and only names are decrypted).
READ = [
    "campaign__slug", "first_name", "last_name", "postal_code", "status", "created_at",
    "confirmed_at", "comment",
]  # fmt: skip


def export_signatures(signatures: QuerySet[Signature], *, actor: str) -> Iterator[list[str]]:
    """Record the export, then return its rows (decrypted as they are read).

    The audit entry names the staff member, the number of rows and the
    campaigns, never anyone's data. It is written before the first row, so an
    export interrupted half-way is still on record.
    """
    signatures = signatures.order_by()
    campaign_ids = sorted(set(signatures.values_list("campaign_id", flat=True).distinct()))
    record(
        actor,
        AuditEntry.Action.EXPORT,
        rows=signatures.count(),
        campaigns=campaign_ids,
        columns=HEADER,
    )
    return _rows(signatures)


def _rows(signatures: QuerySet[Signature]) -> Iterator[list[str]]:
    selected = (
        signatures.select_related("campaign")
        .only(*READ)
        .order_by("campaign_id", "created_at", "id")
    )
    for signature in selected.iterator(chunk_size=500):
        yield [
            signature.campaign.slug,
            signature.full_name,
            signature.postal_code,
            signature.get_status_display(),
            signature.created_at.isoformat(timespec="seconds"),
            signature.confirmed_at.isoformat(timespec="seconds") if signature.confirmed_at else "",
            str(signature.comment or ""),
        ]
