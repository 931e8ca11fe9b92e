"""Which small areas may be published, and which may list names, when some
of their signers could be one person's throwaway addresses.

The threshold protects a few real signers only if the count is of real,
separate people. Nine addresses from one laptop, confirmed in one evening,
made a village of one real signer publish "10" and list her name. So an
area below the floor (FLOOR_TIMES the threshold) counts towards the
threshold its *independent* signers:

- signers from one network count once: each signature keeps fifteen bits
  of a keyed hash of its network, salted per campaign (`network_origin`,
  kept after the network digest itself is purged);
- the busiest day counts once: all the distinct networks of the area's
  busiest UTC day count as one more.

An area is published when it reaches the threshold that way, or when it
has twice the threshold in distinct networks whatever the days (a town where
everyone signed on the day the campaign launched). It lists names only in
the first case: names never appear in an area that crossed with a burst.
Signatures with no origin (bulk-loaded, or older than this rule) count as
separate people on no particular day, as before. Above the floor the number
is published as it is. docs/privacy.md, "Public counts", gives the reasons
and what is left.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC

from undersigned.areas.models import SignatureDivision
from undersigned.signatures.models import Signature

FLOOR_TIMES = 5


@dataclass(frozen=True)
class Independence:
    """An area's signers as the threshold counts them."""

    networks: int  # distinct network origins among its confirmed signers
    busiest_day: int  # distinct network origins on its busiest day

    def spread(self) -> int:
        """Distinct networks, the busiest day counting as one."""
        return self.networks - self.busiest_day + (1 if self.busiest_day else 0)

    def published(self, threshold: int) -> bool:
        return self.spread() >= threshold or self.networks >= 2 * threshold

    def named(self, threshold: int) -> bool:
        return self.spread() >= threshold


def floor(threshold: int) -> int:
    return FLOOR_TIMES * threshold


def independence(campaign, division_ids: list[int]) -> dict[int, Independence]:
    """For these areas of the campaign, their confirmed signers' independence.
    One query; the areas are below the floor, so it reads fewer than floor()
    rows per area."""
    if not division_ids:
        return {}
    rows = (
        SignatureDivision.objects.filter(
            division_id__in=division_ids,
            signature__campaign=campaign,
            signature__status=Signature.Status.CONFIRMED,
        )
        .values_list(
            "division_id", "signature_id", "signature__network_origin", "signature__created_at"
        )
        .order_by()
    )
    networks: dict[int, set] = defaultdict(set)
    by_day: dict[int, dict] = defaultdict(lambda: defaultdict(set))
    for division_id, signature_id, origin, signed_at in rows:
        if origin is None:
            networks[division_id].add(("signature", signature_id))
            continue
        networks[division_id].add(origin)
        by_day[division_id][signed_at.astimezone(UTC).date()].add(origin)
    return {
        division_id: Independence(
            len(networks[division_id]),
            max((len(day) for day in by_day[division_id].values()), default=0),
        )
        for division_id in division_ids
    }
