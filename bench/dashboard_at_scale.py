"""How a campaign's dashboard and its exports behave with a million signatures.

A one-off measurement, not part of the test suite. It needs a campaign made
by `bench/loader.py` (confirmed signatures in 50 states and their places),
adds what a real campaign also has (signatures awaiting confirmation, some
in review, some waiting for an area under many postal codes, some who
agreed to hear from the organisers and from the partner), then requests the
dashboard through Django's test client as a signed-in organiser, and times
the exports, reporting queries, wall time and CPU.

    createdb undersigned_dashboard   # an empty database of its own
    export DATABASE_URL=postgres://…/undersigned_dashboard UNDERSIGNED_DEMO=1 \\
        UNDERSIGNED_VAR_DIR=/tmp/dashboard
    .venv/bin/undersigned migrate
    .venv/bin/python bench/loader.py --campaign bench-scale --signatures 1000000 --deliveries
    .venv/bin/python bench/dashboard_at_scale.py

UNDERSIGNED_DEMO=1 turns the second factor off, so the organiser is signed
in with force_login. Every signer is fictional and on example.org.
"""

from __future__ import annotations

import hashlib
import os
import resource
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from undersigned.areas.models import PostalCodeDivision  # noqa: E402
from undersigned.campaigns.models import Campaign  # noqa: E402
from undersigned.privacy.identity import email_digest  # noqa: E402
from undersigned.signatures.bulk import write_signatures  # noqa: E402
from undersigned.signatures.models import Consent, Signature  # noqa: E402
from undersigned.staff.roles import Role, create_account  # noqa: E402

CAMPAIGN = os.environ.get("CAMPAIGN", "bench-scale")
PENDING = int(os.environ.get("PENDING", "50000"))
WAITING = int(os.environ.get("WAITING", "5000"))
IN_REVIEW = 500
# One confirmed signer in N agreed to hear from the organisers (and the partner).
CONSENTING_ONE_IN = 10
REPEAT = 10


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def extras(campaign: Campaign) -> None:
    """What a real campaign has besides confirmed signers, added once."""
    if Signature.objects.filter(campaign=campaign, status=Signature.Status.PENDING).exists():
        return
    letter = campaign.current_letter()
    started = time.perf_counter()
    # Placed where their postal code lies, as signing places them (one place
    # for a code in two: the signer chose).
    linked: dict[str, dict[str, int]] = {}
    for code, kind, pk in PostalCodeDivision.objects.values_list(
        "postal_code", "division__type", "division_id"
    ):
        linked.setdefault(code, {}).setdefault(kind, pk)
    for start, count, code_of, status in [
        (0, PENDING, lambda n: f"{10000 + n % 30000:05d}", Signature.Status.PENDING),
        # Postal codes the loader linked to nothing: they wait for an area.
        (PENDING, WAITING, lambda n: f"{90000 + n % 2000:05d}", Signature.Status.CONFIRMED),
    ]:
        for chunk in range(start, start + count, 5000):
            write_signatures(
                (
                    (
                        Signature(
                            campaign=campaign,
                            letter_version=letter,
                            email_digest=email_digest(f"extra{n}@example.org"),
                            email=f"extra{n}@example.org",
                            first_name=f"Extra{n}",
                            last_name="Example",
                            postal_code=code_of(n),
                            country="US",
                            status=status,
                            confirmed_at=timezone.now() if status == "confirmed" else None,
                        ),
                        [(pk, "lookup") for pk in linked.get(code_of(n), {}).values()],
                    )
                    for n in range(chunk, min(start + count, chunk + 5000))
                ),
                count=False,
            )
    held = Signature.objects.filter(campaign=campaign, status=Signature.Status.PENDING)
    Signature.objects.filter(pk__in=held.values("pk")[:IN_REVIEW]).update(
        status=Signature.Status.QUARANTINED, held_status="pending", quarantine_reason="bench"
    )
    print(f"extras written in {time.perf_counter() - started:.0f}s", flush=True)


