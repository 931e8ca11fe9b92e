"""Reading the counts: exact at every moment, without COUNT(*) over signatures.

Public counts read the campaign total and add the deltas not yet processed,
in one statement (one snapshot), so they are exact at every moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

from .models import CountEvent, Tally


def confirmed_counts(campaign_ids: Iterable[int]) -> dict[int, int]:
    """Confirmed signatures per campaign id: the total plus the pending deltas.

    One statement, so on PostgreSQL the tally and the events are read from
    one snapshot: a processor committing in between cannot make a count skip.
    """
    ids = list(campaign_ids)
    if not ids:
        return {}
    # Plain SQL: every campaign page and count request runs this, and building
    # the same query through the ORM cost several times what running it did
    # (docs/performance.md).
    sql = COUNTS.format(
        tally=connection.ops.quote_name(Tally._meta.db_table),
        event=connection.ops.quote_name(CountEvent._meta.db_table),
        ids=", ".join(["%s"] * len(ids)),
    )
    counts = dict.fromkeys(ids, 0)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ids, *ids])
        counts.update((campaign_id, int(n or 0)) for campaign_id, n in cursor.fetchall())
    return counts


COUNTS = """
SELECT campaign_id, SUM(n) FROM (
    SELECT campaign_id, confirmed AS n FROM {tally}
     WHERE division_id IS NULL AND campaign_id IN ({ids})
    UNION ALL
    SELECT campaign_id, delta FROM {event}
     WHERE campaign_id IN ({ids}) AND division_id IS NULL
) parts GROUP BY campaign_id
"""


def confirmed_count(campaign: Any) -> int:
    """One campaign's confirmed signatures (anything with a `pk`)."""
    return confirmed_counts([campaign.pk]).get(campaign.pk, 0)
