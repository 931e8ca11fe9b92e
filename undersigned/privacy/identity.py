"""Identifiers derived from personal data: normalised e-mail and its keyed digest.

The digest is how the platform recognises an address (duplicates, self-service
look-ups) without keeping a searchable plain copy: HMAC-SHA256 with a pepper
that lives with the keys, outside the database.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from undersigned.addresses import ascii_domain

from .keys import key_ring

# Providers where dots in the local part are ignored on delivery.
DOT_BLIND_DOMAINS = {"gmail.com", "googlemail.com"}


def normalise_email(address: str) -> str:
    """The form under which two spellings of one mailbox compare equal.

    Case is folded, a `+tag` is dropped (almost every provider delivers
    `jane+x@` to `jane@`), Gmail's dots are removed, and the domain takes
    the ASCII form mail is delivered to, by IDNA 2008 (undersigned/addresses.py):
    fullwidth letters or invisible characters do not make a new key, and
    `faß.de` stays apart from `fass.de`. This is only a duplicate key; mail
    still goes to the address as the signer typed it.
    """
    local, _, domain = address.strip().rpartition("@")
    domain = domain.rstrip(".")
    # Not a valid domain name: then the lower-cased text is key enough.
    domain = (ascii_domain(domain) or domain).lower()
    local = local.lower()
    local = local.split("+", 1)[0] or local
    if domain == "googlemail.com":
        domain = "gmail.com"
    if domain in DOT_BLIND_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def email_digest(address: str) -> bytes:
    return hmac.digest(key_ring().pepper, normalise_email(address).encode(), hashlib.sha256)


def new_token() -> tuple[str, bytes]:
    """A random bearer token and the digest stored in its place."""
    token = secrets.token_urlsafe(32)
    return token, token_digest(token)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
