"""The benchmark's data, loaded fast (see bench/run.py and docs/performance.md).
Never run it on a database with real campaigns: it refuses to. It is part of
the benchmark, not of the product: the package does not ship it.

    python bench/loader.py --campaign bench-surge --manifest areas.json
    python bench/loader.py --campaign bench-scale --signatures 1000000

Run it with the environment of the stack it loads (DATABASE_URL and the
rest; bench/run.py does).

Areas (made-up places, each with its postal codes) are created once per
database: 50 states, one place per ten postal codes, every code linked to its
place and state, and one code in a hundred lying in two places (the signer
chooses). Place 0 is the hot area. Each place has a mayor with an e-mail
address on example.org, so milestone deliveries have someone to go to (the
benchmark's SMTP server on loopback).

A campaign is created through save_campaign, with a rule addressing each
signer's place. `--deliveries` adds the delivery rules (every 100 signers in a
place; every 1,000 nationally). With `--signatures N` it then gets N confirmed
signatures, written by the product's one bulk writer
(undersigned/signatures/bulk.py), as the tests and the demo write theirs:
each personal value sealed like any other, each e-mail a keyed digest, each
signature placed in its state and place; the tallies are then set to the
exact counts here, instead of a million count events. It writes no consent
or e-mail history: the rows serve reading at scale.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.settings")

import django

django.setup()

from django.core.management.base import BaseCommand, CommandError  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from undersigned.areas.models import (  # noqa: E402
    ContactPoint,
    Division,
    Official,
    PostalCodeDivision,
    SignatureDivision,
    TargetRule,
)
from undersigned.campaigns.actions import save_campaign  # noqa: E402
from undersigned.campaigns.models import (  # noqa: E402
    Campaign,
    DeliveryRule,
    FieldMode,
    Partner,
    Target,
)
from undersigned.counting.models import Tally  # noqa: E402
from undersigned.privacy.identity import email_digest  # noqa: E402
from undersigned.signatures.bulk import write_signatures  # noqa: E402
from undersigned.signatures.models import Signature  # noqa: E402

SOURCE = "bench"
STATES = [
    "al",
    "ak",
    "az",
    "ar",
    "ca",
    "co",
    "ct",
    "de",
    "fl",
    "ga",
    "hi",
    "id",
    "il",
    "in",
    "ia",
    "ks",
    "ky",
    "la",
    "me",
    "md",
    "ma",
    "mi",
    "mn",
    "ms",
    "mo",
    "mt",
    "ne",
    "nv",
    "nh",
    "nj",
    "nm",
    "ny",
    "nc",
    "nd",
    "oh",
    "ok",
    "or",
    "pa",
    "ri",
    "sc",
    "sd",
    "tn",
    "tx",
    "ut",
    "vt",
    "va",
    "wa",
    "wv",
    "wi",
    "wy",
]
CODES_PER_PLACE = 10
FIRST_CODE = 10000
# Share of the loaded signatures placed in the hot area (place 0).
HOT_SHARE = 0.05
BATCH = 20000


def postal_code(index: int) -> str:
    return f"{FIRST_CODE + index:05d}"


def place_id(index: int) -> str:
    return f"ocd-division/country:us/state:{STATES[index % len(STATES)]}/place:benchville_{index}"


def state_id(code: str) -> str:
    return f"ocd-division/country:us/state:{code}"


def places_of(code_index: int, places: int) -> list[int]:
    """The places a postal code lies in: its own, and a neighbour for 1 code in 100."""
    own = code_index // CODES_PER_PLACE
    if code_index % 100 == 5:
        return [own, (own + 1) % places]
    return [own]


class Command(BaseCommand):
    help = "Load the benchmark's areas and a campaign, optionally with N confirmed signatures."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", required=True, help="Slug; must start with bench-.")
        parser.add_argument("--postal-codes", type=int, default=30000)
        parser.add_argument("--signatures", type=int, default=0)
        parser.add_argument("--deliveries", action="store_true", help="Add delivery rules.")
        parser.add_argument("--manifest", help="Write the areas the load generator needs here.")
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, **options):
        campaign, postal_codes = options["campaign"], options["postal_codes"]
        signatures, deliveries = options["signatures"], options["deliveries"]
        manifest, seed = options["manifest"], options["seed"]
        if not campaign.startswith("bench-"):
            raise CommandError("Benchmark campaign slugs start with bench-.")
        others = Campaign.objects.exclude(slug__startswith="bench-")
        if others.exists():
            raise CommandError(
                "This database has real campaigns: the loader writes only to a database of its own."
            )
        started = time.monotonic()
        place_count = max(2, postal_codes // CODES_PER_PLACE)
        ids = self.areas(postal_codes, place_count)
        analyse(Division, PostalCodeDivision, Official, ContactPoint)
        areas_seconds = time.monotonic() - started
        target = self.campaign(campaign, deliveries=deliveries)
        if manifest:
            with open(manifest, "w") as handle:
                json.dump(self.manifest(postal_codes, place_count), handle)
        load_seconds = 0.0
        if signatures:
            if target.signatures.exists():
                raise CommandError(f"{campaign} already has signatures.")
            load_started = time.monotonic()
            self.signatures(target, signatures, postal_codes, place_count, ids, seed)
            load_seconds = time.monotonic() - load_started
        self.stdout.write(
            json.dumps(
                {
                    "campaign": target.slug,
                    "campaign_id": target.pk,
                    "signatures": signatures,
                    "areas_seconds": round(areas_seconds, 2),
                    "load_seconds": round(load_seconds, 2),
                }
            )
        )

    # Areas -----------------------------------------------------------------

    def areas(self, postal_codes: int, place_count: int) -> dict[str, int]:
        """Create the made-up geography once; return ocd id -> division pk."""
        existing = Division.objects.filter(source=SOURCE).count()
        if existing < len(STATES) + place_count + 1:
            with transaction.atomic():
                self._create_areas(postal_codes, place_count)
        return dict(Division.objects.filter(source=SOURCE).values_list("ocd_id", "pk"))

    def _create_areas(self, postal_codes: int, place_count: int) -> None:
        country = Division.objects.update_or_create(
            ocd_id="ocd-division/country:us",
            defaults={
                "name": "United States",
                "country": "US",
                "type": "country",
                "source": SOURCE,
            },
        )[0]
        Division.objects.bulk_create(
            [
                Division(
                    ocd_id=state_id(code),
                    country="US",
                    type="state",
                    name=code.upper(),
                    parent=country,
                    source=SOURCE,
                )
                for code in STATES
            ],
            ignore_conflicts=True,
        )
        states = dict(Division.objects.filter(type="state").values_list("ocd_id", "pk"))
        Division.objects.bulk_create(
            [
                Division(
                    ocd_id=place_id(index),
                    country="US",
                    type="place",
                    name=f"Benchville {index}",
                    parent_id=states[state_id(STATES[index % len(STATES)])],
                    source=SOURCE,
                )
                for index in range(place_count)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        ids = dict(Division.objects.filter(source=SOURCE).values_list("ocd_id", "pk"))
        links = []
        for index in range(postal_codes):
            code = postal_code(index)
            own = places_of(index, place_count)
            for place in own:
                links.append((code, ids[place_id(place)]))
            links.append((code, ids[state_id(STATES[own[0] % len(STATES)])]))
        PostalCodeDivision.objects.bulk_create(
            [
                PostalCodeDivision(
                    country="US",
                    postal_code=code,
                    division_id=division,
                    method=PostalCodeDivision.Method.MANUAL,
                    source=SOURCE,
                )
                for code, division in links
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        officials = Official.objects.bulk_create(
            [
                Official(
                    key=f"bench-mayor-{index}",
                    name=f"Mayor {index}",
                    office=f"Mayor of Benchville {index}",
                    role="mayor",
                    division_id=ids[place_id(index)],
                    source=SOURCE,
                )
                for index in range(place_count)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        officials = Official.objects.filter(source=SOURCE).values_list("pk", "key")
        ContactPoint.objects.bulk_create(
            [
                ContactPoint(
                    official_id=pk,
                    kind=ContactPoint.Kind.EMAIL,
                    value=f"{key}@bench.example.org",
                    for_delivery=True,
                )
                for pk, key in officials
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )

    def manifest(self, postal_codes: int, place_count: int) -> dict:
        """What the load generator needs to sign like a browser would."""
        ambiguous = {
            postal_code(index): place_id(places_of(index, place_count)[0])
            for index in range(postal_codes)
            if len(places_of(index, place_count)) > 1
        }
        return {
            "postal_codes": [postal_code(index) for index in range(postal_codes)],
            "hot_codes": [postal_code(index) for index in range(CODES_PER_PLACE)],
            "hot_place": place_id(0),
            # Codes spanning two places: the form asks which (field area_place).
            "ambiguous": ambiguous,
            "place_count": place_count,
        }

    # The campaign ------------------------------------------------------------

    def campaign(self, slug: str, *, deliveries: bool) -> Campaign:
        existing = Campaign.objects.filter(slug=slug).first()
        if existing:
            return existing
        partner, _ = Partner.objects.get_or_create(
            name="Bench Digital Rights Network (fictional)",
            defaults={"url": "https://network.example.org/"},
        )
        campaign = save_campaign(
            Campaign(
                slug=slug,
                title="End face surveillance in your community",
                kind=Campaign.Kind.LETTER,
                summary="Ask your local lawmakers to ban government face surveillance.",
                body="Cameras that recognise faces are spreading through our towns.\n\n"
                "**How this letter works.** Every 100 signers in a place, the letter goes "
                "to its mayor.",
                organisation="undersigned benchmark",
                letter_subject="End government face surveillance in our community",
                letter_body="Dear Mayor,\n\nPlease end the use of face surveillance by our "
                "local government.\n",
                addressee="your mayor",
                status=Campaign.Status.LIVE,
                goal=2_000_000,
                country="US",
                first_name_field=FieldMode.REQUIRED,
                last_name_field=FieldMode.REQUIRED,
                postal_code_field=FieldMode.REQUIRED,
                comment_field=FieldMode.OPTIONAL,
            )
        )
        campaign.partners.add(partner)
        TargetRule.objects.create(campaign=campaign, division_type="place", roles="mayor")
        if deliveries:
            Target.objects.create(
                campaign=campaign,
                name="Chair, Bench Committee (fictional)",
                postal_address="1 Example Street\nExample City",
            )
            DeliveryRule.objects.create(
                campaign=campaign,
                kind=DeliveryRule.Kind.LOCAL,
                division_type="place",
                batch_size=100,
            )
            DeliveryRule.objects.create(
                campaign=campaign,
                kind=DeliveryRule.Kind.NATIONAL,
                every_n=1000,
                deliver_at_goal=False,
                deliver_on_close=False,
            )
        return campaign

    # Signatures --------------------------------------------------------------

    def signatures(self, campaign, total, postal_codes, place_count, ids, seed) -> None:
        rng = random.Random(seed)
        letter = campaign.current_letter()
        counts: Counter = Counter()
        now = timezone.now()
        # Every signer's state and place, per postal code, worked out once.
        placed = []
        for index in range(postal_codes):
            own = places_of(index, place_count)
            placed.append(
                (
                    postal_code(index),
                    ids[place_id(own[0])],
                    ids[state_id(STATES[own[0] % len(STATES)])],
                    "chosen" if len(own) > 1 else "lookup",
                )
            )
        # One transaction per batch: on SQLite a single one would hold the
        # write lock for the whole load, and the running worker gives up
        # waiting for it after the busy timeout.
        for start in range(0, total, BATCH):
            rows = []
            for number in range(start, min(total, start + BATCH)):
                if rng.random() < HOT_SHARE:
                    index = rng.randrange(CODES_PER_PLACE)
                else:
                    # Skewed like real campaigns: a few places have most signers.
                    index = int(postal_codes * rng.random() ** 2)
                code, place, state, how = placed[index]
                confirmed = now - datetime.timedelta(seconds=rng.randrange(30 * 86400) - 300)
                first = FIRST_NAMES[number % len(FIRST_NAMES)]
                last = LAST_NAMES[number % 997 % len(LAST_NAMES)]
                email = f"{first.lower()}.{last.lower()}.{number}@{DOMAINS[number % 15]}"
                signature = Signature(
                    campaign=campaign,
                    letter_version=letter,
                    status=Signature.Status.CONFIRMED,
                    email_digest=email_digest(email),
                    email=email,
                    first_name=first,
                    last_name=last,
                    postal_code=code,
                    country="US",
                    confirmed_at=confirmed,
                    # One signer in five asks to be listed on their area's page.
                    listed=number % 5 == 0,
                )
                rows.append((signature, [(place, how), (state, "lookup")]))
                counts[place] += 1
                counts[state] += 1
            with transaction.atomic():
                write_signatures(rows, count=False, batch_size=1000)
        with transaction.atomic():
            Tally.objects.bulk_create(
                [Tally(campaign=campaign, division=None, confirmed=total)]
                + [
                    Tally(campaign=campaign, division_id=division, confirmed=count)
                    for division, count in sorted(counts.items())
                ],
                batch_size=1000,
            )
        analyse(Signature, SignatureDivision)


def analyse(*models) -> None:
    """ANALYZE tables just filled (PostgreSQL), as autovacuum would have done
    long before a real surge: until then the planner knows nothing of their
    size, and a plan it makes then, such as each web connection's cached
    foreign-key check into the divisions, is kept for the connection's life."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


