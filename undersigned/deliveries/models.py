"""Deliveries: the letter, with the signers it carries, on its way.

When a tally (undersigned/counting/) reaches its next multiple of a
campaign's batch size (campaigns.DeliveryRule), milestones.py creates a
Delivery for that milestone while the tally processor holds the tally's row
lock; a unique constraint on (campaign, division, milestone) makes the
database, not Python, the guarantee that a milestone is delivered once. The
signers a delivery carries are DeliverySigner rows, unique per (campaign,
division, signature), so no two deliveries to one area share a signer.
Each (delivery, recipient, channel) is a DeliveryAttempt the worker sends.
"""

# The en dash in 'Signers 101–200' is the one we print.
# ruff: noqa: RUF001, RUF002, RUF003
from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.ids import time_ordered_uuid
from undersigned.outgoing.models import OutgoingWork
from undersigned.privacy.fields import SealedField

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def new_public_id() -> str:
    return secrets.token_hex(12)


class Delivery(models.Model):
    """One letter, with the signers it carries, on its way to its recipients."""

    class Kind(models.TextChoices):
        MILESTONE = "milestone", _("Milestone")
        GOAL = "goal", _("Goal reached")
        ON_DEMAND = "on_demand", _("Delivered on demand")
        FINAL = "final", _("Campaign closed")

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    public_id = models.CharField(max_length=24, unique=True, default=new_public_id, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="deliveries"
    )
    # NULL: a national delivery, to the campaign's fixed targets.
    division = models.ForeignKey(
        "areas.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    milestone = models.PositiveIntegerField(default=0)
    letter_version = models.ForeignKey(
        "campaigns.LetterVersion", on_delete=models.PROTECT, related_name="+"
    )
    # The running number of the first signer carried, in this area (or overall).
    first_number = models.PositiveIntegerField()
    signer_count = models.PositiveIntegerField()
    include_emails = models.BooleanField(default=False)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # The rendered letter, as sent: it holds names, so it is sealed.
    pdf = SealedField(help_text="base64 of the PDF")
    csv = SealedField()
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    csv_sha256 = models.CharField(max_length=64, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    # Set once, when no attempt is left to make; the moment signers are told.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "division", "milestone"],
                condition=Q(kind="milestone", division__isnull=False),
                name="one_delivery_per_area_milestone",
            ),
            models.UniqueConstraint(
                fields=["campaign", "milestone"],
                condition=Q(kind="milestone", division__isnull=True),
                name="one_delivery_per_national_milestone",
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(kind="goal"), name="one_goal_delivery"
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(kind="final"), name="one_final_delivery"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "division"], name="delivery_area")]

    def __str__(self) -> str:
        return f"{self.campaign.slug}: {self.label}"

    def get_absolute_url(self) -> str:
        return reverse("receipt", args=[self.public_id])

    @property
    def last_number(self) -> int:
        return self.first_number + self.signer_count - 1

    @property
    def area_name(self) -> str:
        return area_label(self.division) if self.division_id else ""

    @property
    def label(self) -> str:
        """'Signers 101–200 from Somerville, MA' (an en dash, as printed)."""
        numbers = (
            _("Signer %(first)s") % {"first": intcomma(self.first_number)}
            if self.signer_count == 1
            else _("Signers %(first)s–%(last)s")
            % {"first": intcomma(self.first_number), "last": intcomma(self.last_number)}
        )
        if not self.division_id:
            return numbers
        return _("%(numbers)s from %(area)s") % {"numbers": numbers, "area": self.area_name}

    @property
    def occasion(self) -> str:
        if self.kind == self.Kind.MILESTONE:
            return _("milestone %(number)s") % {"number": self.milestone}
        return str(OCCASIONS[self.kind])


# How a delivery's occasion reads in a sentence: "(goal reached)".
OCCASIONS: dict[str, StrOrPromise] = {
    Delivery.Kind.GOAL: _("goal reached"),
    Delivery.Kind.ON_DEMAND: _("delivered on demand"),
    Delivery.Kind.FINAL: _("campaign closed"),
}


def area_label(division) -> str:
    """A division's name with its first-level area: 'Somerville, MA'.

    The first level below the country (a US state, a Canadian province) is
    taken from the Open Civic Data id, so no query is needed.
    """
    segments = division.ocd_id.split("/")[2:]
    if len(segments) < 2:
        return division.public_name
    code = segments[0].split(":", 1)[-1].upper()
    return f"{division.public_name}, {code}"


class DeliverySigner(models.Model):
    """A signer carried by a delivery. Never shared by two deliveries to one area."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="signers")
    # `delivered_in` is what signatures.rights.was_delivered() looks for.
    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.PROTECT, related_name="delivered_in"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    division = models.ForeignKey(
        "areas.Division",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["delivery", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "division", "signature"],
                condition=Q(division__isnull=False),
                name="signer_delivered_once_per_area",
            ),
            models.UniqueConstraint(
                fields=["campaign", "signature"],
                condition=Q(division__isnull=True),
                name="signer_delivered_once_nationally",
            ),
            models.UniqueConstraint(fields=["delivery", "position"], name="one_signer_per_line"),
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.position}"


class DeliveryAttempt(OutgoingWork):
    """One recipient of a delivery, on one channel, and how sending it went.

    An e-mail attempt is a row of outgoing work (undersigned/outgoing/): the
    worker's sender claims, sends, retries and gives up on it as on every
    other kind. A postal one waits for staff to post it.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        POSTAL = "postal", _("Post")

    class State(models.TextChoices):
        # The four states of all outgoing work (outgoing.models.State), and one more.
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        AWAITING_MAILING = "awaiting_mailing", "Awaiting mailing"

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    # "official:<id>" or "target:<id>": one attempt per recipient and channel.
    recipient_key = models.CharField(max_length=50)
    official = models.ForeignKey(
        "areas.Official", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target = models.ForeignKey(
        "campaigns.Target", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # As addressed when the attempt was made (officials' public contact details).
    name = models.CharField(max_length=200)
    office = models.CharField(max_length=400, blank=True)
    address = models.TextField(blank=True, help_text="E-mail address or postal address.")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    mailed_by = models.CharField(max_length=150, blank=True)

    class Meta(OutgoingWork.Meta):
        ordering = ["delivery", "office", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["delivery", "recipient_key", "channel"], name="one_attempt_per_recipient"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_channel_display()}, {self.get_state_display()})"

    @property
    def message_id(self) -> str:
        """Stable across retries and crashes: a re-sent letter is recognisably the same."""
        return f"<delivery-{self.id}@undersigned>"
