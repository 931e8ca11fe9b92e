"""Demo deliveries: fictional lawmakers for a handful of real places, fictional
signers there, and the deliveries they have already earned, with receipts.

Every lawmaker and signer is made up and every address is on example.org;
the demo writes mail to var/mail/ and sends nothing. Seeding uses bulk
inserts (a few hundred signers in well under a second) but the same count
events confirming writes, so tallies, milestones and deliveries come about
exactly as they would in production.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from undersigned.areas.lookup import place as placement
from undersigned.areas.models import (
    ContactPoint,
    Division,
    Official,
    PostalCodeDivision,
    SignatureDivision,
    TargetRule,
)
from undersigned.campaigns.models import DeliveryRule
from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries import sending
from undersigned.deliveries.models import Delivery, DeliveryAttempt
from undersigned.privacy.identity import email_digest
from undersigned.signatures.bulk import write_signatures
from undersigned.signatures.models import Signature

STATES = {"ma": "Massachusetts", "ca": "California"}
# (state, place slug, name, postal code, signers): Somerville ends 5 short of
# its third hundred, Oakland 3 short of its first.
PLACES = [
    ("ma", "somerville", "Somerville", "02143", 295),
    ("ma", "cambridge", "Cambridge", "02139", 140),
    ("ca", "berkeley", "Berkeley", "94704", 208),
    ("ca", "oakland", "Oakland", "94612", 97),
    ("ma", "northampton", "Northampton", "01060", 41),
]
NATIONAL_SIGNERS = 40
FIRST = [
    "Alex", "Sam", "Jordan", "Robin", "Casey", "Morgan", "Riley", "Jamie", "Avery", "Quinn",
    "Noor", "Mateo", "Aiko", "Priya", "Tomasz", "Amara", "Lior", "Sofía", "Kwame", "Ines",
]  # fmt: skip
LAST = [
    "Rivera", "Nguyen", "Okafor", "Schmidt", "Haddad", "Kowalski", "Tanaka", "Moreau",
    "Silva", "Novak", "Byrne", "Park", "Costa", "Lindqvist", "Mensah", "Ortega",
]  # fmt: skip
MARKER = "demo.signer.0@example.org"


def fictional_name(n: int) -> tuple[str, str]:
    return FIRST[n % len(FIRST)], LAST[(n * 7 + n // len(FIRST)) % len(LAST)]


def fictional_signer(campaign, letter, n: int, postal_code: str, confirmed_at,
                     *, listed: bool = False) -> Signature:  # fmt: skip
    """Demo signer number n, confirmed, on example.org; not saved."""
    first, last = fictional_name(n)
    address = f"demo.signer.{n}@example.org"
    return Signature(
        campaign=campaign,
        letter_version=letter,
        email_digest=email_digest(address),
        email=address,
        first_name=first,
        last_name=last,
        postal_code=postal_code,
        country="US" if postal_code else "",
        status=Signature.Status.CONFIRMED,
        confirmed_at=confirmed_at,
        listed=listed,
    )


def seed(local, national) -> int:
    """Seed both demo campaigns once; returns how many deliveries were made."""
    local_rule(local)
    DeliveryRule.objects.get_or_create(
        campaign=national, kind=DeliveryRule.Kind.NATIONAL, defaults={"deliver_at_goal": True}
    )
    if Signature.objects.filter(campaign=local, email_digest=email_digest(MARKER)).exists():
        return 0
    with transaction.atomic():
        now = timezone.now()
        start = now - timedelta(days=30)
        number = 0
        for state, slug, name, postal_code, count in PLACES:
            place = demo_place(state, slug, name, postal_code)
            demo_lawmakers(place, state, by_post=(slug == "oakland"))
            signers(local, place, postal_code, range(number, number + count), start, now)
            number += count
        signers(national, None, "", range(number, number + NATIONAL_SIGNERS), start, now)
    process_all_count_events()
    deliveries = list(Delivery.objects.filter(campaign=local, dispatched_at__isnull=True))
    for delivery in deliveries:
        # Dated when the area's last carried signer confirmed: when it was earned.
        earned = delivery.signers.order_by("-position").first().signature.confirmed_at
        Delivery.objects.filter(pk=delivery.pk).update(created_at=earned)
        sending.dispatch(delivery.pk)
    for pk in DeliveryAttempt.objects.filter(
        delivery__in=deliveries, state=DeliveryAttempt.State.PENDING
    ).values_list("pk", flat=True):
        sending.send_attempt(pk)
    for delivery in Delivery.objects.filter(pk__in=[d.pk for d in deliveries]):
        # The worker's minute or two, as of when each was earned.
        sent = delivery.created_at + timedelta(minutes=2)
        delivery.attempts.filter(state=DeliveryAttempt.State.SENT).update(sent_at=sent)
        Delivery.objects.filter(pk=delivery.pk, completed_at__isnull=False).update(
            completed_at=sent
        )
    return len(deliveries)


def local_rule(campaign) -> None:
    TargetRule.objects.get_or_create(
        campaign=campaign, division_type="place", defaults={"roles": "mayor, council"}
    )
    DeliveryRule.objects.get_or_create(
        campaign=campaign,
        kind=DeliveryRule.Kind.LOCAL,
        division_type="place",
        defaults={"batch_size": 100},
    )


def demo_place(state: str, slug: str, name: str, postal_code: str) -> Division:
    """The real place's division (the default US data's, if loaded), linked to a postal code."""
    state_id = f"ocd-division/country:us/state:{state}"
    parent = Division.objects.filter(ocd_id=state_id).first()
    if parent is None:
        parent = Division(ocd_id=state_id, name=STATES[state], source="demo")
        parent.save()
    place = Division.objects.filter(ocd_id=f"{state_id}/place:{slug}").first()
    if place is None:
        place = Division(ocd_id=f"{state_id}/place:{slug}", name=name, parent=parent, source="demo")
        place.save()
    PostalCodeDivision.objects.get_or_create(
        country="US",
        postal_code=postal_code,
        division=place,
        defaults={"method": PostalCodeDivision.Method.MANUAL, "source": "demo"},
    )
    return place


def demo_lawmakers(place: Division, state: str, *, by_post: bool = False) -> None:
    """A fictional mayor and council for a real place; all addresses on example.org
    (with `by_post`, one more council member who takes letters by post only)."""
    slug = place.ocd_id.rsplit(":", 1)[-1]
    people = [
        ("mayor", f"Mayor of {place.name}", "Dana Example (fictional)", "email"),
        ("council", f"{place.name} City Council", "Lee Placeholder (fictional)", "email"),
    ]
    if by_post:
        people.append(("council", f"{place.name} City Council", "Pat Sample (fictional)", "postal"))
    for role, office, name, channel in people:
        official, created = Official.objects.get_or_create(
            key=f"demo|{name}|{place.ocd_id}",
            defaults={"name": name, "office": office, "role": role, "division": place,
                      "source": "demo"},
        )  # fmt: skip
        if not created:
            continue
        if channel == "email":
            value = f"{role}.{slug}@example.org"
            kind = ContactPoint.Kind.EMAIL
        else:
            value = f"{name}\n1 Example Plaza\n{place.name}, {state.upper()}"
            kind = ContactPoint.Kind.POSTAL
        ContactPoint.objects.create(official=official, kind=kind, value=value, for_delivery=True)


def signers(campaign, place, postal_code: str, numbers: range, start, end) -> None:
    letter = campaign.current_letter()
    step = (end - start) / max(1, len(numbers))
    # As the sign form places them: in the place, and in the other areas
    # (state, county) its postal code lies in, so those count them too.
    around = []
    if place is not None:
        around = [d for d in placement("US", postal_code).divisions if d.type != place.type]
    divisions = [(d.pk, SignatureDivision.How.LOOKUP) for d in [place, *around] if d is not None]
    write_signatures(
        (
            (fictional_signer(campaign, letter, n, postal_code, start + step * index), divisions)
            for index, n in enumerate(numbers)
        ),
        created_at=start,
    )
