from __future__ import annotations

from django.db import models
from django.db.models import Q

from undersigned.ids import time_ordered_uuid
from undersigned.outgoing.models import OutgoingWork, State


class Email(OutgoingWork):
    """One e-mail we owe somebody: a row of outgoing work (undersigned/outgoing/).

    The row holds no personal data: the worker renders the message from the
    rows it points at when it sends, so the address and the text exist only
    in the sealed signature and, briefly, in the worker's memory. `network`
    and `domain` are short keyed digests (privacy.keys' pepper) of the
    signer's network, as the abuse checks reduce it, and of the recipient's
    domain: what the caps count (caps.py), and nothing anyone can read back
    without the key.
    """

    class Kind(models.TextChoices):
        CONFIRM = "confirm", "Please confirm"
        ALREADY_SIGNED = "already_signed", "You have already signed"
        DELIVERED = "delivered", "Your letter was delivered"
        # Signed from a remembered device: counted at once, so this carries the
        # private link that a confirmation e-mail would have.
        RECEIPT = "receipt", "Your signature is counted"
        # An update from the campaign's organisers (the updates app).
        UPDATE = "update", "Update from the organisers"

    # The four states of all outgoing work, as Email.State.
    State = State

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.CASCADE, related_name="emails"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    network = models.BinaryField(max_length=8, null=True, blank=True, editable=False)
    domain = models.BinaryField(max_length=8, null=True, blank=True, editable=False)
    # For a kind about a row of an app above the outbox, that row's id (an
    # update to supporters: the update's). The outbox never reads it; the
    # constraint below makes it one e-mail per signature and row, whatever
    # queues it twice.
    about = models.UUIDField(null=True, blank=True, editable=False)

    class Meta(OutgoingWork.Meta):
        ordering = ["-created_at"]
        indexes = [
            *OutgoingWork.Meta.indexes,
            # What the caps count: claims in the last hour, overall and per key.
            *(
                models.Index(
                    fields=[*key, "claimed_at"],
                    condition=Q(claimed_at__isnull=False),
                    name="_".join(["email", *key, "claimed"]),
                )
                for key in ([], ["network"], ["domain"])
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["about", "signature"],
                condition=Q(about__isnull=False),
                name="email_once_per_signature_about",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.state})"

    @property
    def message_id(self) -> str:
        """Stable across retries, so a re-sent message is recognisably the same one."""
        return f"<{self.id}@undersigned>"
