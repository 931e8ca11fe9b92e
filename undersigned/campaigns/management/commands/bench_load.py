"""`undersigned bench_load`: the benchmark's data, loaded fast (see bench/ and
docs/performance.md). Never run it on a database with real campaigns: it
refuses to.

    undersigned bench_load --campaign bench-surge --manifest areas.json
    undersigned bench_load --campaign bench-scale --signatures 1000000

Areas (made-up places, each with its postal codes) are created once per
database: 50 states, one place per ten postal codes, every code linked to its
place and state, and one code in a hundred lying in two places (the signer
chooses). Place 0 is the hot area. Each place has a mayor with an e-mail
address on example.org, so milestone deliveries have someone to go to (the
benchmark's SMTP server on loopback).

A campaign is created through save_campaign, with a rule addressing each
signer's place. `--deliveries` adds the delivery rules (every 100 signers in a
place; every 1,000 nationally). With `--signatures N` it then gets N confirmed
signatures, written with COPY (PostgreSQL) or multi-row INSERTs (SQLite):
each personal value sealed like any other (AES-256-GCM bound to its row, see
undersigned/privacy/sealing.py), each e-mail a keyed digest, each signature
placed in its state and place, and the tallies set to the exact counts. It
writes no consent or e-mail history: the rows serve reading at scale.
"""

from __future__ import annotations

import datetime
import json
import random
import time
import uuid
from collections import Counter

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from undersigned.areas.models import (
    ContactPoint,
    Division,
    Official,
    PostalCodeDivision,
    SignatureDivision,
    TargetRule,
)
from undersigned.campaigns.actions import save_campaign
from undersigned.campaigns.models import Campaign, FieldMode, Partner, Target
from undersigned.deliveries.models import DeliveryRule, Tally
from undersigned.ids import time_ordered_uuid
from undersigned.privacy.identity import email_digest
from undersigned.privacy.sealing import seal
from undersigned.signatures.models import Signature

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
                "This database has real campaigns: bench_load writes only to a database of its own."
            )
        started = time.monotonic()
        place_count = max(2, postal_codes // CODES_PER_PLACE)
        ids = self.areas(postal_codes, place_count)
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
        signatures = Table(Signature)
        placements = Table(SignatureDivision, skip={"id"})
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
        binding = {"table": signatures.name}
        # One signer in five asks to be listed on their area's page, where the
        # application has that choice.
        listing = "listed" in signatures.names
        # One transaction per batch: on SQLite a single one would hold the
        # write lock for the whole load, and the running worker gives up
        # waiting for it after the busy timeout.
        for start in range(0, total, BATCH):
            signature_rows, placement_rows = [], []
            for number in range(start, min(total, start + BATCH)):
                if rng.random() < HOT_SHARE:
                    index = rng.randrange(CODES_PER_PLACE)
                else:
                    # Skewed like real campaigns: a few places have most signers.
                    index = int(postal_codes * rng.random() ** 2)
                code, place, state, how = placed[index]
                pk = time_ordered_uuid()
                created = now - datetime.timedelta(seconds=rng.randrange(30 * 86400))
                first = FIRST_NAMES[number % len(FIRST_NAMES)]
                last = LAST_NAMES[number % 997 % len(LAST_NAMES)]
                email = f"{first.lower()}.{last.lower()}.{number}@{DOMAINS[number % 15]}"
                extra = {"listed": number % 5 == 0} if listing else {}
                signature_rows.append(
                    signatures.row(
                        **extra,
                        id=pk,
                        campaign_id=campaign.pk,
                        letter_version_id=letter.pk,
                        status=Signature.Status.CONFIRMED,
                        email_digest=email_digest(email),
                        email=seal(email, column="email", row_id=pk, **binding),
                        first_name=seal(first, column="first_name", row_id=pk, **binding),
                        last_name=seal(last, column="last_name", row_id=pk, **binding),
                        postal_code=code,
                        country="US",
                        created_at=created,
                        confirmed_at=created + datetime.timedelta(minutes=5),
                    )
                )
                placement_rows.append(placements.row(signature_id=pk, division_id=place, how=how))
                placement_rows.append(
                    placements.row(signature_id=pk, division_id=state, how="lookup")
                )
                counts[place] += 1
                counts[state] += 1
            with transaction.atomic():
                signatures.write(signature_rows)
                placements.write(placement_rows)
        with transaction.atomic():
            Tally.objects.bulk_create(
                [Tally(campaign=campaign, division=None, confirmed=total)]
                + [
                    Tally(campaign=campaign, division_id=division, confirmed=count)
                    for division, count in sorted(counts.items())
                ],
                batch_size=1000,
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {signatures.name}")
                cursor.execute(f"ANALYZE {placements.name}")


class Table:
    """Rows into one table, as fast as the database takes them: COPY on
    PostgreSQL, multi-row INSERTs on SQLite.

    Columns the caller does not give get the field's default, prepared once
    (so a column added by a later migration needs no change here).
    """

    def __init__(self, model, skip=()):
        self.name = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields if f.attname not in skip]
        self.names = [field.attname for field in fields]
        now = timezone.now()
        self.defaults = {}
        for field in fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default = now
            elif field.has_default() and callable(field.default):
                default = None  # ids: the caller gives them
            else:
                default = field.get_default()  # '' for text columns, as the ORM does
            self.defaults[field.attname] = field.get_db_prep_save(default, connection)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        self.marks = ", ".join("%s" for _ in fields)

    def row(self, **values) -> tuple:
        defaults = self.defaults
        return tuple(values[name] if name in values else defaults[name] for name in self.names)

    def write(self, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {self.name} ({self.columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            # Table and column names come from the models, never from input.
            sql = f"INSERT INTO {self.name} ({self.columns}) VALUES ({self.marks})"  # noqa: S608
            cursor.executemany(sql, [tuple(_sqlite(value) for value in row) for row in rows])


def _sqlite(value):
    """What Django's SQLite backend would store for these types."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(" ")
    return value


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
