"""Decide, at signing time, whether a signature goes to the review queue.

Nothing here rejects anyone: a suspect signature is quarantined silently. The
signer sees the normal flow and gets the normal e-mail; the signature never
counts until staff release it. That way an attacker learns nothing from the
answers, and a real person caught by a rule loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.utils import timezone

from undersigned.memo import Expiring
from undersigned.signatures.models import Signature

from .models import ListRule
from .networks import client_ip, network_digest, network_of
from .timing import form_age

RULES_TTL = 10.0
_rules: Expiring[list[ListRule]] = Expiring(RULES_TTL, max_entries=1)


def current_rules() -> list[ListRule]:
    """Staff rules, re-read at most every ten seconds per process."""
    return _rules.get("rules", lambda: list(ListRule.objects.all()))


def forget_cached_rules() -> None:
    _rules.clear()


@dataclass
class Assessment:
    network_digest: bytes | None
    reasons: list[str] = field(default_factory=list)

    @property
    def quarantine(self) -> bool:
        return bool(self.reasons)


def assess(
    request,
    campaign,
    *,
    email: str,
    form_token: str | None = None,
    honeypot: str = "",
    relayed: bool = False,
) -> Assessment:
    """The checks a signature passes before it is recorded.

    `relayed`: sent by a partner's tool with an API key (docs/api.md), not
    by the signer's browser. No form was shown, so neither its render time
    nor its honeypot says anything; the request comes from the partner's
    server, so its network is not the signer's (no digest is kept, and the
    key's own rate limit stands in for the network's). The staff lists and
    the disposable domains apply as to everyone.
    """
    address = client_ip(request)
    digest = None if relayed else network_digest(network_of(address))
    result = Assessment(network_digest=digest)
    if not relayed:
        _check_form(result, form_token, honeypot)
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


def _check_form(result: Assessment, form_token: str | None, honeypot: str) -> None:
    if honeypot:
        result.reasons.append("honeypot filled")
    age = form_age(form_token)
    if age is None:
        result.reasons.append("no valid form token")
    elif age < settings.SIGN_MIN_SECONDS:
        result.reasons.append("submitted too fast")
