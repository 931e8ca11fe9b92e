"""Exact counts without a hot row.

Confirming a signature writes one CountEvent (+1) in its own transaction and
touches no shared row, so thousands of signers in one area can confirm at once
without queueing on a counter. The tally processor (actions.py) folds the
events into Tally rows, one per (campaign, division) and one per campaign
(division NULL), and deletes them, in one transaction.

The tables keep the names they had when these models lived in the deliveries
app (migrations/0001_initial.py moved them without touching a row).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class CountEvent(models.Model):
    """A signature entering (+1) or leaving (-1) the confirmed count.

    Append-only: written in the same transaction as the status change, folded
    into tallies and deleted by the processor. Until then, counts shown on
    pages add the pending deltas (see counts.confirmed_counts).

    Without a division, the event counts in the campaign's total and in
    every division the signature is placed in when the processor folds it.
    With a division, it counts in that division only: a counted signature
    placed in one more area (its postal code was linked later, its signer
    settled an ambiguous code, or changed it) or taken out of one
    (signatures/placing.py).
    """

    id = models.BigAutoField(primary_key=True)
    # The campaign is copied from the signature so that campaign totals need no join.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    division = models.ForeignKey(
        "areas.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    delta = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "deliveries_countevent"
        indexes = [models.Index(fields=["campaign", "delta"], name="countevent_campaign")]
        constraints = [
            models.CheckConstraint(condition=Q(delta__in=[-1, 1]), name="countevent_delta_is_one")
        ]

    def __str__(self) -> str:
        return f"{self.delta:+d} for {self.signature_id}"


class Tally(models.Model):
    """Confirmed signatures of a campaign in one division, or in all (division NULL)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="tallies"
    )
    division = models.ForeignKey(
        "areas.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed = models.IntegerField(default=0)
    # Milestones (multiples of the batch size) delivered so far: they stay
    # delivered when signers withdraw, and the next one is the next multiple.
    milestones_created = models.PositiveIntegerField(default=0)
    # Signers carried by deliveries so far (numbers the next one: 'signers 201-300').
    signers_delivered = models.PositiveIntegerField(default=0)
    goal_delivered = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "deliveries_tally"
        verbose_name_plural = "tallies"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "division"],
                condition=Q(division__isnull=False),
                name="one_tally_per_division",
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(division__isnull=True), name="one_campaign_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.division_id or 'total'}: {self.confirmed}"
