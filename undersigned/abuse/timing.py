"""A signed timestamp in the form: bots that post at once, or without the page, stand out."""

from __future__ import annotations

import time

from django.core import signing

SALT = "undersigned.abuse.form"
MAX_AGE = 60 * 60 * 24


def issue_form_token(issued_at: float | None = None) -> str:
    return signing.dumps(round(issued_at or time.time(), 2), salt=SALT)


def form_age(token: str | None) -> float | None:
    """Seconds since the form was rendered; None if the token is missing or forged."""
    if not token or len(token) > 200:
        return None
    try:
        issued = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(issued, int | float):
        return None
    return time.time() - issued
