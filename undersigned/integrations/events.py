"""Webhook events: made when something happens, in that change's transaction,
with one delivery row per endpoint that is to hear of it.

The lower layers send signals (signatures.signals, deliveries.signals); the
receivers here, connected in apps.py, write a `WebhookEvent` and its
`WebhookDelivery` rows. They commit or roll back with the change, so every
event that happened is owed, and none that did not. Sending is sending.py's.

Who hears of what (docs/api.md, "Events"):

- `signature.confirmed`: the endpoints of each organisation the signer
  consented to hear from (the installation's, a partner's);
- `signature.withdrawn`, `signature.erased`: the endpoints that were owed
  that signature's `signature.confirmed`;
- `milestone.reached`, `delivery.sent`: the endpoints of the organisation
  and of the campaign's co-sponsors.

Only endpoints that are on and chose the event's kind; an endpoint that is
off has nothing queued for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from undersigned.plainsql import column, table, value
from undersigned.signatures.models import Consent

from .models import EventKind, WebhookDelivery, WebhookEndpoint, WebhookEvent

# After e-mails to signers (0-2): a webhook never delays a confirmation.
PRIORITY = 5


def listening(kind: str) -> list[WebhookEndpoint]:
    """Endpoints that are on and chose this kind (few: filtered here, as
    JSON containment is not a lookup SQLite has). Read afresh for every
    event, in its transaction, so that an endpoint turned off has nothing
    queued for it; written once, as every confirmation asks (plainsql.py)."""
    model = WebhookEndpoint
    sql = f"SELECT * FROM {table(model)} WHERE {column(model, 'enabled')} = %s"  # noqa: S608
    return [e for e in model.objects.raw(sql, [value(model, "enabled", True)]) if kind in e.events]


def queue(events: Iterable[tuple[WebhookEvent, list[WebhookEndpoint]]]) -> list[WebhookEvent]:
    """Write the events that have someone to hear them, and their deliveries."""
    owed = [(event, endpoints) for event, endpoints in events if endpoints]
    WebhookEvent.objects.bulk_create([event for event, _endpoints in owed])
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(event=event, endpoint=endpoint, priority=PRIORITY)
        for event, endpoints in owed
        for endpoint in endpoints
    )
    return [event for event, _endpoints in owed]


def consented_organisations(signature_ids: list[Any]) -> dict[Any, set[int | None]]:
    """Each signature's organisations it consented to hear from (None: ours)."""
    found: dict[Any, set[int | None]] = defaultdict(set)
    live = Consent.objects.filter(signature_id__in=signature_ids, withdrawn_at__isnull=True)
    for signature_id, kind, partner_id in live.values_list("signature_id", "kind", "partner_id"):
        if kind == Consent.Kind.ORGANISER:
            found[signature_id].add(None)
        elif kind == Consent.Kind.PARTNER:
            found[signature_id].add(partner_id)
    return found


def signatures_confirmed(sender: Any, *, signature_ids: list[Any], campaign_id: int,
                         **kwargs: Any) -> None:  # fmt: skip
    endpoints = listening(EventKind.SIGNATURE_CONFIRMED)
    if not endpoints:
        return
    organisations = consented_organisations(signature_ids)
    queue(
        (
            WebhookEvent(
                kind=EventKind.SIGNATURE_CONFIRMED,
                campaign_id=campaign_id,
                signature_id=signature_id,
            ),
            [e for e in endpoints if e.partner_id in organisations.get(signature_id, ())],
        )
        for signature_id in signature_ids
    )


def _told_of_confirmation(kind: str, signature_ids: list[Any], campaign_id: int) -> None:
    """An event about signatures, to the endpoints owed their confirmation."""
    endpoints = {e.pk: e for e in listening(kind)}
    if not endpoints:
        return
    owed: dict[Any, list[WebhookEndpoint]] = defaultdict(list)
    confirmations = WebhookDelivery.objects.filter(
        event__kind=EventKind.SIGNATURE_CONFIRMED,
        event__signature_id__in=signature_ids,
        endpoint_id__in=list(endpoints),
    ).values_list("event__signature_id", "endpoint_id")
    for signature_id, endpoint_id in confirmations:
        owed[signature_id].append(endpoints[endpoint_id])
    queue(
        (WebhookEvent(kind=kind, campaign_id=campaign_id, signature_id=pk), owed.get(pk, []))
        for pk in signature_ids
    )


def signatures_withdrawn(sender: Any, *, signature_ids: list[Any], campaign_id: int,
                         **kwargs: Any) -> None:  # fmt: skip
    _told_of_confirmation(EventKind.SIGNATURE_WITHDRAWN, signature_ids, campaign_id)


def signatures_erased(sender: Any, *, signature_ids: list[Any], campaign_id: int,
                      **kwargs: Any) -> None:  # fmt: skip
    _told_of_confirmation(EventKind.SIGNATURE_ERASED, signature_ids, campaign_id)


def _about_a_delivery(kind: str, delivery: Any) -> None:
    endpoints = listening(kind)
    if not endpoints:
        return
    sponsors = set(delivery.campaign.partners.values_list("pk", flat=True))
    queue(
        [
            (
                WebhookEvent(kind=kind, campaign_id=delivery.campaign_id, delivery=delivery),
                [e for e in endpoints if e.partner_id is None or e.partner_id in sponsors],
            )
        ]
    )


def milestone_reached(sender: Any, *, delivery: Any, **kwargs: Any) -> None:
    _about_a_delivery(EventKind.MILESTONE_REACHED, delivery)


def delivery_sent(sender: Any, *, delivery: Any, **kwargs: Any) -> None:
    _about_a_delivery(EventKind.DELIVERY_SENT, delivery)
