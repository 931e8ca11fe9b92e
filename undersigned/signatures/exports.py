"""Staff exports of signatures: recorded in the audit log, streamed, formula-safe.

Two exports. The admin's (`export_signatures`) carries the signer's name,
postal code and comment, not their e-mail address, street or phone: what
organisers need to read and act on; the comment is in because the form tells
signers that the organisers read it. The workspace's (`export_supporters`)
is for a CRM import: e-mail, names, postal code, areas, status, dates and
the consents, of the supporters the caller chose (organise/exports.py
chooses them: for a partner, exactly those who consented to hear from it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from undersigned.areas.models import SignatureDivision
from undersigned.campaigns.models import Partner
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import Consent, Signature

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


# Supporters, for a CRM ---------------------------------------------------------
#
# The columns carry the names Action Network's list upload matches by itself
# (email, first_name, last_name, zip_code, country); ActionKit's import takes
# the same with `zip` for `zip_code` and `created_at` for `signed_at`. The
# consent columns say whether, when and to which exact words the signer
# agreed to hear from whoever exports: what an opt-in-only list needs on file.

SUPPORTER_HEADER = [
    "email", "first_name", "last_name", "zip_code", "country", "areas", "status",
    "signed_at", "confirmed_at", "email_opt_in", "opt_in_at", "opt_in_text_sha256",
    "consents", "campaign",
]  # fmt: skip
SUPPORTER_READ = [
    "pk", "campaign__slug", "email", "first_name", "last_name", "postal_code", "country",
    "status", "created_at", "confirmed_at",
]  # fmt: skip
PAGE = 500


@dataclass(frozen=True)
class Audience:
    """Whose consents an export shows: the organiser's (every consent kind,
    partners named), or one partner's (its own consent alone)."""

    partner: Partner | None = None

    def consents(self) -> QuerySet[Consent]:
        current = Consent.objects.filter(withdrawn_at__isnull=True).select_related("partner")
        if self.partner is None:
            return current
        return current.filter(kind=Consent.Kind.PARTNER, partner=self.partner)

    def opts_in(self, consent: Consent) -> bool:
        if self.partner is None:
            return consent.kind == Consent.Kind.ORGANISER
        return True


def export_supporters(
    signatures: QuerySet[Signature], *, actor: str, what: str, audience: Audience
) -> Iterator[list[str]]:
    """Record the export (who, what, how many rows), then return its rows,
    read a page at a time: a fixed number of queries per 500 supporters."""
    signatures = signatures.filter(erased_at__isnull=True).order_by()
    record(
        actor,
        AuditEntry.Action.EXPORT,
        what=what,
        rows=signatures.count(),
        campaigns=sorted(set(signatures.values_list("campaign_id", flat=True).distinct())),
        partner=audience.partner.pk if audience.partner else None,
        columns=SUPPORTER_HEADER,
    )
    return _supporter_rows(signatures, audience)


def _supporter_rows(signatures: QuerySet[Signature], audience: Audience) -> Iterator[list[str]]:
    after = None
    while True:
        page = signatures.select_related("campaign").only(*SUPPORTER_READ).order_by("pk")
        if after is not None:
            page = page.filter(pk__gt=after)
        found = list(page[:PAGE])
        if not found:
            return
        after = found[-1].pk
        ids = [signature.pk for signature in found]
        areas = _areas_of(ids)
        consents: dict[object, list[Consent]] = defaultdict(list)
        for consent in audience.consents().filter(signature_id__in=ids).order_by("given_at"):
            consents[consent.signature_id].append(consent)
        for signature in found:
            yield _supporter_row(signature, areas[signature.pk], consents[signature.pk], audience)


def _areas_of(ids: list) -> dict[object, list[str]]:
    names: dict[object, list[str]] = defaultdict(list)
    placed = (
        SignatureDivision.objects.filter(signature_id__in=ids)
        .select_related("division")
        .order_by("division__ocd_id")
    )
    for placement in placed:
        names[placement.signature_id].append(placement.division.public_name)
    return names


def _supporter_row(signature, areas, consents, audience) -> list[str]:
    opt_in = next((consent for consent in consents if audience.opts_in(consent)), None)
    return [
        str(signature.email or ""),
        str(signature.first_name or ""),
        str(signature.last_name or ""),
        signature.postal_code,
        signature.country,
        "; ".join(areas),
        signature.status,
        _when(signature.created_at),
        _when(signature.confirmed_at),
        "yes" if opt_in else "no",
        _when(opt_in.given_at) if opt_in else "",
        opt_in.text_sha256 if opt_in else "",
        "; ".join(_consent(consent) for consent in consents),
        signature.campaign.slug,
    ]


def _consent(consent: Consent) -> str:
    """'partner:Network|2026-11-22T10:00:00+00:00|sha256:ab12…': kind, time, text hash."""
    kind = consent.kind
    if consent.partner is not None:
        kind = f"{kind}:{consent.partner.name}"
    return f"{kind}|{_when(consent.given_at)}|sha256:{consent.text_sha256}"


def _when(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
