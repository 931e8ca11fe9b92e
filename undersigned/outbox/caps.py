"""Caps on outgoing mail to signers: per sender network, per recipient domain
and overall, each per hour (settings MAIL_PER_HOUR_PER_NETWORK,
MAIL_PER_HOUR_PER_DOMAIN and MAIL_PER_HOUR; 0 turns one off).

Beyond a cap mail waits, it is never dropped: the claim (outgoing/work.py)
asks `throttle()` which rows of its batch are over a cap and moves each to
when the cap will have room for it, spaced by the cap's rate, so the queue
drains at the cap and no row is read again before its turn. A row ready
when room frees goes in priority order, confirmations first.

What is counted is how many e-mails were claimed for sending in the last
hour (`claimed_at`). Two workers claiming at the same moment each see the
other's batch only once it commits, so a cap may be passed by up to one
batch per worker. The keys are 8-byte keyed digests: the network's is cut
from the digest the abuse checks already store on the signature; the
domain's is made here, with the same pepper.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, QuerySet
from django.utils.encoding import punycode

from undersigned.privacy.keys import key_ring

from .models import Email

WINDOW = timedelta(hours=1)
KEY_BYTES = 8


def network_key(network_digest: bytes | memoryview | None) -> bytes | None:
    return bytes(network_digest)[:KEY_BYTES] if network_digest else None


def domain_key(address: str) -> bytes | None:
    domain = address.rpartition("@")[2].strip().lower().rstrip(".")
    if not domain:
        return None
    with contextlib.suppress(UnicodeError):  # not a valid name: the text is key enough
        domain = punycode(domain)
    digest = hmac.digest(key_ring().pepper, b"mail-domain\x1f" + domain.encode(), hashlib.sha256)
    return digest[:KEY_BYTES]


@dataclass
class Window:
    """Claims in the last hour under one key: how many, and the oldest."""

    cap: int
    used: int = 0
    oldest: datetime | None = None
    waiting: int = 0

    def full(self) -> bool:
        return bool(self.cap) and self.used >= self.cap

    def room_at(self, now: datetime) -> datetime:
        """When the next row over this cap may go: the oldest claim leaves the
        window, and rows already waiting in this batch each take a slot's
        length (the window divided by the cap) after it."""
        start = max(now, (self.oldest or now) + WINDOW)
        return start + self.waiting * (WINDOW / self.cap)


def _windows(
    recent: QuerySet[Email], field: str, keys: set[bytes], cap: int
) -> dict[bytes, Window]:
    if not cap or not keys:
        return {}
    rows = (
        recent.filter(**{f"{field}__in": keys})
        .values_list(field)
        .annotate(used=Count("pk"), oldest=Min("claimed_at"))
        .order_by()
    )
    found = {bytes(key): Window(cap, used, oldest) for key, used, oldest in rows}
    return {key: found.get(key, Window(cap)) for key in keys}


def throttle(rows: list[Email], now: datetime) -> dict[Any, datetime]:
    """The rows of a claimed batch (in priority order) that are over a cap,
    each with when it may be tried again. Three queries, whatever the batch."""
    # A claim exactly a window old has left it: room_at() is that moment.
    recent = Email.objects.filter(claimed_at__gt=now - WINDOW)
    overall = Window(settings.MAIL_PER_HOUR)
    if overall.cap:
        counted = recent.aggregate(used=Count("pk"), oldest=Min("claimed_at"))
        overall.used, overall.oldest = counted["used"], counted["oldest"]
    networks = _windows(recent, "network", {bytes(r.network) for r in rows if r.network},
                        settings.MAIL_PER_HOUR_PER_NETWORK)  # fmt: skip
    domains = _windows(recent, "domain", {bytes(r.domain) for r in rows if r.domain},
                       settings.MAIL_PER_HOUR_PER_DOMAIN)  # fmt: skip
    deferred: dict[Any, datetime] = {}
    for row in rows:
        windows = [overall]
        if row.network and bytes(row.network) in networks:
            windows.append(networks[bytes(row.network)])
        if row.domain and bytes(row.domain) in domains:
            windows.append(domains[bytes(row.domain)])
        full = [window for window in windows if window.full()]
        if not full:
            for window in windows:
                window.used += 1
            continue
        deferred[row.pk] = max(window.room_at(now) for window in full)
        for window in full:
            window.waiting += 1
    return deferred
