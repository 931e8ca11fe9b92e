"""Races are settled by the database: many requests at once still make one signature.

Real threads, each with its own PostgreSQL connection, released together by a
barrier. SQLite serialises every writer, so it cannot show these races.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.conf import settings
from django.db import connection

from undersigned.counting.counts import confirmed_count
from undersigned.outbox.models import Email
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Device, Signature

from .conftest import make_campaign, needs_postgres

pytestmark = [
    pytest.mark.django_db(transaction=True),
    *needs_postgres("SQLite runs one writer at a time, so nothing races"),
]


def all_at_once(count: int, work: Callable[[], object]) -> tuple[list, list[BaseException]]:
    """Run work() in `count` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait(timeout=30)
            result = work()
            with lock:
                results.append(result)
        except BaseException as error:
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results, errors


def test_fifty_simultaneous_signatures_with_one_email_make_one_signature():
    campaign = make_campaign()
    details = actions.SignerDetails(
        email="jane@example.org", first_name="Jane", last_name="Doe", postal_code="02143"
    )

    results, errors = all_at_once(50, lambda: actions.sign(campaign, details))

    assert errors == []
    assert sum(result.created for result in results) == 1
    assert Signature.objects.count() == 1
    # Every request was answered; the person gets a confirmation and at most
    # two "you have already signed", never fifty e-mails.
    assert len(results) == 50
    assert Email.objects.count() == settings.MAX_EMAILS_PER_SIGNATURE
    assert Email.objects.filter(kind=Email.Kind.CONFIRM).count() == 1
    assert Signature.objects.get().emails_queued == settings.MAX_EMAILS_PER_SIGNATURE


def test_twenty_simultaneous_confirmations_confirm_once():
    campaign = make_campaign()
    details = actions.SignerDetails(email="jane@example.org", first_name="Jane")
    signature = actions.sign(campaign, details, remember=True).signature
    token = confirm_token(signature.id, signature.link_version)

    results, errors = all_at_once(20, lambda: actions.confirm(signature.id, token))

    assert errors == []
    assert sum(result.newly_confirmed for result in results) == 1
    assert confirmed_count(campaign) == 1
    # Only the one confirmation that happened remembers the device.
    assert sum(result.device_token is not None for result in results) == 1
    assert Device.objects.count() == 1
