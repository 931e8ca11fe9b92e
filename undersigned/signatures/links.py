"""Private links sent by e-mail. They carry an id and an HMAC, never personal data.

A confirmation link is signed for the signature's current `link_version`, with
the time the e-mail was written: it works for CONFIRM_LINK_DAYS, and "Revoke
this link" (or erasure), which bumps the version, ends it with the others.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

CONFIRM_SALT = "undersigned.signatures.confirm"
# As long as an unconfirmed signature is kept (docs/privacy.md): past that
# there is nothing left to confirm. An expired link offers a fresh one.
CONFIRM_LINK_DAYS = 14


class InvalidLink(Exception):
    """A confirmation link that is malformed, forged, revoked or points nowhere."""


class ExpiredLink(InvalidLink):
    """A genuine confirmation link, not revoked, but older than CONFIRM_LINK_DAYS."""


def _signer(signature_id) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"{CONFIRM_SALT}:{signature_id}", algorithm="sha256")


def confirm_token(signature_id, link_version: int) -> str:
    """A confirmation token for the signature's links as they stand (its link_version)."""
    return _signer(signature_id).sign(str(link_version))


def confirm_token_version(signature_id, token: str, *, any_age: bool = False) -> int:
    """The link version a genuine token was made for.

    Raises InvalidLink for a forged or mangled token and, unless `any_age`,
    ExpiredLink for one older than CONFIRM_LINK_DAYS.
    """
    max_age = None if any_age else timedelta(days=CONFIRM_LINK_DAYS)
    try:
        return int(_signer(signature_id).unsign(token, max_age=max_age))
    except signing.SignatureExpired as error:
        raise ExpiredLink from error
    except (signing.BadSignature, ValueError) as error:
        raise InvalidLink from error


def confirm_url(signature) -> str:
    token = confirm_token(signature.id, signature.link_version)
    return absolute(reverse("confirm", args=[signature.id, token]))


def absolute(path: str) -> str:
    return settings.SITE_URL + path
