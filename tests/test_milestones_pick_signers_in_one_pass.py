"""Picking a milestone's signers reads the area's signers and the ones already
delivered once each, whatever PostgreSQL's statistics say.

During a surge on a new campaign the statistics describe an area with few
delivered signers while hundreds have been delivered since. Written as NOT
EXISTS, the query then ran as a nested-loop anti-join (every signer compared
with every delivered one: tally batches of 5 to 13 s at 10,000 signers); as
NOT IN it is one hashed subplan (docs/performance.md).
"""

from __future__ import annotations

import pytest
from django.db import connection

from undersigned.counting.actions import process_all_count_events
from undersigned.deliveries.milestones import available_signers
from undersigned.deliveries.models import DeliverySigner

from .conftest import needs_postgres
from .delivery_helpers import bulk_confirmed, local_campaign, places

pytestmark = [pytest.mark.django_db, *needs_postgres("its planner is the subject")]


def plan(query) -> str:
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_stale_statistics_do_not_make_the_milestone_query_compare_every_pair():
    somerville, _ = places()
    campaign = local_campaign()
    bulk_confirmed(campaign, somerville, 50)
    process_all_count_events()
    with connection.cursor() as cursor:  # statistics of a young area
        cursor.execute("ANALYZE signatures_signature, areas_signaturedivision")
        cursor.execute("ANALYZE deliveries_deliverysigner")
    bulk_confirmed(campaign, somerville, 950, start=50)
    process_all_count_events()
    delivered = DeliverySigner.objects.filter(division=somerville).count()
    assert delivered == 1000  # ten milestones, made after the statistics

    query = available_signers(campaign.pk, somerville.pk)[:100]
    explained = plan(query)
    assert "hashed SubPlan" in explained, explained
    assert "Anti Join" not in explained, explained
    assert list(query) == []  # and still the right answer: nobody left
