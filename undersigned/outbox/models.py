from __future__ import annotations

from django.db import models

from undersigned.ids import time_ordered_uuid


class Email(models.Model):
    """One e-mail we owe somebody.

    The row holds no personal data: the worker renders the message from the
    rows it points at when it sends, so the address and the text exist only
    in the sealed signature and, briefly, in the worker's memory.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Please confirm"
        ALREADY_SIGNED = "already_signed", "You have already signed"
        DELIVERED = "delivered", "Your letter was delivered"
        # Signed from a remembered device: counted at once, so this carries the
        # private link that a confirmation e-mail would have.
        RECEIPT = "receipt", "Your signature is counted"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.CASCADE, related_name="emails"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="email_status_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"

    @property
    def message_id(self) -> str:
        """Stable across retries, so a re-sent message is recognisably the same one."""
        return f"<{self.id}@undersigned>"
