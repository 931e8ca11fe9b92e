"""How the area pages behave with 100,000 signatures: queries and time.

A one-off measurement, not part of the test suite. It fills an empty database
(bulk inserts, with the same count events confirming writes), publishes the
public numbers, then requests the area page, the overview and the JSON counts
through Django's test client and reports each one's queries and time.

    # SQLite, in a scratch directory:
    UNDERSIGNED_DEMO=1 UNDERSIGNED_VAR_DIR=/tmp/scale .venv/bin/python bench/area_pages_at_scale.py
    # PostgreSQL, in an empty database of its own:
    DATABASE_URL=postgres://…/undersigned_scale UNDERSIGNED_DEMO=1 \\
        UNDERSIGNED_VAR_DIR=/tmp/scale .venv/bin/python bench/area_pages_at_scale.py

Every signer is fictional and on example.org.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from undersigned.areas.models import Division, SignatureDivision, TargetRule  # noqa: E402
from undersigned.campaigns.actions import save_campaign  # noqa: E402
from undersigned.campaigns.models import Campaign  # noqa: E402
from undersigned.deliveries.counting import (  # noqa: E402
    process_all_count_events,
    record_transitions,
)
from undersigned.deliveries.models import DeliveryRule  # noqa: E402
from undersigned.participation.actions import publish  # noqa: E402
from undersigned.participation.queries import area_url  # noqa: E402
from undersigned.privacy.identity import email_digest  # noqa: E402
from undersigned.signatures.models import Signature  # noqa: E402

TOTAL = int(os.environ.get("SIGNATURES", "100000"))
IN_THE_AREA = TOTAL * 3 // 10  # the measured area holds 30% of them
PLACES = 200
BATCH = 5000
REPEAT = 20


def division(ocd_id: str, name: str) -> Division:
    found = Division.objects.filter(ocd_id=ocd_id).first()
    if found:
        return found
    made = Division(ocd_id=ocd_id, name=name)
    made.save()
    return made


def fill() -> tuple[Campaign, Division, Division]:
    campaign = save_campaign(
        Campaign(
            slug="scale",
            title="Scale",
            summary="s",
            body="b",
            organisation="o",
            letter_subject="s",
            letter_body="b",
            status=Campaign.Status.LIVE,
        )
    )
    TargetRule.objects.create(campaign=campaign, division_type="place")
    DeliveryRule.objects.create(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type="place", batch_size=100
    )
    states = [division(f"ocd-division/country:us/state:s{n}", f"State {n}") for n in range(10)]
    places = [
        division(f"{states[n % 10].ocd_id}/place:town{n}", f"Town {n}") for n in range(PLACES)
    ]
    letter = campaign.current_letter()
    now = timezone.now()
    for start in range(0, TOTAL, BATCH):
        rows, links = [], []
        for n in range(start, min(TOTAL, start + BATCH)):
            place = places[0] if n < IN_THE_AREA else places[1 + n % (PLACES - 1)]
            signature = Signature(
                campaign=campaign,
                letter_version=letter,
                email_digest=email_digest(f"scale{n}@example.org"),
                email=f"scale{n}@example.org",
                first_name=f"First{n}",
                last_name="Example",
                postal_code="02143",
                country="US",
                status=Signature.Status.CONFIRMED,
                confirmed_at=now - timedelta(days=n % 60, seconds=1),
                listed=n % 5 == 0,
            )
            rows.append(signature)
            links += [
                SignatureDivision(signature=signature, division=place),
                SignatureDivision(signature=signature, division=states[int(place.name[5:]) % 10]),
            ]
        Signature.objects.bulk_create(rows, batch_size=1000)
        SignatureDivision.objects.bulk_create(links, batch_size=1000)
        record_transitions([row.pk for row in rows], +1)
        print(f"  {start + len(rows)} signatures", flush=True)
    return campaign, places[0], states[0]


def measure(client: Client, path: str) -> tuple[int, float, float]:
    client.get(path)  # warm: templates, the first connection
    times, counts = [], set()
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        counts.add(len(captured))
    assert len(counts) == 1, counts
    return counts.pop(), statistics.median(times) * 1000, max(times) * 1000


def main() -> None:
    call_command("migrate", verbosity=0)
    campaign = Campaign.objects.filter(slug="scale").first()
    if campaign is None:
        print(f"{connection.vendor}: inserting {TOTAL} signatures")
        started = time.perf_counter()
        campaign, area, state = fill()
        print(f"  inserted in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        process_all_count_events()
        print(
            f"  counted (tallies and milestone deliveries) in {time.perf_counter() - started:.1f}s"
        )
    else:  # measured again on the data a previous run left
        area = Division.objects.get(ocd_id="ocd-division/country:us/state:s0/place:town0")
        state = Division.objects.get(ocd_id="ocd-division/country:us/state:s0")
    print(f"{connection.vendor}: {Signature.objects.filter(campaign=campaign).count()} signatures")
    started = time.perf_counter()
    publish(campaign)
    print(f"  published in {time.perf_counter() - started:.2f}s")
    client = Client(HTTP_HOST="127.0.0.1")
    for label, path in [
        (f"area page ({IN_THE_AREA} signers)", area_url(campaign, area)),
        ("state page", area_url(campaign, state)),
        ("overview", f"/c/{campaign.slug}/areas/"),
        ("JSON counts", f"/api/campaigns/{campaign.slug}/areas.json"),
    ]:
        queries, median, worst = measure(client, path)
        print(f"{label}: {queries} queries, median {median:.1f} ms, max {worst:.1f} ms")


if __name__ == "__main__":
    main()
