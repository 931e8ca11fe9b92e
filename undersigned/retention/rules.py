"""How long we keep what, and the purge that enforces it (`undersigned purge`).

- Unconfirmed signatures: deleted 14 days after signing.
- Network digests (rate limits, burst review): cleared 30 days after signing.
- The short keys the caps on mail count (an e-mail's sender network and
  recipient domain, outbox/caps.py): cleared a day after the e-mail was
  queued; the caps look back one hour.
- Signers' personal data: erased RETENTION_MONTHS_AFTER_CLOSE months after a
  campaign closes; the signatures stay as anonymous tallies, so counts and
  delivery receipts do not change. The stored copies of the letters
  delivered (PDF and CSV, which list names) are erased at the same time;
  their hashes stay on the receipts.
- Remembered devices: deleted when unused for REMEMBER_DAYS.
- Sent e-mail rows (which hold no personal data): deleted after 30 days.
- Spent form tokens and proof-of-work solutions: deleted once they could
  no longer be used anyway (a day, twenty minutes).
- Staff sign-in records (django-axes keeps the address of failed staff
  sign-ins for throttling): deleted after 30 days.
"""

from __future__ import annotations

from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from undersigned.abuse.models import SpentChallenge, SpentFormToken
from undersigned.campaigns.models import Campaign
from undersigned.deliveries.models import Delivery
from undersigned.outbox.models import Email
from undersigned.signatures.models import Device, Signature
from undersigned.signatures.rights import anonymise

UNCONFIRMED_DAYS = 14
NETWORK_DAYS = 30
SENT_EMAIL_DAYS = 30
CAP_KEY_DAYS = 1
STAFF_SIGN_IN_DAYS = 30


def _querysets(now):
    months = settings.RETENTION_MONTHS_AFTER_CLOSE
    closed_before = now - timedelta(days=round(months * 30.44))
    unused_since = now - timedelta(days=settings.REMEMBER_DAYS)
    return {
        "unconfirmed signatures deleted": Signature.objects.filter(
            Q(status=Signature.Status.PENDING)
            | Q(status=Signature.Status.QUARANTINED, held_status=Signature.Status.PENDING),
            created_at__lt=now - timedelta(days=UNCONFIRMED_DAYS),
        ),
        "network digests cleared": Signature.objects.filter(
            network_digest__isnull=False, created_at__lt=now - timedelta(days=NETWORK_DAYS)
        ),
        "signers' personal data erased": Signature.objects.filter(
            erased_at__isnull=True,
            campaign__in=Campaign.objects.filter(
                status__in=[Campaign.Status.CLOSED, Campaign.Status.ARCHIVED],
                closed_at__lt=closed_before,
            ),
        ),
        "delivered signer lists erased": Delivery.objects.filter(
            pdf__isnull=False,
            campaign__in=Campaign.objects.filter(
                status__in=[Campaign.Status.CLOSED, Campaign.Status.ARCHIVED],
                closed_at__lt=closed_before,
            ),
        ),
        "e-mail cap keys cleared": Email.objects.filter(
            Q(network__isnull=False) | Q(domain__isnull=False),
            created_at__lt=now - timedelta(days=CAP_KEY_DAYS),
        ),
        "remembered devices deleted": Device.objects.filter(
            Q(last_used_at__lt=unused_since)
            | Q(last_used_at__isnull=True, created_at__lt=unused_since)
        ),
        "sent e-mail records deleted": Email.objects.filter(
            state__in=[Email.State.SENT, Email.State.FAILED],
            created_at__lt=now - timedelta(days=SENT_EMAIL_DAYS),
        ),
        "spent form tokens deleted": SpentFormToken.objects.filter(expires_at__lt=now),
        "spent proofs of work deleted": SpentChallenge.objects.filter(expires_at__lt=now),
        **{
            f"staff sign-in records deleted ({model._meta.model_name})": model.objects.filter(
                attempt_time__lt=now - timedelta(days=STAFF_SIGN_IN_DAYS)
            )
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        },
    }


def purge(*, dry_run: bool = False, now=None) -> dict[str, int]:
    """Apply the retention rules; return how many rows each rule touched."""
    now = now or timezone.now()
    querysets = _querysets(now)
    if dry_run:
        return {label: qs.count() for label, qs in querysets.items()}
    counts = {}
    with transaction.atomic():
        for label, qs in querysets.items():
            if label == "network digests cleared":
                counts[label] = qs.update(network_digest=None)
            elif label == "e-mail cap keys cleared":
                counts[label] = qs.update(network=None, domain=None)
            elif label == "signers' personal data erased":
                counts[label] = anonymise(qs)
            elif label == "delivered signer lists erased":
                counts[label] = qs.update(pdf=None, csv=None)
            else:
                counts[label] = qs.count()
                qs.delete()
    return counts
