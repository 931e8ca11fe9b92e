from __future__ import annotations

from django.db import models

GENESIS = "0" * 64


class AuditEntry(models.Model):
    """One line of the append-only audit log of staff actions on personal data.

    Each entry's hash covers its own content and the previous entry's hash,
    so editing or deleting any row breaks every hash after it
    (`undersigned audit verify` finds where). `prev_hash` is unique: two
    entries appended at once from the same head cannot both commit.
    """

    class Action(models.TextChoices):
        EXPORT = "export", "Export"
        RELEASE = "release", "Release from quarantine"
        QUARANTINE = "quarantine", "Quarantine"
        INVALIDATE = "invalidate", "Invalidate"
        ERASE = "erase", "Erase personal data"
        PURGE = "purge", "Retention purge"
        KEY_ROTATION = "key_rotation", "Key rotation"
        # The organisers' workspace (undersigned/organise/).
        CAMPAIGN_EDIT = "campaign_edit", "Campaign edited"
        LAUNCH = "launch", "Campaign launched or scheduled"
        OPEN = "open", "Campaign opened"
        CLOSE = "close", "Campaign closed"
        ACCOUNT = "account", "Workspace account created"
        # Partners' tools (undersigned/integrations/, docs/api.md).
        API_KEY = "api_key", "API key made or revoked"
        API_READ = "api_read", "Supporters read through the API"
        API_VOUCH = "api_vouch", "Signature vouched for through the API"
        WEBHOOK = "webhook", "Webhook endpoint changed"
        # The campaign dashboard (organise/dashboard.py) and supporter updates.
        RETRY = "retry", "Sending tried again"
        MAILED = "mailed", "Letters marked as mailed"
        PLACE = "place", "Waiting signatures placed"
        UPDATE = "update", "Update to supporters sent"

    at = models.DateTimeField()
    actor = models.CharField(max_length=150, help_text="Staff username, or 'system'.")
    action = models.CharField(max_length=20, choices=Action.choices)
    # Counts, ids and names of things: never personal data.
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit log"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The audit log is append-only.")
