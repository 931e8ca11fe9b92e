"""The worker opens an approved campaign at its opening time and closes a live
one at its closing time: exactly once, on record, with the final delivery."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from undersigned.campaigns import actions
from undersigned.campaigns.models import Campaign
from undersigned.campaigns.readiness import checklist
from undersigned.deliveries.models import Delivery
from undersigned.privacy.models import AuditEntry

from .area_pages import signer
from .conftest import make_campaign, run_worker
from .workspace import districts, draft

pytestmark = pytest.mark.django_db


def scheduled(opens_in: timedelta, closes_in: timedelta) -> Campaign:
    districts()
    campaign = draft()
    actions.set_target_rules(campaign, [actions.Rule("sldl", ("lower",))], actor="t")
    now = timezone.now()
    actions.edit_campaign(
        campaign, {"opens_at": now + opens_in, "closes_at": now + closes_in}, actor="t",
        step="dates",
    )  # fmt: skip
    return actions.launch(campaign, actor="t", acknowledged=checklist(campaign).gaps)


def test_an_approved_draft_opens_when_its_time_comes_and_closes_when_it_ends():
    campaign = scheduled(timedelta(hours=1), timedelta(days=3))
    now = timezone.now()
    assert actions.open_and_close_due(now) == (0, 0)
    assert actions.open_and_close_due(now + timedelta(hours=2)) == (1, 0)
    assert actions.open_and_close_due(now + timedelta(hours=2)) == (0, 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.LIVE

    later = now + timedelta(days=4)
    assert actions.open_and_close_due(later) == (0, 1)
    assert actions.open_and_close_due(later) == (0, 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED and campaign.closed_at == later
    entries = AuditEntry.objects.filter(action__in=["open", "close"])
    assert list(entries.values_list("actor", "action", "detail")) == [
        ("system", "open", {"campaign": campaign.pk}),
        ("system", "close", {"campaign": campaign.pk}),
    ]


def test_a_draft_nobody_launched_never_opens_by_itself():
    districts()
    campaign = draft()
    actions.edit_campaign(
        campaign, {"opens_at": timezone.now() - timedelta(days=1)}, actor="t", step="dates"
    )
    assert actions.open_and_close_due() == (0, 0)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_closing_by_date_makes_the_final_national_delivery_once(outbox):
    campaign = make_campaign(closes_at=timezone.now() + timedelta(minutes=5))
    actions.add_target(campaign, actor="t", name="A. Official", email="official@example.org")
    for n in range(3):
        signer(campaign, [], n, postal_code="")
    later = timezone.now() + timedelta(minutes=10)
    assert actions.open_and_close_due(later) == (0, 1)
    assert actions.open_and_close_due(later) == (0, 0)
    run_worker()
    finals = Delivery.objects.filter(campaign=campaign, kind=Delivery.Kind.FINAL)
    assert finals.count() == 1 and finals.get().signer_count == 3


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_close_a_campaign_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions")
    campaign = make_campaign(closes_at=timezone.now() - timedelta(minutes=1))
    results = []
    barrier = threading.Barrier(2)

    def work():
        barrier.wait()
        try:
            results.append(actions.open_and_close_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(0, 0), (0, 1)]
    assert AuditEntry.objects.filter(action="close", detail__campaign=campaign.pk).count() == 1
