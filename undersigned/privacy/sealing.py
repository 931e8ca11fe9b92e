"""Authenticated encryption of personal values (AES-256-GCM).

Each value is bound to where it lives: the table, the column and the row id
are the associated data, so a ciphertext copied to another row or column
fails to open instead of silently showing someone else's name.

Layout of a sealed value: b"U1" | key-id length (1 byte) | key id | nonce (12) |
ciphertext and tag.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import key_ring

MAGIC = b"U1"


class SealError(Exception):
    """A sealed value could not be opened: wrong place, wrong key or tampered."""


def _aad(table: str, column: str, row_id: object) -> bytes:
    return f"{table}\x1f{column}\x1f{row_id}".encode()


def seal(plaintext: str, *, table: str, column: str, row_id: object) -> bytes:
    ring = key_ring()
    kid = ring.current.encode()
    nonce = os.urandom(12)
    body = AESGCM(ring.keys[ring.current]).encrypt(
        nonce, plaintext.encode(), _aad(table, column, row_id)
    )
    return MAGIC + bytes([len(kid)]) + kid + nonce + body


def key_id_of(blob: bytes) -> str:
    if len(blob) < 3 or blob[:2] != MAGIC:
        raise SealError("not a sealed value")
    return blob[3 : 3 + blob[2]].decode("ascii", "replace")


def unseal(blob: bytes, *, table: str, column: str, row_id: object) -> str:
    kid = key_id_of(blob)
    start = 3 + blob[2]
    nonce, body = blob[start : start + 12], blob[start + 12 :]
    key = key_ring().keys.get(kid)
    if key is None:
        raise SealError(f"{table}.{column} of row {row_id} is sealed with unknown key {kid!r}")
    try:
        return AESGCM(key).decrypt(nonce, body, _aad(table, column, row_id)).decode()
    except InvalidTag as error:
        raise SealError(f"{table}.{column} of row {row_id} failed authentication") from error
