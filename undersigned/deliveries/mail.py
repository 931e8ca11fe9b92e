"""What the 'your letter was delivered' e-mail to a signer says."""

from __future__ import annotations

from typing import Any

from undersigned.outbox.models import Email
from undersigned.signatures.mail import signer_context

from .rendering import delivered_context


def delivered_email_context(email: Email) -> dict[str, Any]:
    return {**signer_context(email), **delivered_context(email.signature)}
