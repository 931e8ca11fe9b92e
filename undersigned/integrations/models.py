"""How partners' tools reach the platform: API keys and the sites allowed to
embed a campaign's form. (Webhooks join them here.)

Each key acts for one organisation: the one running this installation (no
partner) or one partner organisation. What it may do is its scopes; what it
may see of supporters is bounded by their consents to that organisation.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from undersigned.campaigns.models import Campaign, Partner


class ApiKey(models.Model):
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
    def owner_name(self) -> str:
        return self.partner.name if self.partner else str(_("The organisation"))

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
