"""A self-hosted proof-of-work challenge: the check a browser passes when a
sign-up trips a signal (checks.py), and for every signer of a campaign with
`proof_of_work` on.

The server picks a secret number n below `maxnumber` and publishes
SHA-256(salt + n) with an HMAC of it; the signer's browser tries numbers
until the hash matches (static/undersigned/pow.js, about a second on a
phone) and sends the number back. Checking costs one hash. The salt carries
an expiry and the scope it was issued for (a campaign: a quiet campaign's
easy puzzle does not pass on one in a surge, checks.py), and a solved
challenge is written to SpentChallenge, whose unique key refuses the same
solution twice. The salt cannot be changed: the challenge is its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import SpentChallenge

HMAC_SALT = "undersigned.abuse.challenge"
LIFETIME = 20 * 60


def _sign(challenge: str) -> str:
    return salted_hmac(HMAC_SALT, challenge, algorithm="sha256").hexdigest()


def issue(maxnumber: int | None = None, scope: str = "") -> dict:
    """A new puzzle; `maxnumber` (its difficulty) from checks.difficulty(),
    `scope` what it may be spent on (letters and digits)."""
    maxnumber = maxnumber or settings.POW_MAX_NUMBER
    number = secrets.randbelow(maxnumber)
    salt = f"{scope}-{secrets.token_hex(12)}.{int(time.time()) + LIFETIME}"
    challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
    return {
        "algorithm": "SHA-256",
        "challenge": challenge,
        "salt": salt,
        "signature": _sign(challenge),
        "maxnumber": maxnumber,
    }


def solve(puzzle: dict) -> str:
    """The browser's work, in Python: for tests and for the benchmark's clients."""
    for number in range(puzzle["maxnumber"] + 1):
        if hashlib.sha256(f"{puzzle['salt']}{number}".encode()).hexdigest() == puzzle["challenge"]:
            payload = {**puzzle, "number": number}
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise ValueError("unsolvable")


def verify_and_spend(payload: str | None, scope: str = "") -> bool:
    """True once per genuine, unexpired, solved challenge issued for `scope`;
    False otherwise."""
    if not payload or len(payload) > 1000:
        return False
    try:
        data = json.loads(base64.b64decode(payload, validate=True))
        challenge, salt = str(data["challenge"]), str(data["salt"])
        number, signature = int(data["number"]), str(data["signature"])
        expires = int(salt.rsplit(".", 1)[1])
    except (ValueError, KeyError, TypeError, IndexError):
        return False
    if not constant_time_compare(_sign(challenge), signature) or expires < time.time():
        return False
    if salt.split("-", 1)[0] != scope:
        return False
    if hashlib.sha256(f"{salt}{number}".encode()).hexdigest() != challenge:
        return False
    try:
        with transaction.atomic():
            SpentChallenge.objects.create(
                challenge=challenge, expires_at=datetime.fromtimestamp(expires, tz=UTC)
            )
    except IntegrityError:
        return False
    return True
