"""An area page finds the signers who asked to be listed without reading
everyone who signed there: each placement carries whether its signer is
listed, kept by the database at the moment the signature changes
(undersigned/participation/listing.py), and a partial index serves the page.
So a large area where few opt in answers as fast as a small one, and a name
still leaves the page the moment its signer withdraws, unlists or is held."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from undersigned.abuse.actions import invalidate, quarantine, release
from undersigned.areas.models import SignatureDivision
from undersigned.participation import listing
from undersigned.participation.apps import keep_listing_triggers
from undersigned.participation.queries import LISTED_LIMIT, area_url, listed_participants
from undersigned.signatures import actions, rights
from undersigned.signatures.links import confirm_token
from undersigned.signatures.models import Signature

from .area_pages import bulk_signers, publish_now, signer

pytestmark = pytest.mark.django_db


def names_on(client, letter, area) -> list[str]:
    page = client.get(area_url(letter, area)).content.decode()
    if 'class="participants"' not in page:
        return []
    start = page.index('class="participants"')
    people = page[start : page.index("</ul>", start)]
    return [item.split("</li>")[0] for item in people.split("<li>")[1:]]


def plan_of(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            return "\n".join(row[-1] for row in cursor.fetchall())
        # Planned as at scale: with statistics, and without reading a table of
        # a few hundred rows whole (which is right for a table that small).
        cursor.execute("ANALYZE areas_signaturedivision")
        cursor.execute("ANALYZE signatures_signature")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_listed_signers_appear_however_many_in_the_area_did_not_ask(client, letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 250)  # the earliest signers: none asked
    listed = bulk_signers(letter, somerville, LISTED_LIMIT + 5, start=1000, listed=True)
    publish_now(letter)

    names = names_on(client, letter, areas["somerville"])

    # The earliest hundred of those who asked (signature ids are time-ordered),
    # sorted by name; then "and more".
    earliest = sorted(listed, key=lambda signature: signature.pk)[:LISTED_LIMIT]
    assert names == sorted((s.display_name for s in earliest), key=str.casefold)
    page = client.get(area_url(letter, areas["somerville"])).content.decode()
    assert "the page shows the first 100 who chose to be listed" in page


def test_the_listing_reads_only_listed_signers_placements(letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 300)
    bulk_signers(letter, somerville, 12, start=1000, listed=True)
    publication = publish_now(letter)

    with CaptureQueriesContext(connection) as captured:
        shown, more = listed_participants(letter, areas["ma"], publication.as_of)

    assert len(shown) == 12 and not more
    # The partial index over listed signers' placements (listing.py) finds
    # the 12, not a walk through the 312 who signed here.
    plan = plan_of(captured.captured_queries[0]["sql"])
    assert "placement_listed" in plan, plan


def test_a_listed_signer_held_for_review_disappears_at_once_and_returns_when_released(
    client, letter, areas
):
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 10)
    alice = signer(letter, somerville, 1, first="Alice", last="Listed", listed=True)
    publish_now(letter)
    assert names_on(client, letter, areas["somerville"]) == ["Alice L."]

    quarantine(Signature.objects.filter(pk=alice.pk), actor="staff")
    assert names_on(client, letter, areas["somerville"]) == []

    release(Signature.objects.filter(pk=alice.pk), actor="staff")
    assert names_on(client, letter, areas["somerville"]) == ["Alice L."]


def test_signers_written_as_confirmed_are_listed_like_any_other(client, letter, areas):
    # As a remembered supporter's signature, or the bulk loader's, is written:
    # confirmed and listed before its placements exist.
    bulk_signers(letter, [areas["somerville"]], 12, listed=True)
    publish_now(letter)

    assert len(names_on(client, letter, areas["somerville"])) == 12


def listed_in(signature: Signature) -> set:
    return set(
        SignatureDivision.objects.filter(signature=signature).values_list(
            "listed_campaign", flat=True
        )
    )


def test_each_placement_knows_whether_its_signer_is_listed_after_every_change(letter, areas):
    somerville = [areas["somerville"], areas["ma"]]
    listed = {letter.pk}

    alice = signer(letter, somerville, 1, listed=True, confirm=False)
    assert listed_in(alice) == {None}  # pending
    actions.confirm(alice.pk, confirm_token(alice.pk, alice.link_version))
    assert listed_in(alice) == listed
    rights.unlist(alice)
    assert listed_in(alice) == {None}

    bob = signer(letter, somerville, 2, listed=True)
    quarantine(Signature.objects.filter(pk=bob.pk), actor="staff")
    assert listed_in(bob) == {None}
    release(Signature.objects.filter(pk=bob.pk), actor="staff")
    assert listed_in(bob) == listed
    invalidate(Signature.objects.filter(pk=bob.pk), actor="staff")
    assert listed_in(bob) == {None}

    carol = signer(letter, somerville, 3, listed=True)
    rights.withdraw(carol)
    assert listed_in(carol) == {None}

    dan = signer(letter, somerville, 4, listed=True)
    assert listed_in(dan) == listed
    rights.erase(dan)
    assert listed_in(dan) == {None}

    assert listed_in(signer(letter, somerville, 5, listed=False)) == {None}
    (bulk,) = bulk_signers(letter, somerville, 1, listed=True)
    assert listed_in(bulk) == listed


def test_listing_triggers_a_migration_dropped_come_back_with_the_flags_put_right(
    client, letter, areas
):
    # On SQLite a migration that rebuilds the signature table drops its triggers.
    somerville = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, somerville, 10)
    alice = signer(letter, somerville, 1, first="Alice", last="Early", listed=True)
    listing.uninstall(connection)
    rights.withdraw(alice)
    signer(letter, somerville, 2, first="Bob", last="Late", listed=True)
    publish_now(letter)
    # Alice's flag is stale, but her status still keeps her off the page.
    assert names_on(client, letter, areas["somerville"]) == []

    keep_listing_triggers(using="default")

    assert listing.installed(connection) == set(listing.TRIGGERS)
    assert listed_in(alice) == {None}
    assert names_on(client, letter, areas["somerville"]) == ["Bob L."]
