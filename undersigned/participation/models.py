"""Finding other participants: local groups, and the public numbers of each area.

Public numbers are published, not read live. Once an hour at most, a
campaign's Publication is refreshed: its area tallies at or above the
campaign's small-area threshold are copied into PublishedTally rows, and its
confirmed signatures per day into `by_day`. Area pages, the overview, the map
and the JSON API read only these rows, so a count seen on the site moves at
most once an hour, and an area below the threshold has no public number at
all. See docs/privacy.md, "Public counts", for why.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class LocalGroup(models.Model):
    """A partner's group in one area, and how people there can reach it.

    A network co-sponsoring a campaign (say, of local digital-rights groups)
    has a group in many areas; a local organisation has one. The area pages
    of the campaigns the partner co-sponsors show the groups of that area.
    """

    partner = models.ForeignKey(
        "campaigns.Partner", on_delete=models.CASCADE, related_name="local_groups"
    )
    division = models.ForeignKey(
        "areas.Division", on_delete=models.PROTECT, related_name="+", verbose_name="area"
    )
    name = models.CharField(
        max_length=200, blank=True, help_text="Leave empty to show the partner's name."
    )
    email = models.EmailField("public e-mail address", blank=True)
    url = models.URLField("web page", blank=True)
    meets = models.CharField(
        "when and where they meet",
        max_length=300,
        blank=True,
        help_text="Public information only, e.g. 'First Tuesday of the month, main library'.",
    )

    class Meta:
        ordering = ["division__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "division", "name"], name="one_local_group_per_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.division})"

    @property
    def display_name(self) -> str:
        return self.name or self.partner.name

    def clean(self) -> None:
        if not (self.email or self.url or self.meets):
            raise ValidationError(
                "Say how people can reach the group: e-mail, web page or when they meet."
            )


class Publication(models.Model):
    """A campaign's public numbers, as of one moment (see the module docstring)."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    as_of = models.DateTimeField()
    # The small-area threshold these numbers were published with; a campaign
    # whose organiser changes it is published again at once.
    threshold = models.PositiveSmallIntegerField()
    # [["2026-11-03", 12], ...]: signatures confirmed each day (UTC) up to as_of,
    # counting only those still confirmed then.
    by_day = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.campaign_id} as of {self.as_of:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(n for _day, n in self.by_day)

    def days(self) -> list[tuple[datetime.date, int]]:
        return [(datetime.date.fromisoformat(day), n) for day, n in self.by_day]


class PublishedTallyQuerySet(models.QuerySet):
    def of(self, campaign):
        return self.filter(campaign=campaign).select_related("division")

    def within(self, division):
        """Areas inside this one, by their Open Civic Data ids ('…/state:ma/place:x')."""
        return self.filter(division__ocd_id__startswith=division.ocd_id + "/")

    def by_size(self):
        return self.order_by("-confirmed", "division__name", "division_id")


class PublishedTally(models.Model):
    """One area's public count, copied from its Tally when the campaign was
    published. Only areas at or above the threshold have a row."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    division = models.ForeignKey("areas.Division", on_delete=models.PROTECT, related_name="+")
    confirmed = models.PositiveIntegerField()
    # Deliveries made for the area at the time, to show the next milestone.
    milestones = models.PositiveIntegerField(default=0)
    # Whether its page may list signers' names: not where the area crossed
    # the threshold with a burst (independence.py).
    named = models.BooleanField(default=True)
    # Where the area's dot goes on the US map (a city or town: the mean of its
    # ZIP codes' centres, projected); NULL when it has no dot.
    map_x = models.FloatField(null=True, blank=True)
    map_y = models.FloatField(null=True, blank=True)

    objects = PublishedTallyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "division"], name="one_public_tally"),
            models.CheckConstraint(
                condition=Q(map_x__isnull=True, map_y__isnull=True)
                | Q(map_x__isnull=False, map_y__isnull=False),
                name="public_tally_map_point_whole",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "-confirmed"], name="public_tally_by_size"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.division_id}: {self.confirmed}"
