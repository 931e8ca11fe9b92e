"""Many confirmations at once in one area: each milestone is created once, and
confirming never waits on a shared counter row.

Real threads, each with its own PostgreSQL connection. SQLite serialises every
writer, so it cannot show these races.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from undersigned.counting.actions import process_all_count_events, process_count_events
from undersigned.counting.models import CountEvent, Tally
from undersigned.deliveries.models import Delivery, DeliverySigner
from undersigned.signatures import actions
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .conftest import needs_postgres
from .delivery_helpers import bulk_confirmed, lawmaker, local_campaign, places

pytestmark = [
    pytest.mark.django_db(transaction=True),
    *needs_postgres("SQLite runs one writer at a time, so nothing races"),
]


def in_threads(works: list, *, barrier: bool = True) -> list[BaseException]:
    """Run each callable in its own thread (own connection), released together."""
    start = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work):
        try:
            if barrier:
                start.wait(timeout=30)
            work()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def confirm(signature_ids) -> None:
    versions = dict(
        Signature.objects.filter(pk__in=signature_ids).values_list("pk", "link_version")
    )
    for pk in signature_ids:
        result = actions.confirm(pk, confirm_token(pk, versions[pk]))
        assert result.newly_confirmed


@pytest.fixture
def somerville_campaign():
    somerville, _ = places()
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    return local_campaign(), somerville


def test_confirmations_crossing_a_multiple_at_once_create_one_delivery(somerville_campaign):
    campaign, somerville = somerville_campaign
    bulk_confirmed(campaign, somerville, 95)
    process_all_count_events()
    waiting = bulk_confirmed(campaign, somerville, 10, start=95, pending=True)

    def confirm_then_count(pk):
        return lambda: (confirm([pk]), process_count_events())

    # Ten signers confirm at the same moment, each then running the tally
    # processor, with four more processors racing them.
    works = [confirm_then_count(pk) for pk in waiting] + [process_count_events] * 4
    assert in_threads(works) == []
    process_all_count_events()
    (delivery,) = Delivery.objects.all()
    assert (delivery.milestone, delivery.signer_count) == (1, 100)
    assert Tally.objects.get(division=somerville).confirmed == 105
    assert Tally.objects.get(campaign=campaign, division=None).confirmed == 105
    assert not CountEvent.objects.exists()


def test_two_thousand_confirmations_in_one_place_from_eight_threads(somerville_campaign):
    campaign, somerville = somerville_campaign
    waiting = bulk_confirmed(campaign, somerville, 2000, pending=True)
    stop = threading.Event()

    def worker():  # the worker's duty thread: count every 0.2 s meanwhile
        while not stop.is_set():
            process_count_events()
            stop.wait(0.2)

    counter = threading.Thread(target=lambda: in_threads([worker], barrier=False))
    counter.start()
    started = time.perf_counter()
    errors = in_threads([lambda part=waiting[n::8]: confirm(part) for n in range(8)])
    elapsed = time.perf_counter() - started
    stop.set()
    counter.join(30)
    assert errors == []
    print(
        f"\n2,000 confirmations in one place from 8 threads: {elapsed:.2f}s, "
        f"{2000 / elapsed:.0f} confirmations/s (tally processor running alongside)"
    )
    process_all_count_events()
    assert Tally.objects.get(division=somerville).confirmed == 2000
    milestones = list(Delivery.objects.order_by("milestone").values_list("milestone", flat=True))
    assert milestones == list(range(1, 21))
    carried = DeliverySigner.objects.filter(division=somerville)
    assert carried.count() == carried.values("signature").distinct().count() == 2000
