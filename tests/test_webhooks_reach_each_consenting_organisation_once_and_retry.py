"""Webhooks to a real receiver on loopback (tests/webhook_receiver.py, which
verifies each body's signature as docs/api.md says, with nothing of the
project): each consenting supporter reaches the organisations they consented
to, exactly once, signed; a receiver that answers 500 or drops the
connection gets the event again later, with the same webhook-id, and keeps
it once; one that never answers is given up after 72 hours; 410 stops at
once; an endpoint failing every try for a day is turned off, and turned on
again gets what waited. The clock is moved with time-machine; the worker is
the real sender (conftest.run_worker)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from undersigned.campaigns.models import Partner
from undersigned.integrations.models import WebhookDelivery, WebhookEndpoint
from undersigned.integrations.webhooks import add_endpoint
from undersigned.outgoing.models import State
from undersigned.signatures.rights import erase, withdraw
from undersigned.staff.roles import Role

from .conftest import make_campaign, run_worker
from .partners_tools import consent_to, supporter
from .webhook_receiver import Receiver
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db

CONFIRMED = "signature.confirmed"


def endpoint_for(receiver: Receiver, partner=None, events=(CONFIRMED,)) -> WebhookEndpoint:
    new = add_endpoint(receiver.url, actor="organiser", partner=partner, events=list(events))
    receiver.secret = new.secret
    return new.endpoint


def emails(receiver: Receiver) -> list[str]:
    return sorted(
        address["address"]
        for event in receiver.events(CONFIRMED)
        for address in event["data"]["signature"]["_embedded"]["osdi:person"]["email_addresses"]
    )


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield traveller


def test_each_organisation_gets_exactly_its_consenting_supporters_once(clock):
    partner_a = Partner.objects.create(name="Partner A")
    partner_b = Partner.objects.create(name="Partner B")
    campaign = make_campaign()
    campaign.partners.add(partner_a, partner_b)
    with Receiver() as ours, Receiver() as a, Receiver() as b:
        endpoint_for(ours)
        endpoint_for(a, partner_a)
        endpoint_for(b, partner_b)
        supporter(campaign, "org@example.org", consent_to(campaign, None))
        supporter(campaign, "a@example.org", consent_to(campaign, partner_a))
        supporter(campaign, "both@example.org", consent_to(campaign, None),
                  consent_to(campaign, partner_a))  # fmt: skip
        supporter(campaign, "nobody@example.org")
        supporter(campaign, "unconfirmed@example.org", consent_to(campaign, None), confirm=False)
        run_worker()
        assert emails(ours) == ["both@example.org", "org@example.org"]
        assert emails(a) == ["a@example.org", "both@example.org"]
        assert b.requests == 0
        for receiver in (ours, a):
            assert receiver.unverified == 0
            assert set(receiver.accepted.values()) == {1} and not receiver.repeats
        [event] = [e for e in a.events() if "a@" in str(e)]
        assert event["type"] == CONFIRMED and event["petition"]["name"] == campaign.slug
        run_worker()
        assert ours.requests == 2 and a.requests == 2  # nothing more to send
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {State.SENT}


def test_a_500_then_a_dropped_connection_then_2xx_keeps_the_event_once(clock):
    campaign = make_campaign()
    with Receiver(fail_first=1, drop_after_keeping=1) as receiver:
        endpoint = endpoint_for(receiver)
        supporter(campaign, "jo@example.org", consent_to(campaign, None))
        run_worker()  # 500
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, receiver.requests) == (State.PENDING, 1)
        assert delivery.next_try_at > timezone.now()
        run_worker()  # not due yet
        assert receiver.requests == 1
        clock.shift(timedelta(seconds=31))
        run_worker()  # kept, then the connection dropped before any answer
        delivery.refresh_from_db()
        assert (delivery.state, receiver.requests, len(receiver.kept)) == (State.PENDING, 2, 1)
        clock.shift(timedelta(seconds=61))
        run_worker()  # the same event again, kept once
        delivery.refresh_from_db()
        assert (delivery.state, receiver.requests) == (State.SENT, 3)
        [event_id] = receiver.accepted
        assert event_id == str(delivery.event_id)
        assert receiver.accepted[event_id] == 1 and receiver.repeats[event_id] == 1
        assert receiver.unverified == 0
    tries = list(delivery.tries.values_list("outcome", flat=True))
    assert tries[0] == "answered 500" and tries[2] == "answered 204"
    assert tries[1] in {"RemoteDisconnected", "ConnectionResetError", "BadStatusLine"}
    endpoint.refresh_from_db()
    assert (endpoint.failures_in_a_row, endpoint.failing_since) == (0, None)


def test_a_receiver_that_never_answers_2xx_is_given_up_after_72_hours(clock):
    campaign = make_campaign()
    with Receiver(fail_first=10**6) as receiver:
        endpoint_for(receiver)
        supporter(campaign, "jo@example.org", consent_to(campaign, None))
        run_worker()
        clock.shift(timedelta(hours=71, minutes=59))
        run_worker()
        assert WebhookDelivery.objects.get().state == State.PENDING
        clock.shift(timedelta(minutes=2))
        run_worker()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, delivery.attempts, receiver.requests) == (State.FAILED, 3, 3)
        clock.shift(timedelta(hours=1))
        run_worker()
        assert receiver.requests == 3


def test_410_gone_stops_at_once(clock):
    campaign = make_campaign()
    with Receiver(fail_first=10**6, fail_status=410) as receiver:
        endpoint_for(receiver)
        supporter(campaign, "jo@example.org", consent_to(campaign, None))
        run_worker()
        clock.shift(timedelta(hours=1))
        run_worker()
        delivery = WebhookDelivery.objects.get()
        assert (delivery.state, receiver.requests, delivery.last_error) == (
            State.FAILED, 1, "answered 410",
        )  # fmt: skip


def test_an_endpoint_failing_a_day_is_turned_off_and_on_again_gets_what_waited(clock):
    campaign = make_campaign()
    with Receiver(fail_first=11) as receiver:
        endpoint = endpoint_for(receiver)
        for n in range(10):
            supporter(campaign, f"s{n}@example.org", consent_to(campaign, None))
        run_worker()  # ten failed tries, all at once: not a day yet
        endpoint.refresh_from_db()
        assert (endpoint.enabled, endpoint.failures_in_a_row) == (True, 10)
        clock.shift(timedelta(hours=24))
        run_worker()  # the first due fails: a day of failures
        endpoint.refresh_from_db()
        assert not endpoint.enabled and endpoint.disabled_why == "every try failed for 24 hours"
        tried = receiver.requests
        assert tried == 11
        supporter(campaign, "late@example.org", consent_to(campaign, None))
        clock.shift(timedelta(hours=1))
        run_worker()
        assert receiver.requests == tried  # off: nothing sent...
        assert WebhookDelivery.objects.count() == 10  # ...and nothing queued
        organiser = signed_in(account(Role.ORGANISER, "organiser"))
        page = reverse("organise:webhook", args=[endpoint.pk])
        assert "every try failed for 24 hours" in organiser.get(page).content.decode()
        organiser.post(page, {"action": "on"})
        run_worker()
        assert len(receiver.kept) == 10 and set(receiver.accepted.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {State.SENT}


def test_withdrawn_and_erased_reach_those_told_and_carry_no_person(clock):
    campaign = make_campaign()
    with Receiver() as receiver:
        endpoint_for(receiver, events=(CONFIRMED, "signature.withdrawn", "signature.erased"))
        kept = supporter(campaign, "kept@example.org", consent_to(campaign, None))
        gone = supporter(campaign, "gone@example.org", consent_to(campaign, None))
        run_worker()
        withdraw(kept)
        # Erased before its confirmation went out: that carries no person either.
        late = supporter(campaign, "late@example.org", consent_to(campaign, None))
        erase(late)
        erase(gone)
        run_worker()
        kinds = sorted(
            (e["type"], e["data"]["signature"]["identifiers"][0]) for e in receiver.events()
        )
        ids = {s: f"undersigned:{s.pk}" for s in (kept, gone, late)}
        assert kinds == sorted([
            (CONFIRMED, ids[kept]), (CONFIRMED, ids[gone]), (CONFIRMED, ids[late]),
            ("signature.withdrawn", ids[kept]), ("signature.withdrawn", ids[gone]),
            ("signature.withdrawn", ids[late]),
            ("signature.erased", ids[gone]), ("signature.erased", ids[late]),
        ])  # fmt: skip
        [late_confirmed] = [e for e in receiver.events(CONFIRMED) if ids[late] in str(e)]
        assert late_confirmed["data"] == {"signature": {"identifiers": [ids[late]]}}
        for event in receiver.events():
            if event["type"] != CONFIRMED:
                assert event["data"] == {
                    "signature": {"identifiers": [event["data"]["signature"]["identifiers"][0]]}
                }
        assert "late@example.org" not in str(receiver.events())


def test_the_workspace_shows_each_try_and_retries_a_failed_delivery(clock):
    campaign = make_campaign()
    organiser = signed_in(account(Role.ORGANISER, "organiser"))
    with Receiver(fail_first=1, fail_status=410) as receiver:
        endpoint = endpoint_for(receiver)
        supporter(campaign, "jo@example.org", consent_to(campaign, None))
        run_worker()
        delivery = WebhookDelivery.objects.get()
        assert delivery.state == State.FAILED
        page = reverse("organise:webhook", args=[endpoint.pk])
        shown = organiser.get(page).content.decode()
        assert str(delivery.event_id) in shown and "answered 410" in shown
        assert "jo@example.org" not in shown
        response = organiser.post(page, {"action": "retry", "delivery": str(delivery.pk)})
        assert response.status_code == 302
        run_worker()
        delivery.refresh_from_db()
        assert delivery.state == State.SENT and len(receiver.kept) == 1
        shown = organiser.get(page).content.decode()
        assert "answered 204" in shown
