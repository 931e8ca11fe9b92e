"""The check a signer passes when their sign-up trips a signal that a real
person can trip (a fast form, a busy network, a disposable-looking domain),
and every signer of a campaign with `proof_of_work` on.

Two ways to pass, both on the same page:

- with JavaScript, the browser solves a proof of work (challenge.py), whose
  difficulty follows the campaign's current sign rate: a few seconds of a
  phone's time at rest, up to POW_MAX_FACTOR times that in a surge, so that
  a script pays for every signature it sends;
- without it, the person waits a few seconds and presses Sign again: the
  form's token carries the moment from which sending it passes
  (timing.py). A network may pass this way WAIT_PASSES_PER_HOUR times an
  hour per campaign; beyond that the page names the time it frees up.
  A person can always pass; a script gets no more than that per network.

A passed check is recorded on the signature with the signals (for staff),
and the signature counts like any other.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from undersigned.memo import Expiring
from undersigned.signatures.models import Signature

from . import challenge
from .timing import FormToken, issue_form_token

POW = "pow"
WAIT = "wait"
# How far back the sign rate is measured for the proof of work's difficulty.
RATE_WINDOW = timedelta(minutes=10)
RATE_TTL = 10.0
_rates: Expiring[float] = Expiring(RATE_TTL, max_entries=1_000)


def sign_rate(campaign) -> float:
    """Sign-ups a minute over the last ten minutes, read at most every ten
    seconds per process. Held ones are left out: sign-ups we refused to
    count must not make the puzzle harder for the people we do count."""

    def read() -> float:
        ceiling = math.ceil(
            settings.POW_SURGE_PER_MINUTE * settings.POW_MAX_FACTOR * RATE_WINDOW.seconds / 60
        )
        since = timezone.now() - RATE_WINDOW
        recent = Signature.objects.filter(campaign=campaign, created_at__gte=since).exclude(
            status=Signature.Status.QUARANTINED
        )
        return recent[:ceiling].count() / (RATE_WINDOW.seconds / 60)

    return _rates.get(campaign.pk, read)


def factor(campaign) -> float:
    """How many times harder than at rest: 1 up to POW_SURGE_PER_MINUTE
    sign-ups a minute, then in proportion, up to POW_MAX_FACTOR."""
    surge = settings.POW_SURGE_PER_MINUTE
    rate = sign_rate(campaign)
    return min(float(settings.POW_MAX_FACTOR), max(1.0, rate / surge)) if surge else 1.0


def difficulty(campaign) -> int:
    """The proof of work's `maxnumber`: a browser tries half of it on average."""
    return round(settings.POW_MAX_NUMBER * factor(campaign))


def wait_passes(campaign, network_digest: bytes | None):
    since = timezone.now() - timedelta(hours=1)
    return Signature.objects.filter(
        campaign=campaign, network_digest=network_digest, check_passed=WAIT, created_at__gte=since
    )


def seconds_until_room(campaign, network_digest: bytes | None) -> float:
    """0 if this network may pass by waiting now; else how long until it may."""
    budget = settings.WAIT_PASSES_PER_HOUR
    if network_digest is None or not budget:
        return 0.0
    passes = wait_passes(campaign, network_digest)
    if passes[:budget].count() < budget:
        return 0.0
    oldest = passes.aggregate(oldest=Min("created_at"))["oldest"]
    return max(0.0, (oldest + timedelta(hours=1) - timezone.now()).total_seconds())


def scope_of(campaign) -> str:
    """What a campaign's puzzles are issued for: they pass on it alone."""
    return f"c{campaign.pk}"


def passed(campaign, token: FormToken, pow_solution: str | None, network_digest) -> str:
    """Which check this submission passed: POW, WAIT, or "" for none.

    A proof of work is spent here (challenge.verify_and_spend); a wait is
    spent with the form token that carries it, by the signature it brings."""
    if pow_solution and challenge.verify_and_spend(pow_solution, scope_of(campaign)):
        return POW
    if token.waited and seconds_until_room(campaign, network_digest) == 0:
        return WAIT
    return ""


@dataclass(frozen=True)
class Check:
    """What the check page carries: the puzzle, the form token, and how long
    a person without JavaScript waits before pressing Sign again."""

    puzzle: dict
    token: str
    wait: int

    @property
    def minutes(self) -> int:
        """A wait of two minutes or more, in whole minutes (rounded up), for
        the page to say; 0 for a shorter one, said in seconds."""
        return math.ceil(self.wait / 60) if self.wait >= 120 else 0


def issue(campaign, network_digest: bytes | None, token: FormToken, signals: list[str]) -> Check:
    """A check for this submission, asked by these signals. A person who
    pressed Sign before their wait was over keeps the token they have, and
    with it their place."""
    base = settings.SIGN_CHECK_WAIT_SECONDS
    wait = max(base, seconds_until_room(campaign, network_digest))
    puzzle = challenge.issue(difficulty(campaign), scope_of(campaign))
    if token.not_before is not None and token.raw and token.carried:
        left = token.not_before - time.time()
        if left > 0 and wait <= base:
            # Whole seconds, less the token's rounding (a hundredth).
            return Check(puzzle, token.raw, max(1, math.ceil(left - 0.02)))
    return Check(puzzle, issue_form_token(wait=wait, carry=tuple(signals)), math.ceil(wait))


def page_check(campaign) -> Check | None:
    """On a campaign with `proof_of_work` on, the sign form carries a check
    from the start: the puzzle, and a token that passes once a person has
    taken the wait to fill in the form (most do without noticing)."""
    if not campaign.proof_of_work:
        return None
    wait = settings.SIGN_CHECK_WAIT_SECONDS
    puzzle = challenge.issue(difficulty(campaign), scope_of(campaign))
    return Check(puzzle, issue_form_token(wait=wait), math.ceil(wait))
