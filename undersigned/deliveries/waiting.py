"""Letters that wait for lawmakers.

A milestone in an area with no official yet is still created (the signers
count there, and the milestone is theirs), but its dispatch finds nobody to
send to: it keeps no attempt and never completes. Once officials are
imported for the area (any officials importer, the admin, or
`undersigned place_waiting`), `dispatch_waiting()` looks its recipients up
again and sends it, once: attempts are unique per recipient and channel,
and dispatching is safe to run twice.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from undersigned.areas.lookup import officials_for

from .models import Delivery, DeliveryAttempt
from .sending import redispatch


def waiting_for_officials():
    """Area deliveries dispatched to nobody: no attempt, not completed."""
    attempts = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"))
    return Delivery.objects.filter(
        division__isnull=False, dispatched_at__isnull=False, completed_at__isnull=True
    ).filter(~Exists(attempts))


def dispatch_waiting() -> int:
    """Send the letters that waited for officials who are now on file; how many."""
    sent = 0
    for delivery in waiting_for_officials().select_related("campaign", "division"):
        if officials_for(delivery.campaign, [delivery.division]):
            redispatch(delivery)
            sent += 1
    return sent


def on_areas_changed(sender: Any, *, report: Any, **kwargs: Any) -> int:
    """areas.signals.areas_changed: officials changed, so letters may go now."""
    if not report.officials_changed:
        return 0
    sent = dispatch_waiting()
    if sent:
        report.count("letters waiting for officials", "sent", n=sent)
    return sent
