"""Updates: what organisers write to the supporters who agreed to hear from them."""

from __future__ import annotations

from django.db import models

from undersigned.campaigns.markup import render_markdown
from undersigned.ids import time_ordered_uuid


class Update(models.Model):
    """One message from a campaign's organisers to its consenting supporters.

    Written as a draft, tested, then sent once: sending fixes its audience
    (queues one e-mail per recipient) and `sent_at`. It holds nothing
    personal: the words are the organisers', the recipients are read from the
    signatures when the e-mails are queued.
    """

    id = models.UUIDField(primary_key=True, default=time_ordered_uuid, editable=False)
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="updates"
    )
    subject = models.CharField(max_length=150)
    body = models.TextField(help_text="Markdown.")
    body_html = models.TextField(editable=False, default="")
    # Only the supporters placed in this area (none: every consenting supporter).
    area = models.ForeignKey(
        "areas.Division", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    written_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.CharField(max_length=150, blank=True)
    # E-mails queued when it was sent: one per recipient.
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
