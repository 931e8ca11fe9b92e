"""How partners' tools reach the platform: API keys, the sites allowed to
embed a campaign's form, and webhooks (endpoints and the events they hear of).

Each key acts for one organisation: the one running this installation (no
partner) or one partner organisation. What it may do is its scopes; what it
may see of supporters is bounded by their consents to that organisation.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from undersigned.campaigns.models import Campaign, Partner
from undersigned.ids import time_ordered_uuid
from undersigned.outgoing.models import OutgoingWork
from undersigned.privacy.fields import SealedField


class OwnedByPartner:
    """A key or an endpoint: the organisation's own, or one partner's."""

    partner: Partner | None

    @property
    def owner_name(self) -> str:
        return self.partner.name if self.partner else str(_("The organisation"))


class ApiKey(OwnedByPartner, models.Model):
    """A bearer key for the API (header `OSDI-API-Token`).

    Only the SHA-256 of the key is stored: it is shown once, when made. The
    key is 256 random bits, so a plain hash is as good as a slow one here and
    costs a single indexed look-up per request.
    """

    label = models.CharField(_("label"), max_length=100)
    # None: the organisation that runs this installation.
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("partner organisation"),
    )
    digest = models.BinaryField(max_length=32, unique=True)
    # The key's first characters, so that people can tell their keys apart.
    prefix = models.CharField(max_length=12)

    read_campaigns = models.BooleanField(_("read campaigns and counts"), default=True)
    read_supporters = models.BooleanField(
        _("read the supporters who consented to this organisation"), default=False
    )
    record_signatures = models.BooleanField(_("record signatures"), default=False)
    vouch_confirmed = models.BooleanField(
        _("trusted to vouch for confirmed addresses"),
        default=False,
        help_text=_(
            "Signatures it records count at once, without our confirmation e-mail. Only for "
            "a tool that has itself confirmed each address; every such signature is audited."
        ),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The rate limit: requests counted in the minute that began at window_start.
    window_start = models.DateTimeField(null=True, blank=True)
    window_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["revoked_at", "-created_at"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @property
    def actor(self) -> str:
        """How the audit log names what this key did."""
        return f"api-key:{self.pk}"

    @property
    def scopes(self) -> list[str]:
        return [name for name, granted in SCOPES.items() if getattr(self, granted)]


# The scopes by the names docs/api.md uses, and the fields holding them.
SCOPES = {
    "campaigns:read": "read_campaigns",
    "supporters:read": "read_supporters",
    "signatures:record": "record_signatures",
    "signatures:vouch": "vouch_confirmed",
}


class EmbedOrigin(models.Model):
    """A site allowed to show a campaign's form and badge in a frame
    (the embed pages' Content-Security-Policy `frame-ancestors`)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="embed_origins")
    # scheme://host[:port], normalised (lower case, no default port, no path).
    origin = models.CharField(max_length=200)

    class Meta:
        ordering = ["campaign", "origin"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "origin"], name="one_embed_origin")
        ]

    def __str__(self) -> str:
        return self.origin


class EventKind(models.TextChoices):
    SIGNATURE_CONFIRMED = "signature.confirmed", _("A signature is confirmed")
    SIGNATURE_WITHDRAWN = "signature.withdrawn", _("A signature is withdrawn")
    SIGNATURE_ERASED = "signature.erased", _("A signer erased their data")
    MILESTONE_REACHED = "milestone.reached", _("A milestone is reached")
    DELIVERY_SENT = "delivery.sent", _("A letter is delivered")


def every_event() -> list[str]:
    return list(EventKind.values)


class WebhookEndpoint(OwnedByPartner, models.Model):
    """Where an organisation's (or a partner's) tool wants to hear of events.

    The secret signs every body (sending.py); sealed at rest like personal
    data, shown to organisers once, when made or replaced.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    label = models.CharField(_("label"), max_length=100)
    # None: the organisation that runs this installation.
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="webhook_endpoints",
        verbose_name=_("partner organisation"),
    )
    url = models.CharField(_("address"), max_length=500)
    secret = SealedField()
    events = models.JSONField(default=every_event)
    enabled = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_why = models.CharField(max_length=200, blank=True)
    # The current run of failed tries, to turn off an endpoint that keeps failing.
    failures_in_a_row = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-enabled", "-created_at"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return f"{self.label} ({self.url})"


class WebhookEvent(models.Model):
    """Something that happened, once, whatever number of endpoints hear of it.

    Its id is the `webhook-id` every delivery of it carries, so a receiver
    recognises a repeat. It holds ids and counts, never personal data: a
    signature's details are read when each delivery is sent, and only for an
    endpoint whose organisation the signer still consents to.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    # Not a foreign key: the event outlives the row's personal data and
    # names the signature by id alone.
    signature_id = models.UUIDField(null=True, blank=True, db_index=True)
    delivery = models.ForeignKey(
        "deliveries.Delivery", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"


class WebhookDelivery(OutgoingWork):
    """One event owed to one endpoint: a row of outgoing work (docs/outgoing.md),
    claimed, sent, retried and given up by the one mechanism that sends
    everything. Made in the transaction of the change the event tells of, so
    an event that happened is never lost; sent at least once, each try with
    the event's id as `webhook-id`, so a receiver keeps it once."""

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )

    class Meta(OutgoingWork.Meta):
        ordering = ["-queued_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="one_delivery_per_endpoint")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} to {self.endpoint_id}"

    # Set by sending.py on a try the receiver accepted, for the try log it
    # writes once "sent" is recorded.
    answered: WebhookTry | None = None


class WebhookTry(models.Model):
    """One try of a delivery, for the endpoint's log in the workspace: when,
    what came of it (a status, or the kind of failure: never the receiver's
    text) and how long it took."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="tries")
    at = models.DateTimeField()
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=200)
    took_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S}: {self.outcome}"
