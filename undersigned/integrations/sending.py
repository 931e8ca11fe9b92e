"""Sending webhook deliveries: a kind of outgoing work (docs/outgoing.md).

The worker's senders claim due `WebhookDelivery` rows, call `send_delivery`
for each, record "sent" right after the receiver's 2xx, and retry the others
after a jittered, growing wait (30 s, doubling, at most 15 minutes apart)
until 72 hours have passed since the row was queued; a `410 Gone` fails it
at once. A row whose sender died is taken back once its claim is older than
six timeouts, and sent again with the same `webhook-id`: that is the one
duplicate left, and receivers keep each event once by that id.

The body is made when each try is sent, from ids: a signature's person goes
only to an endpoint whose organisation the signer consents to at that
moment, and never after they withdrew or erased. Every try is signed afresh
(its own timestamp) and logged (`WebhookTry`) for the workspace. An
endpoint that has failed every try for a day (and at least ten tries) is
turned off, with nothing queued for it until an organiser turns it on.
"""

from __future__ import annotations

import http.client
import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from undersigned.counting.counts import confirmed_count
from undersigned.outgoing import work
from undersigned.outgoing.models import Failure
from undersigned.signatures.models import Signature

from . import hooks, supporters
from .models import EventKind, WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookTry

log = logging.getLogger(__name__)

# An endpoint failing every try for this long, and this many tries, is turned off.
DISABLE_AFTER = timedelta(hours=24)
DISABLE_AFTER_TRIES = 10


class EndpointOff(Exception):
    """The endpoint was turned off after this row was claimed: not sent; it
    waits, like everything else for that endpoint, until it is on again."""


class Session:
    """Each try opens its own connection (hooks.post resolves and checks the
    address every time), so there is nothing to keep between sends."""

    def close(self) -> None:
        pass


def classify(error: BaseException) -> str:
    """What a failed try means for the next one (outgoing.models.Failure).

    A receiver that is down, slow or refusing is that endpoint's trouble,
    not the transport's: `temporary`, so each row waits out its own backoff
    and one receiver's outage never holds up the rows of others (`outage`
    would make the rest of the batch wait with it). `410 Gone` is the
    receiver's word that it wants no more: refused for good.
    """
    if isinstance(error, hooks.Refused):
        return Failure.REFUSED if error.status == 410 else Failure.TEMPORARY
    if isinstance(error, EndpointOff | hooks.NotPublic | OSError | http.client.HTTPException):
        return Failure.TEMPORARY
    return Failure.ERROR


def timeout() -> float:
    return float(settings.WEBHOOK_TIMEOUT)


WEBHOOK = work.Transport(
    name="webhook", open=Session, timeout=timeout, classify=classify, describe=hooks.describe
)


# Bodies ------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def petition_json(event: WebhookEvent) -> dict[str, Any]:
    campaign = event.campaign
    return {
        "name": campaign.slug,
        "title": campaign.title,
        "browser_url": absolute(campaign.get_absolute_url()),
        "href": absolute(reverse("api_v1_petition", args=[campaign.slug])),
    }


def only_the_id(signature_id: Any) -> dict[str, Any]:
    return {"signature": {"identifiers": [supporters.identifier(signature_id)]}}


def signature_data(event: WebhookEvent, endpoint: WebhookEndpoint) -> dict[str, Any]:
    """The signature as the API shows it to this organisation, if the signer
    consents to it now and still counts; otherwise its identifier alone."""
    assert event.signature_id is not None
    if event.kind == EventKind.SIGNATURE_CONFIRMED:
        found = supporters.visible_signatures(
            Signature.objects.filter(pk=event.signature_id), endpoint.partner_id
        ).first()
        if found is not None:
            consents = getattr(found, "key_consents", [])
            body = supporters.signature_json(
                found, event.campaign.slug, endpoint.partner_id, consents
            )
            return {"signature": body}
    return only_the_id(event.signature_id)


def area_json(division: Any) -> dict[str, str] | None:
    if division is None:
        return None
    return {"id": division.ocd_id, "name": division.name}


def delivery_data(event: WebhookEvent) -> dict[str, Any]:
    delivery = event.delivery
    assert delivery is not None
    area = area_json(delivery.division)
    if event.kind == EventKind.MILESTONE_REACHED:
        return {
            "milestone": delivery.milestone,
            "kind": "goal" if delivery.kind == "goal" else "milestone",
            "signers": delivery.signer_count,
            "area": area,
            "total_signatures": confirmed_count(event.campaign),
        }
    return {
        "receipt": absolute(delivery.get_absolute_url()),
        "signers": delivery.signer_count,
        "area": area,
        "sent_at": (delivery.completed_at or event.created_at).isoformat(),
    }


