"""Mail to signers is capped per sender network, per recipient domain and
overall; beyond a cap it waits its turn, confirmations first, and is never
dropped.

Issue 11 (item 1): one client made 6,000 sign POSTs in 115 s and each sent a
confirmation e-mail. The caps (settings MAIL_PER_HOUR_PER_NETWORK,
MAIL_PER_HOUR_PER_DOMAIN, MAIL_PER_HOUR) bound what any one network, any
one domain and everyone together get out of us in an hour; what an honest
signer is owed still goes, later. The networks are the keyed digests the
abuse checks compute from the signer's address.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone

from undersigned.abuse.networks import network_digest
from undersigned.outbox.actions import queue_email
from undersigned.outbox.models import Email
from undersigned.signatures import actions

from .conftest import run_worker

pytestmark = pytest.mark.django_db

OFFICE = network_digest("192.0.2.0/24")
HOME = network_digest("198.51.100.0/24")


def sign(campaign, count: int, *, network=None, domain="example.org", start=0) -> list:
    return [
        actions.sign(
            campaign,
            actions.SignerDetails(email=f"signer{n}@{domain}"),
            network_digest=network,
        ).signature
        for n in range(start, start + count)
    ]


def sent_to() -> Counter[str]:
    from django.core import mail

    return Counter(message.to[0].rpartition("@")[2] for message in mail.outbox)


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@override_settings(MAIL_PER_HOUR_PER_NETWORK=5)
def test_one_network_gets_its_cap_an_hour_and_the_rest_later(campaign, outbox, clock):
    sign(campaign, 8, network=OFFICE)
    sign(campaign, 2, network=HOME, start=100)
    run_worker()
    assert len(outbox) == 7  # 5 from the office, both from home
    waiting = Email.objects.filter(state=Email.State.PENDING)
    assert waiting.count() == 3
    # Each waits for a slot of its own: spaced by an hour over the cap.
    times = sorted(waiting.values_list("next_try_at", flat=True))
    assert times[0] >= timezone.now() + timedelta(minutes=59)
    assert [b - a for a, b in itertools.pairwise(times)] == [timedelta(minutes=12)] * 2
    clock.shift(timedelta(minutes=61))
    run_worker()
    assert len(outbox) == 8
    clock.shift(timedelta(minutes=30))
    run_worker()
    assert len(outbox) == 10
    assert set(Email.objects.values_list("state", flat=True)) == {Email.State.SENT}
    assert sorted(Counter(m.to[0] for m in outbox).values()) == [1] * 10


@override_settings(MAIL_PER_HOUR_PER_DOMAIN=3)
def test_one_recipient_domain_gets_its_cap_an_hour(campaign, outbox, clock):
    sign(campaign, 5, domain="example.org")
    sign(campaign, 2, domain="example.net", start=100)
    run_worker()
    assert sent_to() == {"example.org": 3, "example.net": 2}
    clock.shift(timedelta(hours=2))
    run_worker()
    assert sent_to() == {"example.org": 5, "example.net": 2}


@override_settings(MAIL_PER_HOUR=4)
def test_everything_together_gets_the_overall_cap_an_hour(campaign, outbox, clock):
    sign(campaign, 6, domain="example.org")
    run_worker()
    assert len(outbox) == 4
    clock.shift(timedelta(hours=2))
    run_worker()
    assert len(outbox) == 6


@override_settings(MAIL_PER_HOUR=2)
def test_confirmations_go_first_when_the_cap_frees(campaign, outbox, clock):
    confirmed = sign(campaign, 2, domain="example.net")
    Email.objects.all().delete()  # as if confirmed long ago: their mail is out
    news = [queue_email(signature, Email.Kind.DELIVERED) for signature in confirmed]
    assert all(news)
    clock.shift(timedelta(seconds=1))
    sign(campaign, 2, domain="example.org", start=100)  # two confirmations, queued later
    run_worker()
    assert [m.subject.split(":")[0] for m in outbox] == ["Please confirm your signature"] * 2
    clock.shift(timedelta(hours=2))
    run_worker()
    assert [m.subject.split(":")[0] for m in outbox[2:]] == ["Your letter was delivered"] * 2


@override_settings(MAIL_PER_HOUR_PER_NETWORK=0, MAIL_PER_HOUR_PER_DOMAIN=0, MAIL_PER_HOUR=0)
def test_a_cap_of_zero_is_no_cap(campaign, outbox):
    sign(campaign, 30, network=OFFICE)
    run_worker()
    assert len(outbox) == 30


def test_the_caps_keep_only_short_keyed_digests(campaign):
    [signature] = sign(campaign, 1, network=OFFICE)
    email = signature.emails.get()
    assert bytes(email.network) == OFFICE[:8]
    assert len(bytes(email.domain)) == 8
    assert b"example" not in bytes(email.domain)
