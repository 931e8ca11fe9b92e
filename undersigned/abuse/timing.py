"""The form token: a signed render time, a random nonce and, on a check page,
the moment from which waiting counts as a check passed.

Bots that post at once, or without the page, stand out; a token is spent by
the signature it brings (abuse.models.SpentFormToken), so one page cannot
carry a thousand sign-ups.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import Enum

from django.core import signing

SALT = "undersigned.abuse.form"
MAX_AGE = 60 * 60 * 24


class TokenState(Enum):
    GOOD = "good"
    # Genuine but older than MAX_AGE: a tab left open overnight.
    EXPIRED = "expired"
    # Missing, or not signed by us: nobody's browser sends that.
    FORGED = "forged"


@dataclass(frozen=True)
class FormToken:
    state: TokenState
    # The digest that spends it (None unless genuine).
    key: bytes | None = None
    # Seconds since the page was rendered.
    age: float | None = None
    # Set by a check page: the moment from which waiting counts as the check.
    not_before: float | None = None
    # The token as sent (only when genuine), to give it back on a check page.
    raw: str = ""
    # On a check page's token: the signals that asked for the check, so the
    # signature records them and the check stands until it is passed.
    carried: tuple[str, ...] = ()

    @property
    def waited(self) -> bool:
        # A twentieth of a second's grace: the times in a token are rounded.
        return self.not_before is not None and time.time() >= self.not_before - 0.05


def issue_form_token(
    issued_at: float | None = None, *, wait: float | None = None, carry: tuple[str, ...] = ()
) -> str:
    """A fresh token. `wait`: seconds after which sending the form passes the
    wait check (the check for browsers without JavaScript); `carry`: the
    signals that asked for it."""
    issued = round(time.time() if issued_at is None else issued_at, 2)
    payload: list = [issued, secrets.token_hex(8)]
    if wait is not None:
        payload += [round(issued + wait, 2), list(carry)]
    return signing.dumps(payload, salt=SALT)


def token_key(token: str) -> bytes:
    return hashlib.sha256(b"form-token\x1f" + token.encode()).digest()


def read_form_token(token: str | None) -> FormToken:
    if not token or len(token) > 500:
        return FormToken(TokenState.FORGED)
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired:
        return FormToken(TokenState.EXPIRED)
    except signing.BadSignature:
        return FormToken(TokenState.FORGED)
    # A bare number: a page rendered before tokens carried a nonce.
    if isinstance(payload, int | float):
        payload = [payload]
    if not isinstance(payload, list) or not payload:
        return FormToken(TokenState.FORGED)
    issued = payload[0]
    not_before = payload[2] if len(payload) > 2 else None
    carried = payload[3] if len(payload) > 3 else []
    if not isinstance(issued, int | float) or not isinstance(not_before, int | float | None):
        return FormToken(TokenState.FORGED)
    if not isinstance(carried, list) or not all(isinstance(v, str) for v in carried):
        return FormToken(TokenState.FORGED)
    age = time.time() - issued
    return FormToken(TokenState.GOOD, token_key(token), age, not_before, token, tuple(carried))