def consents(campaign: Campaign) -> None:
    """One confirmed signer in CONSENTING_ONE_IN agreed to hear from the
    organisers and from the partner (the rows sign() writes)."""
    if Consent.objects.filter(signature__campaign=campaign).exists():
        return
    partner = campaign.partners.get()
    started = time.perf_counter()
    texts = {
        (Consent.Kind.ORGANISER, None): f"Yes, {campaign.organisation} may e-mail me.",
        (Consent.Kind.PARTNER, partner): f"Yes, {partner.name} may e-mail me about their work.",
    }
    ids = Signature.objects.filter(
        campaign=campaign, status=Signature.Status.CONFIRMED
    ).values_list("pk", flat=True)
    batch, now = [], timezone.now()
    for index, pk in enumerate(ids.iterator(chunk_size=10_000)):
        if index % CONSENTING_ONE_IN:
            continue
        for (kind, who), text in texts.items():
            batch.append(
                Consent(
                    signature_id=pk,
                    kind=kind,
                    partner=who,
                    text=text,
                    text_sha256=hashlib.sha256(text.encode()).hexdigest(),
                    given_at=now,
                )
            )
        if len(batch) >= 10_000:
            Consent.objects.bulk_create(batch)
            batch = []
    Consent.objects.bulk_create(batch)
    print(f"consents written in {time.perf_counter() - started:.0f}s", flush=True)


def organiser() -> Client:
    user = get_user_model().objects.filter(username="bench-organiser").first()
    if user is None:
        user = create_account(
            Role.ORGANISER, "bench-organiser", password="bench passphrase 1234", actor="bench"
        )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def partner_client(campaign: Campaign) -> Client:
    user = get_user_model().objects.filter(username="bench-partner").first()
    if user is None:
        user = create_account(
            Role.PARTNER, "bench-partner", password="bench passphrase 1234", actor="bench",
            partner=campaign.partners.get(),
        )  # fmt: skip
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    return client


def request(client: Client, path: str) -> tuple[int, float, float, int]:
    """Queries, wall and CPU milliseconds, and bytes, of one GET (streamed in full)."""
    with CaptureQueriesContext(connection) as captured:
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        wall = (time.perf_counter() - started) * 1000
        cpu = (time.process_time() - started_cpu) * 1000
    assert response.status_code == 200, (response.status_code, body[:300])
    return len(captured), wall, cpu, len(body)


def main() -> None:
    campaign = Campaign.objects.get(slug=CAMPAIGN)
    extras(campaign)
    consents(campaign)
    counts = dict(
        Signature.objects.filter(campaign=campaign)
        .values_list("status")
        .annotate(n=django.db.models.Count("pk"))
        .order_by()
    )
    print(f"{connection.vendor}: signatures by status {counts}")
    client = organiser()
    path = reverse("organise:campaign", args=[campaign.pk])
    queries, wall, cpu, _size = request(client, path)
    print(f"dashboard, first (publishes the hour's numbers): {queries} queries, {wall:.0f} ms")
    runs = [request(client, path) for _ in range(REPEAT)]
    walls = [run[1] for run in runs]
    print(
        f"dashboard: {sorted({run[0] for run in runs})} queries, median "
        f"{statistics.median(walls):.0f} ms, max {max(walls):.0f} ms, CPU median "
        f"{statistics.median(run[2] for run in runs):.0f} ms, peak {peak_mb():.0f} MB"
    )
    for label, who, url in [
        ("organisers' export (opted in)", client,
         reverse("organise:export_csv", args=[campaign.pk]) + "?who=opted_in"),
        ("partner's export", partner_client(campaign),
         reverse("organise:partner_export_csv", args=[campaign.pk])),
    ]:  # fmt: skip
        queries, wall, cpu, size = request(who, url)
        print(
            f"{label}: {queries} queries, {wall / 1000:.1f} s, CPU {cpu / 1000:.1f} s, "
            f"{size / 1e6:.1f} MB, peak {peak_mb():.0f} MB"
        )


if __name__ == "__main__":
    main()
