from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from undersigned.campaigns.models import Campaign, LetterVersion, Partner
from undersigned.ids import time_ordered_uuid
from undersigned.privacy.fields import SealedField


class SignatureQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(status=Signature.Status.CONFIRMED)


class Signature(models.Model):
    """One person's signature on one campaign.

    Personal fields are sealed (encrypted, bound to this row); the e-mail is
    found only through its keyed digest. The postal code stays readable: it
    places the signer in areas and is never shown with a name.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        INVALIDATED = "invalidated", _("Invalidated")
        # Over a rate limit or otherwise suspect: the signer saw the normal
        # flow, but the signature never counts until staff release it.
        QUARANTINED = "quarantined", _("Quarantined")

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="signatures")
    # The letter as the signer read it, in their language (LetterVersion.language).
    letter_version = models.ForeignKey(LetterVersion, on_delete=models.PROTECT, related_name="+")
    # The language the signer used: their e-mails are written in it.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    email_digest = models.BinaryField(max_length=32)

    email = SealedField()
    first_name = SealedField()
    last_name = SealedField()
    street_address = SealedField()
    phone = SealedField()
    comment = SealedField()
    postal_code = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)

    remember_device = models.BooleanField(default=False)
    # Ticked by the signer: first name, last initial and city on the campaign's
    # page for their area (undersigned/participation/). Never ticked for them.
    listed = models.BooleanField("listed on the area page", default=False)
    emails_queued = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Personal data erased (by the signer or by retention); the row remains
    # only as an anonymous tally.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Bumped to revoke every self-service link sent so far.
    link_version = models.PositiveIntegerField(default=1)
    # Keyed hash of the signer's network (IPv4 /24, IPv6 /64), for rate
    # limits and burst review; purged after 30 days.
    network_digest = models.BinaryField(max_length=32, null=True, blank=True)
    # While quarantined: the status the signature will have if staff release
    # it (pending, or confirmed once the signer has confirmed).
    held_status = models.CharField(max_length=12, blank=True)
    # Why the signature was quarantined, for staff review (no personal data).
    quarantine_reason = models.CharField(max_length=100, blank=True)
    # Signals an honest person can trip (a fast form, a busy network, a
    # disposable-looking domain), recorded for staff: the signer passed a
    # check (`check_passed`) and the signature counts like any other.
    signals = models.CharField(max_length=100, blank=True)
    check_passed = models.CharField(
        max_length=4, blank=True, choices=[("pow", "proof of work"), ("wait", "waited")]
    )
    # One byte of a keyed hash of the signer's network, salted per campaign
    # (abuse/networks.py): kept when the network digest is purged, so that an
    # area's public number counts signers from distinct networks
    # (participation/, docs/privacy.md). 256 values: it names no network.
    network_origin = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Erased rows carry an empty digest and no longer belong to anyone.
            models.UniqueConstraint(
                fields=["campaign", "email_digest"],
                condition=models.Q(erased_at__isnull=True),
                name="one_signature_per_person",
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "status"], name="signature_campaign_status"),
            models.Index(
                fields=["campaign", "network_digest", "created_at"], name="signature_network_rate"
            ),
        ]

    def __str__(self) -> str:
        return f"signature {self.id}"

    @property
    def apparent_status(self) -> str:
        """The status the signer is shown. Quarantine is never revealed to them."""
        return self.held_status if self.status == self.Status.QUARANTINED else self.status

    def get_apparent_status_display(self) -> str:
        return self.Status(self.apparent_status).label

    @property
    def awaiting_confirmation(self) -> bool:
        return self.apparent_status == self.Status.PENDING

    @property
    def display_name(self) -> str:
        """First name and last initial: how a signer is shown anywhere public."""
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}".strip() or str(_("A supporter"))

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class Consent(models.Model):
    """A consent a signer gave, with the exact words they saw."""

    class Kind(models.TextChoices):
        ORGANISER = "organiser", "Hear from the organiser"
        PARTNER = "partner", "Hear from a partner"
        # Told once, when the letter carrying the signer's name is delivered.
        DELIVERY = "delivery", "Hear when the letter is delivered"
        # The comment goes with the signer's name in the delivered letter's
        # list (as the EFF's action centre does); without it, only staff read it.
        COMMENT = "comment", "Comment shown in the delivered letter"

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=64)
    given_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.given_at:%Y-%m-%d})"


class Device(models.Model):
    """A browser a confirmed supporter asked us to remember.

    The cookie holds a random token; this row holds only its SHA-256 and the
    supporter's saved details, sealed like a signature's.
    """

    SAVED_FIELDS = ("first_name", "last_name", "email", "postal_code", "street_address", "phone")

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    token_digest = models.BinaryField(max_length=32, unique=True)
    email_digest = models.BinaryField(max_length=32)
    email = SealedField()
    first_name = SealedField()
    last_name = SealedField()
    street_address = SealedField()
    phone = SealedField()
    postal_code = models.CharField(max_length=16, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"device {self.id}"

    @property
    def display_name(self) -> str:
        initial = f" {self.last_name[:1]}." if self.last_name else ""
        return f"{self.first_name}{initial}".strip() or str(_("you"))
