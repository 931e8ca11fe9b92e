"""Demo participation: more fictional signers across the country, some who
asked to be listed, and local groups, so that the local campaign's map, chart
and area pages have something to show.

Runs after the deliveries demo (deliveries.py beside this file), which seeds
the places close to their next delivery. Every signer and group here is made
up and on example.org. No place here reaches 100 signers, so no delivery
comes of it; some stay below the small-area threshold, to show "fewer than 10".
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from undersigned.areas.lookup import place
from undersigned.areas.models import Division
from undersigned.counting.actions import process_all_count_events
from undersigned.participation.actions import publish
from undersigned.participation.models import LocalGroup
from undersigned.privacy.identity import email_digest
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.models import Signature

from .deliveries import fictional_signer

# Real ZIP codes (placed through the default US data), with made-up numbers of signers.
ZIPS = {
    "10027": 84, "14607": 23, "60614": 71, "78701": 66, "77004": 31, "98103": 79,
    "98225": 17, "97214": 74, "80205": 38, "55406": 52, "48104": 44, "48201": 19,
    "19104": 57, "15213": 28, "27701": 33, "30307": 26, "33131": 14, "85004": 21,
    "53703": 36, "21218": 24, "20009": 47, "70116": 18, "87501": 12, "05401": 29,
    "04101": 15, "96813": 11, "99501": 13, "84111": 16, "37203": 9, "43201": 22,
    "94110": 88, "90026": 63, "01002": 27, "02155": 6,
}  # fmt: skip
FIRST_NUMBER = 10_000  # after the deliveries demo's signers
MARKER = f"demo.signer.{FIRST_NUMBER}@example.org"
DAYS = 30
# Groups of the demo's network partner: (OCD id, name, e-mail, web page, meets).
GROUPS = [
    ("ocd-division/country:us/state:ma/place:somerville", "Somerville Digital Rights (fictional)",
     "hello@somerville.network.example.org", "", "First Tuesday of the month, 7pm, the library"),
    ("ocd-division/country:us/state:ma/place:cambridge", "Cambridge Privacy Circle (fictional)",
     "", "https://cambridge.network.example.org/", "Every other Thursday, online and in person"),
    ("ocd-division/country:us/state:ca/place:oakland", "Oakland Privacy Watch (fictional)",
     "oakland@network.example.org", "", ""),
    ("ocd-division/country:us/state:ca/place:berkeley", "", "berkeley@network.example.org",
     "https://berkeley.network.example.org/", ""),
    ("ocd-division/country:us/state:ma", "Massachusetts coordinators (fictional)",
     "ma@network.example.org", "", ""),
]  # fmt: skip


def seed(local, national, network) -> int:
    """Seed once (safe to run again); returns how many signers were added."""
    seed_groups(network)
    added = 0
    if not Signature.objects.filter(campaign=local, email_digest=email_digest(MARKER)).exists():
        added = seed_signers(local)
    process_all_count_events()
    publish(local)
    publish(national)
    return added


def seed_groups(network) -> None:
    for ocd_id, name, email, url, meets in GROUPS:
        division = Division.objects.filter(ocd_id=ocd_id).first()
        if division is None:
            continue
        LocalGroup.objects.update_or_create(
            partner=network,
            division=division,
            name=name,
            defaults={"email": email, "url": url, "meets": meets},
        )


@transaction.atomic
def seed_signers(campaign) -> int:
    letter = campaign.current_letter()
    now = timezone.now()
    rows = []
    number = FIRST_NUMBER
    for code, count in ZIPS.items():
        divisions = [(division.pk, how) for division, how in place("US", code).assign({})]
        for i in range(count):
            # Spread over the last month, more of them lately, as campaigns grow.
            age = DAYS * ((i * 7919 + number) % 1000 / 1000) ** 2
            when = now - timedelta(days=age, minutes=5)
            signature = fictional_signer(
                campaign, letter, number, code, when, listed=number % 3 == 0
            )
            rows.append((signature, divisions))
            number += 1
    written = write_signatures(rows)
    # A third of the deliveries demo's signers asked to be listed, too.
    earlier = Signature.objects.filter(campaign=campaign, listed=False).exclude(
        pk__in=[row.pk for row in written]
    )
    Signature.objects.filter(pk__in=list(earlier.values_list("pk", flat=True)[::3])).update(
        listed=True
    )
    return len(written)
