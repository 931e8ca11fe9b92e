"""The trigger that marks a new placement as listed reads its one signature
by primary key, whatever the planner knows of the table.

With the listing conditions in its WHERE clause (`listed`, `status`,
`erased_at IS NULL`), the partial unique index on (campaign, e-mail digest),
whose predicate is `erased_at IS NULL`, was a plan the planner could take,
and did in a benchmark surge on a new database: each web connection's cached
plan read every signature of the campaign for each placement, 1.6 to 8.6
million index tuples every five seconds and growing with the surge (sign
152/s; 216/s once gone; docs/performance.md). The conditions are now tested
on the row found by its key, where no partial index can apply. And a plan
cached while the table was nearly empty can be a scan of the whole table:
the PostgreSQL pass of the suite, through PgBouncer, whose server
connections had run the trigger in earlier tests, read all 301 signatures of
this test's campaign for one placement that way. So the look-up is planned
afresh for each placement (EXECUTE), with the table as it is then.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from undersigned.areas.models import SignatureDivision
from undersigned.participation.apps import keep_listing_triggers

from .area_pages import bulk_signers
from .conftest import needs_postgres

pytestmark = [pytest.mark.django_db, *needs_postgres("the trigger is plpgsql")]


# The function as an earlier version installed it.
EARLIER = """
    CREATE OR REPLACE FUNCTION listing_on_placement() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.listed_campaign_id := (
            SELECT s.campaign_id FROM signatures_signature s
            WHERE s.id = NEW.signature_id
            AND s.listed AND s.status = 'confirmed' AND s.erased_at IS NULL
        );
        RETURN NEW;
    END
    $$
"""


def lookup() -> tuple[bool, list[str]]:
    """Whether the installed trigger plans its look-up afresh (EXECUTE), and
    the look-up's WHERE clause, word by word."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'listing_on_placement'")
        [(source,)] = cursor.fetchall()
    source = re.sub(r"--[^\n]*", "", source)  # its comments
    where = re.search(r"\bWHERE\b(.*?)(?:'|\)\s*;)", source, re.S | re.I)
    assert where is not None, source
    return "EXECUTE" in source, where.group(1).split()


BY_KEY_AFRESH = (True, ["s.id", "=", "$1"])


def test_the_trigger_finds_the_signature_by_its_key_alone_planned_afresh():
    assert lookup() == BY_KEY_AFRESH


def test_the_signature_trigger_plans_its_update_of_the_placements_afresh_too():
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'listing_on_signature'")
        [(source,)] = cursor.fetchall()
    source = re.sub(r"--[^\n]*", "", source)
    assert re.search(r"\bEXECUTE\s+'UPDATE areas_signaturedivision\b", source), source


def test_a_database_made_by_an_earlier_version_gets_the_new_trigger_at_its_next_migrate():
    with connection.cursor() as cursor:
        cursor.execute(EARLIER)
    assert lookup() != BY_KEY_AFRESH
    keep_listing_triggers(using=connection.alias)  # what every migrate runs at its end
    assert lookup() == BY_KEY_AFRESH


def test_a_placement_of_a_listed_signer_is_marked_and_reads_one_signature(letter, areas):
    place = [areas["somerville"], areas["ma"]]
    bulk_signers(letter, place, 300)
    [listed] = bulk_signers(letter, place, 1, start=5000, listed=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT idx_tup_fetch + seq_tup_read FROM pg_stat_xact_user_tables"
            " WHERE relname = 'signatures_signature'"
        )
        [(before,)] = cursor.fetchall()
        SignatureDivision.objects.filter(signature=listed, division=areas["ma"]).delete()
        SignatureDivision.objects.create(signature=listed, division=areas["ma"], how="lookup")
        cursor.execute(
            "SELECT idx_tup_fetch + seq_tup_read FROM pg_stat_xact_user_tables"
            " WHERE relname = 'signatures_signature'"
        )
        [(after,)] = cursor.fetchall()
    placement = SignatureDivision.objects.get(signature=listed, division=areas["ma"])
    assert placement.listed_campaign_id == letter.pk
    # The trigger's look-up and the foreign key's check: a row each, not 301.
    assert after - before <= 3
