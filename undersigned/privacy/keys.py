"""Key material for personal data, kept outside the database.

The key ring is JSON, read from the UNDERSIGNED_KEYS environment variable or
from the file named by UNDERSIGNED_KEY_FILE (the demo writes var/keys.json):

    {"current": "k2",
     "keys": {"k1": "<base64 32 bytes>", "k2": "<base64 32 bytes>"},
     "pepper": "<base64 32 bytes>"}

`keys` are AES-256-GCM keys by id; new values are sealed with `current`, and
older ids stay readable until `undersigned keys rotate` has re-sealed them.
`pepper` keys the HMAC that turns e-mail addresses into look-up digests; it
never rotates silently, because every stored digest depends on it.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from undersigned.memo import FOREVER, Expiring


@dataclass(frozen=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]
    pepper: bytes


def generate_key_ring_json() -> str:
    """A fresh key ring, for the demo and for `undersigned keys new`."""
    return json.dumps(
        {
            "current": "k1",
            "keys": {"k1": base64.b64encode(secrets.token_bytes(32)).decode()},
            "pepper": base64.b64encode(secrets.token_bytes(32)).decode(),
        },
        indent=2,
    )


def demo_key_file() -> Path:
    return Path(settings.VAR_DIR) / "keys.json"


def _read_raw() -> str:
    if settings.UNDERSIGNED_KEYS:
        return settings.UNDERSIGNED_KEYS
    path = Path(settings.UNDERSIGNED_KEY_FILE) if settings.UNDERSIGNED_KEY_FILE else None
    if path is None and settings.DEMO:
        path = demo_key_file()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(generate_key_ring_json())
    if path is None:
        raise ImproperlyConfigured(
            "Personal data keys are missing: set UNDERSIGNED_KEYS or UNDERSIGNED_KEY_FILE "
            "(create one with `undersigned keys new`)."
        )
    try:
        return path.read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"Cannot read the key file {path}: {error}") from error


def parse_key_ring(raw: str) -> KeyRing:
    try:
        data = json.loads(raw)
        keys = {str(kid): base64.b64decode(value) for kid, value in data["keys"].items()}
        pepper = base64.b64decode(data["pepper"])
        current = str(data["current"])
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ImproperlyConfigured(f"The personal data key ring is malformed: {error}") from error
    if current not in keys:
        raise ImproperlyConfigured("The key ring's `current` names no key in `keys`.")
    for kid, key in keys.items():
        if len(key) != 32:
            raise ImproperlyConfigured(f"Key {kid!r} must be 32 bytes (base64-encoded).")
        if not kid.isascii() or not 0 < len(kid) < 16:
            raise ImproperlyConfigured(f"Key id {kid!r} must be 1-15 ASCII characters.")
    if len(pepper) < 32:
        raise ImproperlyConfigured("The pepper must be at least 32 bytes (base64-encoded).")
    return KeyRing(current=current, keys=keys, pepper=pepper)


# Read once per process (memo.forget_all() makes the next use read it again).
_ring: Expiring[KeyRing] = Expiring(FOREVER, max_entries=1)


def key_ring() -> KeyRing:
    return _ring.get("ring", lambda: parse_key_ring(_read_raw()))
