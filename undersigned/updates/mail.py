"""What an update's e-mail to one supporter says (the outbox renders and sends it)."""

from __future__ import annotations

from typing import Any

from undersigned.outbox.models import Email
from undersigned.signatures.rights import manage_url, unsubscribe_url

from .actions import message_context
from .models import Update


def update_context(email: Email) -> dict[str, Any]:
    """The update, greeting the supporter by name (updates go to confirmed
    signers only), with their own private link and their one-click
    unsubscribe, which withdraws their consent to hear from the organisers."""
    assert email.about is not None, "an update's e-mail names its update"
    update = Update.objects.select_related("campaign").get(pk=email.about)
    signature = email.signature
    context = message_context(
        update,
        first_name=str(signature.first_name or ""),
        manage_url=manage_url(signature),
        unsubscribe_url=unsubscribe_url(signature),
    )
    return {**context, "subject": update.subject, "to_name": signature.full_name}
