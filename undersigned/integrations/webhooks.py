"""Webhook endpoints: registered, switched on and off by organisers, each
for the organisation or one partner, every change audited.

The events themselves are queued by events.py and sent by sending.py;
organisers see each endpoint's deliveries and tries, and send one again.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.campaigns.models import Partner
from undersigned.outgoing import work
from undersigned.outgoing.models import State
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .hooks import new_secret
from .models import EventKind, WebhookDelivery, WebhookEndpoint
from .origins import normalise_url


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    # Shown to the organiser once, to configure the receiver.
    secret: str


def _checked_events(events: list[str] | tuple[str, ...]) -> list[str]:
    unknown = set(events) - set(EventKind.values)
    if unknown:
        names = ", ".join(sorted(unknown))
        raise ValidationError(_("Unknown event: %(names)s.") % {"names": names})
    if not events:
        raise ValidationError(_("Choose at least one event."))
    return [kind for kind in EventKind.values if kind in events]


@transaction.atomic
def add_endpoint(
    url: str,
    *,
    actor: str,
    label: str = "",
    partner: Partner | None = None,
    events: list[str] | tuple[str, ...] = tuple(EventKind.values),
) -> NewEndpoint:
    """A new endpoint (ValidationError for an address we would not call)."""
    secret = new_secret()
    endpoint = WebhookEndpoint(
        url=normalise_url(url),
        label=" ".join(label.split())[:100] or _("Webhook"),
        partner=partner,
        secret=secret,
        events=_checked_events(events),
        created_by=actor,
    )
    endpoint.save(force_insert=True)
    record(
        actor,
        AuditEntry.Action.WEBHOOK,
        made=str(endpoint.pk),
        partner=partner.pk if partner else None,
        events=endpoint.events,
    )
    return NewEndpoint(endpoint, secret)


@transaction.atomic
def replace_secret(endpoint: WebhookEndpoint, *, actor: str) -> str:
    """A new secret, at once: bodies signed from now on use it."""
    secret = new_secret()
    endpoint.secret = secret
    endpoint.save(update_fields=["secret"])
    record(actor, AuditEntry.Action.WEBHOOK, new_secret=str(endpoint.pk))
    return secret


@transaction.atomic
def remove_endpoint(endpoint: WebhookEndpoint, *, actor: str) -> None:
    """Remove an endpoint: nothing more is sent to it, its log goes with it."""
    record(actor, AuditEntry.Action.WEBHOOK, removed=str(endpoint.pk), url=endpoint.url)
    endpoint.delete()


@transaction.atomic
def switch(endpoint: WebhookEndpoint, *, on: bool, actor: str, why: str = "") -> bool:
    """Turn an endpoint on or off. Off, it is sent nothing and no event is
    queued for it. On again, the events waiting for it are due at once."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=not on).update(
        enabled=on,
        disabled_at=None if on else timezone.now(),
        disabled_why="" if on else (why or _("turned off by %(actor)s") % {"actor": actor}),
        failures_in_a_row=0,
        failing_since=None,
    )
    if changed:
        if on:
            # What waited for it is due now, with its full time again.
            now = timezone.now()
            WebhookDelivery.objects.filter(endpoint=endpoint, state=State.PENDING).update(
                next_try_at=now, queued_at=now
            )
        record(actor, AuditEntry.Action.WEBHOOK, **{"on" if on else "off": str(endpoint.pk)})
        endpoint.refresh_from_db()
    return bool(changed)


@transaction.atomic
def retry_delivery(delivery: WebhookDelivery, *, actor: str) -> bool:
    """Send one delivery again now: a failed one from the start (its full
    time again), a waiting one without waiting. False if it is sent or
    being sent."""
    rows = WebhookDelivery.objects.filter(pk=delivery.pk)
    changed = work.retry(rows) or rows.filter(state=State.PENDING).update(
        next_try_at=timezone.now()
    )
    if changed:
        record(actor, AuditEntry.Action.WEBHOOK, retry=str(delivery.pk),
               endpoint=str(delivery.endpoint_id))  # fmt: skip
    return bool(changed)


def endpoint_log(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries with their tries, newest first."""
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-queued_at", "-pk")
    return list(deliveries.select_related("event").prefetch_related("tries")[:limit])
