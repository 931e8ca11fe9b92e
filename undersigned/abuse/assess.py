"""Decide, at signing time, whether a signature goes to the review queue.

Nothing here rejects anyone: a suspect signature is quarantined silently. The
signer sees the normal flow and gets the normal e-mail; the signature never
counts until staff release it. That way an attacker learns nothing from the
answers, and a real person caught by a rule loses nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.utils import timezone

from undersigned.signatures.models import Signature

from .models import ListRule
from .networks import client_ip, network_digest, network_of
from .timing import form_age

_rules_cache: tuple[float, list[ListRule]] = (0.0, [])
RULES_TTL = 10.0


def current_rules() -> list[ListRule]:
    """Staff rules, re-read at most every ten seconds per process."""
    global _rules_cache
    loaded_at, rules = _rules_cache
    if time.monotonic() - loaded_at > RULES_TTL:
        rules = list(ListRule.objects.all())
        _rules_cache = (time.monotonic(), rules)
    return rules


def forget_cached_rules() -> None:
    global _rules_cache
    _rules_cache = (0.0, [])


@dataclass
class Assessment:
    network_digest: bytes | None
    reasons: list[str] = field(default_factory=list)

    @property
    def quarantine(self) -> bool:
        return bool(self.reasons)


def assess(request, campaign, *, email: str, form_token: str | None, honeypot: str) -> Assessment:
    address = client_ip(request)
    digest = network_digest(network_of(address))
    result = Assessment(network_digest=digest)
    if honeypot:
        result.reasons.append("honeypot filled")
    age = form_age(form_token)
    if age is None:
        result.reasons.append("no valid form token")
    elif age < settings.SIGN_MIN_SECONDS:
        result.reasons.append("submitted too fast")
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    rules = current_rules()
    matching = [
        rule
        for rule in rules
        if (rule.kind == ListRule.Kind.EMAIL_DOMAIN and rule.matches_domain(domain))
        or (rule.kind == ListRule.Kind.NETWORK and address is not None and rule.matches_ip(address))
    ]
    if any(rule.verdict == ListRule.Verdict.ALLOW for rule in matching):
        return result
    if any(rule.verdict == ListRule.Verdict.BLOCK for rule in matching):
        result.reasons.append("block list")
    if domain in DISPOSABLE_DOMAINS:
        result.reasons.append("disposable e-mail domain")
    if campaign.rate_limit_per_hour and digest is not None:
        recent = Signature.objects.filter(
            campaign=campaign,
            network_digest=digest,
            created_at__gte=timezone.now() - timedelta(hours=1),
        )[: campaign.rate_limit_per_hour].count()
        if recent >= campaign.rate_limit_per_hour:
            result.reasons.append("network rate limit")
    return result
