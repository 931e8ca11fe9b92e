"""Private links sent by e-mail. They carry an id and an HMAC, never personal data."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

CONFIRM_SALT = "undersigned.signatures.confirm"


def confirm_token(signature_id) -> str:
    return salted_hmac(CONFIRM_SALT, str(signature_id), algorithm="sha256").hexdigest()[:32]


def confirm_token_is_valid(signature_id, token: str) -> bool:
    return constant_time_compare(confirm_token(signature_id), token)


def confirm_url(signature) -> str:
    return absolute(reverse("confirm", args=[signature.id, confirm_token(signature.id)]))


def absolute(path: str) -> str:
    return settings.SITE_URL + path