FIRST_NAMES = [
    "Jane",
    "Amir",
    "Li",
    "Sofia",
    "Kwame",
    "Maria",
    "Olu",
    "Chen",
    "Aisha",
    "Lukas",
    "Priya",
    "Mateo",
    "Fatima",
    "Noah",
    "Emma",
    "Hiroshi",
    "Zanele",
    "Diego",
    "Ingrid",
    "Tariq",
    "Ana",
    "Kofi",
    "Mei",
    "Ivan",
    "Leila",
    "José",
    "Ayesha",
    "Tom",
    "Yara",
    "Sven",
]
LAST_NAMES = [
    "Doe",
    "Khan",
    "Wang",
    "Rossi",
    "Mensah",
    "Garcia",
    "Adeyemi",
    "Liu",
    "Bello",
    "Müller",
    "Patel",
    "López",
    "Haddad",
    "Smith",
    "Jones",
    "Tanaka",
    "Dlamini",
    "Santos",
    "Berg",
    "Aziz",
    "Silva",
    "Owusu",
    "Zhang",
    "Petrov",
    "Farah",
    "Ortiz",
    "Qureshi",
    "Brown",
    "Nasser",
    "Lind",
    "O'Neil",
]
# A mix like a real list's: big providers, small ones, universities, employers.
DOMAINS = [
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "posteo.de",
    "hotmail.com",
    "aol.com",
    "gmx.net",
    "fastmail.com",
    "mit.edu",
    "example.org",
    "riseup.net",
    "comcast.net",
    "verizon.net",
]


if __name__ == "__main__":
    Command().run_from_argv([sys.argv[0], "loader", *sys.argv[1:]])