def payload(row: WebhookDelivery) -> dict[str, Any]:
    event, endpoint = row.event, row.endpoint
    # Addresses without a language prefix, whatever the sender thread's language.
    with translation.override(settings.LANGUAGE_CODE):
        data = signature_data(event, endpoint) if event.signature_id else delivery_data(event)
        return {
            "id": str(event.pk),
            "type": event.kind,
            "created": event.created_at.isoformat(),
            "petition": petition_json(event),
            "data": data,
        }


# Sending -----------------------------------------------------------------------


def send_delivery(row: WebhookDelivery, session: Session) -> None:
    """POST one delivery, signed; raise unless the receiver answered 2xx."""
    endpoint = row.endpoint
    # Claimed in a batch: an earlier row's failures may have turned it off.
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).exists():
        raise EndpointOff
    body = hooks.body_of(payload(row))
    started, at = time.monotonic(), timezone.now()
    secret = str(endpoint.secret)  # sealed at rest, a str once read
    signed = hooks.headers(secret, str(row.event_id), int(at.timestamp()), body)
    try:
        status = hooks.post(endpoint.url, body, signed, timeout=timeout())
    except Exception as error:
        took = round((time.monotonic() - started) * 1000)
        failed(row, error, at, took)
        raise
    # Logged once "sent" is recorded (ended()): nothing is written between
    # the receiver's answer and that record, the one window for a repeat.
    row.answered = WebhookTry(
        delivery_id=row.pk, at=at, status=status, outcome=f"answered {status}",
        took_ms=round((time.monotonic() - started) * 1000),
    )  # fmt: skip


def failed(row: WebhookDelivery, error: BaseException, at: Any, took: int) -> None:
    """Log a failed try and count it against the endpoint; turn the endpoint
    off once it has failed every try for a day. A failure to write this is
    only logged: the try is retried whatever happens here."""
    status = error.status if isinstance(error, hooks.Refused) else None
    try:
        with transaction.atomic():
            WebhookTry.objects.create(
                delivery_id=row.pk, at=at, status=status, outcome=hooks.describe(error),
                took_ms=took,
            )  # fmt: skip
            WebhookEndpoint.objects.filter(pk=row.endpoint_id).update(
                failures_in_a_row=F("failures_in_a_row") + 1,
                failing_since=Coalesce("failing_since", at),
            )
            turn_off_if_failing(row.endpoint_id, at)
    except DatabaseError:
        log.warning("webhook %s: logging a failed try failed", row.pk)


def turn_off_if_failing(endpoint_id: Any, now: Any) -> None:
    WebhookEndpoint.objects.filter(
        pk=endpoint_id,
        enabled=True,
        failures_in_a_row__gte=DISABLE_AFTER_TRIES,
        failing_since__lte=now - DISABLE_AFTER,
    ).update(
        enabled=False,
        disabled_at=now,
        disabled_why=_("every try failed for 24 hours"),
    )


def ended(rows: list[WebhookDelivery]) -> None:
    """After a batch: log the tries that were accepted, and the endpoints
    that answered are not failing any more. Only the log and the counters:
    a failure here (an endpoint removed meanwhile) is logged and forgotten."""
    answered = [row.answered for row in rows if row.answered is not None]
    if not answered:
        return
    endpoints = {row.endpoint_id for row in rows if row.answered is not None}
    try:
        with transaction.atomic():
            WebhookTry.objects.bulk_create(answered)
            WebhookEndpoint.objects.filter(pk__in=endpoints).update(
                failures_in_a_row=0, failing_since=None
            )
    except DatabaseError:
        log.warning("webhooks: logging %d accepted tries failed", len(answered))


def with_what_sending_reads(rows: QuerySet[Any]) -> QuerySet[Any]:
    return rows.select_related("event__campaign", "event__delivery__division", "endpoint")


WEBHOOKS = work.Kind(
    name="webhook",
    model=WebhookDelivery,
    transport=WEBHOOK,
    send=send_delivery,
    give_up_after=timedelta(hours=72),
    first_retry=timedelta(seconds=30),
    longest_wait=timedelta(minutes=15),
    batch=20,
    fetch=with_what_sending_reads,
    finished=ended,
    # An endpoint that is off is sent nothing; its rows wait for it.
    only={"endpoint__enabled": True},
)
