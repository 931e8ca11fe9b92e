"""How the area pages behave with 100,000 signatures: queries, time and memory.

A one-off measurement, not part of the test suite. It fills an empty database
(bulk inserts, with the same count events confirming writes), publishes the
public numbers, then requests the area page, the overview and the JSON counts
through Django's test client and reports each one's queries, time and CPU,
and the process's peak memory.

    # SQLite, in a scratch directory:
    UNDERSIGNED_DEMO=1 UNDERSIGNED_VAR_DIR=/tmp/scale .venv/bin/python bench/area_pages_at_scale.py
    # PostgreSQL, in an empty database of its own:
    DATABASE_URL=postgres://…/undersigned_scale UNDERSIGNED_DEMO=1 \\
        UNDERSIGNED_VAR_DIR=/tmp/scale .venv/bin/python bench/area_pages_at_scale.py

The filled campaign's first area holds 30% of the signers, one in five of
them listed; in the areas of the second state nobody asked to be listed, the
case where finding the listed signers used to mean reading every placement.

With CAMPAIGN=bench-scale it measures a campaign `python bench/loader.py`
made instead (its hot place and the state around it), e.g. after
`python bench/loader.py --campaign bench-scale --signatures 1000000`. The
first request publishes the numbers when they are older than the hour, in
this process, as the first page view of the hour does in a web process: the
peak memory printed after it is what publishing costs.

Every signer is fictional and on example.org.
"""

from __future__ import annotations

import os
import resource
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
from undersigned.campaigns.models import Campaign, DeliveryRule  # noqa: E402
from undersigned.counting.actions import process_all_count_events  # noqa: E402
from undersigned.participation.actions import publish  # noqa: E402
from undersigned.participation.queries import area_url  # noqa: E402
from undersigned.privacy.identity import email_digest  # noqa: E402
from undersigned.signatures.bulk import write_signatures  # noqa: E402
from undersigned.signatures.models import Signature  # noqa: E402

TOTAL = int(os.environ.get("SIGNATURES", "100000"))
LOOKUP = SignatureDivision.How.LOOKUP
CAMPAIGN = os.environ.get("CAMPAIGN", "")
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
        rows = []
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
                # Nobody in the second state (the odd places) asks to be listed.
                listed=n % 5 == 0 and int(place.name[5:]) % 10 != 1,
            )
            state = states[int(place.name[5:]) % 10]
            rows.append((signature, [(place.pk, LOOKUP), (state.pk, LOOKUP)]))
        write_signatures(rows, batch_size=1000)
        print(f"  {start + len(rows)} signatures", flush=True)
    return campaign, places[0], states[0]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(client: Client, path: str) -> tuple[str, float, float, float]:
    """Queries, median and worst wall time and median CPU time (ms) per request.

    A page that keeps what it read for a while in the process runs fewer
    queries while it has it: both numbers are shown."""
    client.get(path)  # warm: templates, the first connection
    times, cpu, counts = [], [], set()
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, response.status_code
        counts.add(len(captured))
    queries = " to ".join(str(n) for n in sorted(counts))
    median = statistics.median
    return queries, median(times) * 1000, max(times) * 1000, median(cpu) * 1000


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"after start-up: peak {peak_mb():.0f} MB")
    if CAMPAIGN:  # made by `python bench/loader.py`
        campaign = Campaign.objects.get(slug=CAMPAIGN)
        area = Division.objects.get(ocd_id="ocd-division/country:us/state:al/place:benchville_0")
        state = Division.objects.get(ocd_id="ocd-division/country:us/state:al")
        quiet = None
    elif campaign := Campaign.objects.filter(slug="scale").first():
        # Measured again on the data a previous run left.
        area = Division.objects.get(ocd_id="ocd-division/country:us/state:s0/place:town0")
        state = Division.objects.get(ocd_id="ocd-division/country:us/state:s0")
        quiet = Division.objects.get(ocd_id="ocd-division/country:us/state:s1")
    else:
        print(f"{connection.vendor}: inserting {TOTAL} signatures")
        started = time.perf_counter()
        campaign, area, state = fill()
        quiet = Division.objects.get(ocd_id="ocd-division/country:us/state:s1")
        print(f"  inserted in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        process_all_count_events()
        print(
            f"  counted (tallies and milestone deliveries) in {time.perf_counter() - started:.1f}s"
        )
    print(f"{connection.vendor}: {Signature.objects.filter(campaign=campaign).count()} signatures")
    signers = SignatureDivision.objects.filter(signature__campaign=campaign)
    client = Client(HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    client.get(area_url(campaign, area))  # publishes, if the numbers are older than the hour
    print(
        f"first area page: {(time.perf_counter() - started) * 1000:.0f} ms, peak {peak_mb():.0f} MB"
    )
    pages = [
        (f"area page ({signers.filter(division=area).count()} signers)", area),
        (f"state page ({signers.filter(division=state).count()} signers)", state),
    ]
    if quiet is not None:
        quiet_signers = signers.filter(division=quiet).count()
        pages.append((f"state page, nobody listed ({quiet_signers} signers)", quiet))
    for label, path in [(label, area_url(campaign, division)) for label, division in pages] + [
        ("overview", f"/c/{campaign.slug}/areas/"),
        ("JSON counts", f"/api/campaigns/{campaign.slug}/areas.json"),
    ]:
        queries, median, worst, cpu = measure(client, path)
        print(
            f"{label}: {queries} queries, median {median:.1f} ms, max {worst:.1f} ms, "
            f"CPU {cpu:.1f} ms"
        )
    started = time.perf_counter()
    publish(campaign)
    print(f"published again in {time.perf_counter() - started:.2f}s; peak {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
