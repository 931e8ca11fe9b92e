"""What happens to signatures: sign, confirm, remember and forget a device.

Views, the admin, commands and tests all come through these functions; none of
them writes signature rows by itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language

from undersigned.areas.models import Division, SignatureDivision
from undersigned.campaigns.cache import campaign_by_pk
from undersigned.campaigns.models import Campaign, Partner
from undersigned.counting.actions import record_transition, transition_with
from undersigned.outbox.actions import email_row, queue_email
from undersigned.outbox.models import Email
from undersigned.plainsql import column, execute, insert_together, one_statement, table, value
from undersigned.privacy.audit import record
from undersigned.privacy.identity import email_digest, new_token, token_digest
from undersigned.privacy.models import AuditEntry

from .links import InvalidLink, confirm_token_version
from .models import Consent, Device, Signature
from .signals import signature_confirmed


class CampaignNotOpen(Exception):
    """The campaign does not take signatures (draft, closed or archived)."""


@dataclass(frozen=True, repr=False)
class SignerDetails:
    """What a signer typed. Its repr shows none of it, so no log line or report can."""

    email: str
    first_name: str = ""
    last_name: str = ""
    postal_code: str = ""
    country: str = ""
    street_address: str = ""
    phone: str = ""
    comment: str = ""
    # (division, how) pairs from the sign form's area step; counted per area.
    divisions: tuple[tuple[Division, str], ...] = ()
    # Listed by first name, initial and city on the area page (ticked by the signer).
    listed: bool = False

    def __repr__(self) -> str:
        return "<SignerDetails: personal data not shown>"


@dataclass(frozen=True)
class ConsentGiven:
    kind: str
    text: str
    partner: Partner | None = None


@dataclass(frozen=True)
class Screening:
    """What the abuse checks found about a sign-up (undersigned/abuse/assess.py).

    `held`: near-certain abuse; the signature is quarantined and nothing is
    sent. `signals`: what an honest person can trip, recorded for staff once
    they passed `check` ("pow" or "wait")."""

    network_digest: bytes | None = None
    network_origin: int | None = None
    held: tuple[str, ...] = ()
    signals: tuple[str, ...] = ()
    check: str = ""


@dataclass
class SignResult:
    signature: Signature
    created: bool
    # True when the signature counted at once (signed from a remembered device).
    confirmed: bool = False
    emails: list[Email] = field(default_factory=list)


def sign(
    campaign: Campaign,
    details: SignerDetails,
    *,
    consents: tuple[ConsentGiven, ...] | list[ConsentGiven] = (),
    remember: bool = False,
    device: Device | None = None,
    network_digest: bytes | None = None,
    language: str | None = None,
    vouched_by: str | None = None,
    screening: Screening | None = None,
) -> SignResult:
    """Record a signature and queue what must follow, in one transaction.

    A second signature from the same person (by normalised e-mail) creates
    nothing: the caller shows the same answer, and the person gets an e-mail
    saying they already signed. Signing from a remembered device whose token
    came from a confirmed e-mail counts at once, with no e-mail round-trip.

    With `screening.held` (near-certain abuse, see undersigned/abuse/assess.py)
    the answer looks the same to the sender, but the signature is held for
    staff review, never counts unless released, and nothing is e-mailed: not
    the confirmation, not "you already signed" (release sends the
    confirmation). `screening` carries the rest of what the checks found.

    The signer signs the letter in their language (the active one unless
    given) when the campaign has it, and is written to in that language.

    `vouched_by` names an API key trusted to vouch that the address is
    confirmed (docs/api.md): the signature counts at once, like one from a
    remembered device, and the audit log records who vouched for it, in the
    same transaction.
    """
    screening = screening or Screening(network_digest=network_digest)
    if not campaign.is_live:
        raise CampaignNotOpen(campaign.slug)
    language = language or get_language()
    digest = email_digest(details.email)
    trusted = bool(vouched_by) or (device is not None and bytes(device.email_digest) == digest)
    now = timezone.now()
    try:
        if not trusted and one_statement() and not connection.in_atomic_block:
            # A new signer (most of a surge): the signature, its consents,
            # areas and confirmation e-mail are one statement on PostgreSQL,
            # a transaction of its own (plainsql.insert_together: one round trip).
            return _record(campaign, details, digest, trusted, now, consents=consents,
                           remember=remember, device=device, screening=screening,
                           language=language, vouched_by=vouched_by)  # fmt: skip
        # The signature is the transaction's first write, so a duplicate
        # rolls back nothing else and needs no savepoint (a round trip each
        # way on PostgreSQL): the already-signed answer gets a transaction
        # of its own.
        with transaction.atomic():
            return _record(campaign, details, digest, trusted, now, consents=consents,
                           remember=remember, device=device, screening=screening,
                           language=language, vouched_by=vouched_by)  # fmt: skip
    except IntegrityError:
        with transaction.atomic():
            existing = _already_signed(campaign, digest, mail=not screening.held)
        if existing is None:
            raise
        return existing


def _record(campaign, details, digest, trusted, now, *, consents, remember, device,
            screening, language, vouched_by) -> SignResult:  # fmt: skip
    held = bool(screening.held)
    signature = Signature(
        campaign=campaign,
        letter_version=campaign.current_letter(language),
        language=language,
        email_digest=digest,
        email=details.email,
        first_name=details.first_name,
        last_name=details.last_name,
        postal_code=details.postal_code,
        country=details.country,
        street_address=details.street_address,
        phone=details.phone,
        comment=details.comment,
        remember_device=remember and not trusted,
        listed=details.listed,
        status=Signature.Status.CONFIRMED if trusted else Signature.Status.PENDING,
        confirmed_at=now if trusted else None,
        network_digest=screening.network_digest,
        network_origin=screening.network_origin,
        signals=", ".join(screening.signals)[:100],
        check_passed=screening.check,
        # The confirmation e-mail below is the first of its share.
        emails_queued=0 if trusted or held else 1,
    )
    if held:
        signature.held_status = signature.status
        signature.status = Signature.Status.QUARANTINED
        signature.quarantine_reason = ", ".join(screening.held)[:100]
    placements = [
        SignatureDivision(signature=signature, division=division, how=how)
        for division, how in details.divisions
    ]
    if not trusted:
        # The confirmation e-mail (none for a held sign-up) is written with
        # the signature, its consents and its areas.
        email = None if held else email_row(signature, Email.Kind.CONFIRM)
        emails = [email] if email else []
        insert_together([signature], consent_rows(signature, consents, now), placements,
                                 emails)  # fmt: skip
        return SignResult(signature, created=True, emails=emails)
    signature.save(force_insert=True)
    record_consents(signature, consents, now)
    SignatureDivision.objects.bulk_create(placements)
    if vouched_by:
        audit = {"signature": str(signature.pk), "campaign": campaign.pk}
        record(vouched_by, AuditEntry.Action.API_VOUCH, **audit)
    if device is not None:
        Device.objects.filter(pk=device.pk).update(last_used_at=now)
    if signature.status == Signature.Status.CONFIRMED:
        record_transition(signature, +1)
        confirmed_now(signature)
    # No confirmation round-trip, but the signer still gets their private
    # link: to see, change, withdraw or erase what they just signed.
    receipt = None if held else email_within_share(signature, Email.Kind.RECEIPT)
    return SignResult(signature, created=True, confirmed=True, emails=[receipt] if receipt else [])


def confirmed_now(signature: Signature) -> None:
    """Tell the layers above that a signature counts now (signals.py)."""
    signature_confirmed.send(
        sender=Signature, signature_ids=[signature.pk], campaign_id=signature.campaign_id
    )


def record_consents(signature: Signature, consents, now) -> None:
    """Keep each consent with the exact words the signer saw, and their hash."""
    Consent.objects.bulk_create(consent_rows(signature, consents, now))


def consent_rows(signature: Signature, consents, now) -> list[Consent]:
    return [
        Consent(
            signature=signature,
            kind=given.kind,
            partner=given.partner,
            text=given.text,
            text_sha256=hashlib.sha256(given.text.encode()).hexdigest(),
            given_at=now,
        )
        for given in consents
    ]


def _already_signed(campaign: Campaign, digest: bytes, *, mail: bool) -> SignResult | None:
    existing = Signature.objects.filter(
        campaign=campaign, email_digest=digest, erased_at__isnull=True
    ).first()
    if existing is None:
        return None  # the integrity error was something else
    email = email_within_share(existing, Email.Kind.ALREADY_SIGNED) if mail else None
    return SignResult(existing, created=False, emails=[email] if email else [])


def email_within_share(signature: Signature, kind: str) -> Email | None:
    """Queue one e-mail about a signature, unless it already had its share.

    The cap is settled by a conditional UPDATE, so concurrent duplicate
    signatures cannot push one address past MAX_EMAILS_PER_SIGNATURE. (A new
    signature is saved with its confirmation e-mail counted already.)
    """
    allowed = Signature.objects.filter(
        pk=signature.pk, emails_queued__lt=settings.MAX_EMAILS_PER_SIGNATURE
    ).update(emails_queued=F("emails_queued") + 1)
    if not allowed:
        return None
    return queue_email(signature, kind)


@dataclass
class ConfirmResult:
    signature: Signature
    newly_confirmed: bool
    # The raw device token to put in the cookie, when the signer asked to be
    # remembered. Shown once; only its digest is stored.
    device_token: str | None = None


def find_for_link(signature_id, token: str, *, any_age: bool = False) -> Signature:
    """The signature a confirmation link is for.

    InvalidLink if the link is forged, revoked ("Revoke this link" and erasure
    bump the signature's link_version) or points nowhere; ExpiredLink (an
    InvalidLink) if it is genuine and current but older than its lifetime,
    unless `any_age`.
    """
    version = confirm_token_version(signature_id, token, any_age=any_age)
    try:
        signature = _by_id(signature_id)
    except (ValidationError, ValueError) as error:
        raise InvalidLink from error
    if signature is None or signature.link_version != version or signature.erased_at:
        raise InvalidLink
    _attach_campaign(signature)
    return signature


def _by_id(signature_id) -> Signature | None:
    """Signature.objects.filter(pk=…).first(), written once: every confirmation
    link's request reads its signature, and the ORM's building of the query
    cost more CPU than the database spent on it (plainsql.py)."""
    sql = f"SELECT * FROM {table(Signature)} WHERE {column(Signature, 'id')} = %s"  # noqa: S608
    found = Signature.objects.raw(sql, [value(Signature, "id", signature_id)])
    return next(iter(found), None)


def send_fresh_link(signature_id, token: str) -> None:
    """After an expired confirmation link: e-mail a new one, if the signature
    still waits for confirmation. The e-mail counts towards the signature's
    share (MAX_EMAILS_PER_SIGNATURE); a revoked or forged link gets nothing
    (InvalidLink)."""
    signature = find_for_link(signature_id, token, any_age=True)
    if signature.awaiting_confirmation:
        with transaction.atomic():
            email_within_share(signature, Email.Kind.CONFIRM)


def _attach_campaign(signature: Signature) -> None:
    # The process's copy, with its rules and letter (campaigns/cache.py): the
    # thank-you redirect and the confirm page need no query for them.
    campaign = campaign_by_pk(signature.campaign_id)
    if campaign is None:
        raise InvalidLink
    signature.campaign = campaign


def confirm(signature_id, token: str) -> ConfirmResult:
    """Confirm a signature from its e-mailed link. Confirming twice is harmless."""
    signature = find_for_link(signature_id, token)
    now = timezone.now()
    with transaction.atomic():
        confirmed, counted = _pending_confirmed(signature, now)
        if confirmed:
            if not counted:
                record_transition(signature, +1)
            signature.status = Signature.Status.CONFIRMED
            confirmed_now(signature)
        else:
            # Quarantined: confirmation is recorded but the signature still
            # does not count; release will make it confirmed.
            confirmed = Signature.objects.filter(
                pk=signature.pk,
                status=Signature.Status.QUARANTINED,
                held_status=Signature.Status.PENDING,
            ).update(held_status=Signature.Status.CONFIRMED, confirmed_at=now)
            signature.held_status = Signature.Status.CONFIRMED
        if not confirmed:
            # Confirmed before, withdrawn or invalidated: show it as it is now.
            signature.refresh_from_db()
            _attach_campaign(signature)
            return ConfirmResult(signature, newly_confirmed=False)
        signature.confirmed_at = now
        token_for_cookie = remember_device(signature) if signature.remember_device else None
    return ConfirmResult(signature, newly_confirmed=True, device_token=token_for_cookie)


def _pending_confirmed(signature: Signature, now) -> tuple[int, bool]:
    """Confirm the signature if it waits for it (1), else 0: the conditional
    UPDATE that settles a confirmation, without the ORM's query building.
    On PostgreSQL its count event is written by the same statement (True:
    counted already); elsewhere the caller records it."""
    status, when, key = (column(Signature, name) for name in ("status", "confirmed_at", "id"))
    sql = (
        f"UPDATE {table(Signature)} SET {status} = %s, {when} = %s"  # noqa: S608
        f" WHERE {key} = %s AND {status} = %s"
    )
    params = [
        Signature.Status.CONFIRMED.value,
        value(Signature, "confirmed_at", now),
        value(Signature, "id", signature.pk),
        Signature.Status.PENDING.value,
    ]
    if one_statement():
        returning = f" RETURNING {key}, {column(Signature, 'campaign')}"
        return transition_with(sql + returning, params, +1), True
    return execute(sql, params), False


def remember_device(signature: Signature) -> str:
    """Save a confirmed signer's details for this browser; return the cookie token."""
    token, digest = new_token()
    Device.objects.create(
        token_digest=digest,
        email_digest=signature.email_digest,
        **{name: getattr(signature, name) for name in Device.SAVED_FIELDS},
        country=signature.country,
    )
    return token


def recognise(token: str | None) -> Device | None:
    if not token or len(token) > 100:
        return None
    return Device.objects.filter(token_digest=token_digest(token)).first()


def forget_device(token: str | None) -> None:
    if token and len(token) <= 100:
        Device.objects.filter(token_digest=token_digest(token)).delete()
