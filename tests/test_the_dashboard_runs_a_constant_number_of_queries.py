"""A campaign's dashboard runs the same number of queries with ten signatures
as with many: more signers, areas, deliveries (sent, failed, to post), failed
e-mails, signatures in review and signatures waiting for an area under many
postal codes. bench/dashboard_at_scale.py measures it at a million."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from undersigned.areas.models import Division
from undersigned.deliveries.models import DeliveryAttempt
from undersigned.memo import forget_all
from undersigned.outbox.models import Email
from undersigned.privacy.identity import email_digest
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.models import Signature
from undersigned.staff.roles import Role

from .area_pages import bulk_signers, geography, publish_now
from .conftest import run_worker
from .delivery_helpers import lawmaker, local_campaign, sign_and_confirm
from .workspace import account, signed_in

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 22, 12, 0, 5, tzinfo=datetime.UTC)


@pytest.fixture
def world():
    """Seeded and measured at one fixed instant (see the area pages' test)."""
    with time_machine.travel(NOON, tick=False):
        areas = geography()
        campaign = local_campaign(batch_size=10)
        lawmaker(areas["somerville"], "Mayor Example", "mayor", email="mayor@example.org")
        bulk_signers(campaign, [areas["somerville"], areas["ma"]], 6)
        waiting(campaign, ["02999"], start=0)
        sign_and_confirm(campaign, areas["somerville"], 1, start=900)
        yield campaign, areas


def waiting(campaign, codes: list[str], *, start: int, pending: bool = False) -> None:
    """Signatures whose postal codes lead to no place yet: they wait for one."""
    letter = campaign.current_letter()
    write_signatures(
        (
            Signature(
                campaign=campaign,
                letter_version=letter,
                email_digest=email_digest(f"waiting{start + n}@example.org"),
                email=f"waiting{start + n}@example.org",
                first_name="Waiting",
                postal_code=code,
                country="US",
                status=Signature.Status.PENDING if pending else Signature.Status.CONFIRMED,
                confirmed_at=None if pending else NOON,
            ),
            [],
        )
        for n, code in enumerate(codes)
    )


def grow(campaign, areas) -> None:
    """Many more of everything the dashboard counts or lists."""
    for n in range(20):
        place = Division(ocd_id=f"{areas['ma'].ocd_id}/place:town{n}", name=f"Town {n}")
        place.save()
        lawmaker(place, f"Mayor {n}", "mayor", postal=f"{n} Main St")
        bulk_signers(campaign, [place, areas["ma"]], 12 + n, start=1000 + 100 * n, days=5)
    bulk_signers(campaign, [areas["somerville"], areas["ma"]], 45, start=5000, days=3)
    waiting(campaign, [f"0{2900 + n}" for n in range(40)], start=100)
    waiting(campaign, [f"0{2950 + n}" for n in range(15)], start=200, pending=True)
    sign_and_confirm(campaign, areas["somerville"], 5, start=901)
    run_worker()  # deliveries created, dispatched and sent
    assert campaign.deliveries.count() > 20
    # Some letters and e-mails failed for good (what the worker would record
    # after its last try): the dashboard counts and lists them.
    DeliveryAttempt.objects.filter(channel="email").update(state="failed", last_error="SMTPX 550")
    Email.objects.filter(signature__campaign=campaign).update(state=Email.State.FAILED)
    Signature.objects.filter(pk__in=Signature.objects.filter(
        campaign=campaign, status="pending").values("pk")[:3]
    ).update(held_status="pending", status="quarantined", quarantine_reason="test")  # fmt: skip


def queries(client, path: str) -> int:
    forget_all()  # cold per-process caches, both times
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def test_the_dashboard_runs_as_many_queries_with_many_signatures_as_with_few(world):
    campaign, areas = world
    organiser = signed_in(account(Role.ORGANISER, "organiser"))
    path = reverse("organise:campaign", args=[campaign.pk])
    with time_machine.travel(NOON, tick=False):
        publish_now(campaign)
        organiser.get(path)  # the session settles (its first save) before counting
        few = queries(organiser, path)
        grow(campaign, areas)
        publish_now(campaign)
        many = queries(organiser, path)
        page = organiser.get(path).content.decode()
    assert many == few
    # And the page shows what there is now: this is the dashboard with data in it.
    # Which towns the first 20 deliveries to post name depends on the order
    # of deliveries made at one frozen instant: any town will do.
    assert "Town 1" in page
    assert ">Failed<" in page and "SMTPX 550" in page
    assert "Mark the ticked ones as mailed" in page
    # 41 confirmed and 15 unconfirmed signatures wait, in no state we know.
    row = '<th scope="row">State not known</th><td class="num">41</td><td class="num">15</td>'
    assert row in page
