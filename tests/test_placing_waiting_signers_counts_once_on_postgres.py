"""Placing waiting signatures while everything else runs: two placement runs,
signers confirming and tally processors, all at once. Each signature is
placed once and counted once in its new district, milestones there are
created once, and reconcile finds nothing to fix.

Real threads, each with its own PostgreSQL connection. SQLite serialises every
writer, so it cannot show these races.
"""

from __future__ import annotations

import threading

import pytest

from undersigned.areas.models import Division, PostalCodeDivision, SignatureDivision, TargetRule
from undersigned.campaigns.models import DeliveryRule
from undersigned.counting.actions import process_all_count_events, process_count_events
from undersigned.counting.models import CountEvent, Tally
from undersigned.deliveries.models import Delivery, DeliverySigner
from undersigned.memo import forget_all
from undersigned.signatures import placing
from undersigned.signatures.placing import place_waiting, waiting
from undersigned.signatures.reconcile import reconcile

from .conftest import needs_postgres
from .delivery_helpers import bulk_confirmed, division, lawmaker, local_campaign, places
from .test_deliveries_under_concurrency_on_postgres import confirm, in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True),
    *needs_postgres("SQLite runs one writer at a time, so nothing races"),
]


def test_two_placement_runs_racing_confirmations_and_processors_count_each_signer_once(
    monkeypatch,
):
    # Small placement batches: many short transactions, interleaved with the rest.
    monkeypatch.setattr(placing, "BATCH", 10)
    somerville, _ = places()
    district = division(
        "ocd-division/country:us/state:ma/sldl:27th_middlesex", "Twenty-Seventh Middlesex"
    )
    lawmaker(somerville, "Mayor Fictional", "mayor", email="mayor@somerville.example.org")
    campaign = local_campaign()
    TargetRule.objects.create(campaign=campaign, division_type="sldl")
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="sldl", batch_size=100
    )
    # 100 counted, 200 whose confirmation is not folded yet, 60 still to confirm:
    # all from 02143, which no house district is linked to yet.
    bulk_confirmed(campaign, somerville, 100)
    process_all_count_events()
    bulk_confirmed(campaign, somerville, 200, start=100)
    pending = bulk_confirmed(campaign, somerville, 60, start=300, pending=True)
    assert waiting().count() == 360

    PostalCodeDivision.objects.create(
        country="US", postal_code="02143", division=district, method="manual"
    )
    forget_all()
    runs = []
    works = [
        lambda: runs.append(place_waiting()),
        lambda: runs.append(place_waiting()),
        *(lambda part=pending[n::4]: confirm(part) for n in range(4)),
    ]
    finished: list[int] = []
    all_done = threading.Event()

    def done(work):
        def run():
            try:
                work()
            finally:
                finished.append(1)  # list.append is atomic
                if len(finished) == len(works):
                    all_done.set()

        return run

    def processor():  # tally processors, in small batches, until the rest is done
        while not all_done.is_set():
            process_count_events(limit=5)

    errors = in_threads([*(done(work) for work in works), processor, processor])
    assert errors == []
    process_all_count_events()

    assert sum(run.placed for run in runs) == 360
    assert SignatureDivision.objects.filter(division=district).count() == 360
    assert Tally.objects.get(campaign=campaign, division=district).confirmed == 360
    assert Tally.objects.get(campaign=campaign, division=somerville).confirmed == 360
    assert Tally.objects.get(campaign=campaign, division=None).confirmed == 360
    assert not CountEvent.objects.exists()
    assert reconcile() == []
    milestones = Delivery.objects.filter(division=district).order_by("milestone")
    assert list(milestones.values_list("milestone", "signer_count")) == [
        (1, 100),
        (2, 100),
        (3, 100),
    ]
    carried = DeliverySigner.objects.filter(division=district)
    assert carried.count() == carried.values("signature").distinct().count() == 300
    assert waiting().count() == 0
    assert Division.objects.get(pk=district.pk).public_name == "Twenty-Seventh Middlesex"
