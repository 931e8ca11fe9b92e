"""API keys: made and revoked by organisers, checked on every API request.

A key is `usk_` and 43 random URL-safe characters, shown once when made; the
database keeps its SHA-256. Each key may make API_REQUESTS_PER_MINUTE
requests a minute, counted on its own row by one conditional UPDATE, so the
limit holds across every web process without a table of its own.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.campaigns.models import Partner
from undersigned.privacy.audit import record
from undersigned.privacy.identity import token_digest
from undersigned.privacy.models import AuditEntry

from .models import SCOPES, ApiKey

TOKEN_PREFIX = "usk_"
# What a token can look like; anything longer is refused unhashed.
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    # The key itself: shown to the organiser once, kept nowhere.
    token: str


@transaction.atomic
def create_key(
    label: str,
    *,
    actor: str,
    partner: Partner | None = None,
    scopes: list[str] | tuple[str, ...] = ("campaigns:read",),
) -> NewKey:
    """A new key for the organisation (no partner) or one partner, audited."""
    label = " ".join(label.split())
    if not label:
        raise ValidationError(_("Give the key a label, like “Our CRM”."))
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValidationError(
            _("Unknown scope: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    if "signatures:vouch" in scopes and "signatures:record" not in scopes:
        raise ValidationError(_("Only a key that records signatures can vouch for addresses."))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        label=label[:100],
        partner=partner,
        digest=token_digest(token),
        prefix=token[:10],
        created_by=actor,
        **{field: name in scopes for name, field in SCOPES.items()},
    )
    record(
        actor,
        AuditEntry.Action.API_KEY,
        made=key.pk,
        partner=partner.pk if partner else None,
        scopes=key.scopes,
    )
    return NewKey(key, token)


@transaction.atomic
def revoke_key(key: ApiKey, *, actor: str) -> bool:
    """Revoke a key at once, for every process. False if it was revoked already."""
    now = timezone.now()
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    if revoked:
        record(actor, AuditEntry.Action.API_KEY, revoked=key.pk)
        key.revoked_at, key.revoked_by = now, actor
    return bool(revoked)


class KeyRefused(Exception):
    """No usable key: missing, unknown, revoked (401), or over its rate (429)."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


def authenticate(token: str | None) -> ApiKey:
    """The live key for this token, its request counted; KeyRefused otherwise."""
    if not token:
        raise KeyRefused(401, "NO_API_KEY", _("Send your API key in the OSDI-API-Token header."))
    key = None
    if len(token) <= MAX_TOKEN_LENGTH:
        key = ApiKey.objects.select_related("partner").filter(digest=token_digest(token)).first()
    if key is None or key.revoked_at is not None:
        raise KeyRefused(401, "INVALID_API_KEY", _("This API key is not valid, or was revoked."))
    wait = count_request(key)
    if wait:
        raise KeyRefused(
            429, "RATE_LIMITED", _("Too many requests with this key: try again shortly."), wait
        )
    return key


def minute_of(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0)


def count_request(key: ApiKey) -> int:
    """Count one request against the key's minute; 0 if allowed, else the seconds
    until the next minute. One UPDATE: a new minute starts the count at 1, and
    a full minute matches no row."""
    now = timezone.now()
    window = minute_of(now)
    counted = (
        ApiKey.objects.filter(pk=key.pk)
        .exclude(window_start=window, window_count__gte=settings.API_REQUESTS_PER_MINUTE)
        .update(
            window_count=Case(
                When(window_start=window, then=F("window_count") + 1), default=Value(1)
            ),
            window_start=window,
            last_used_at=now,
        )
    )
    if counted:
        return 0
    return max(1, int((window + timedelta(minutes=1) - now).total_seconds()))


def record_read(key: ApiKey, what: str, *, campaign: int, signatures: list[str]) -> None:
    """Write to the audit log that a key read supporters' personal data: which
    key, which campaign, which signatures (ids only)."""
    record(
        key.actor,
        AuditEntry.Action.API_READ,
        key=key.pk,
        partner=key.partner_id,
        what=what,
        campaign=campaign,
        signatures=signatures,
    )
