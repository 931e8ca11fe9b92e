"""Decide, at signing time, what a sign-up's signals call for.

Two kinds of signal, treated differently, because an honest person must
never be lost silently:

- **Near-certain abuse** (`held`): a filled honeypot, a form token that is
  missing or not ours, a staff block rule. No person's browser does these.
  The signature is quarantined silently and nothing is sent: the sender
  sees the usual answer, and staff may release it from the review queue
  (which sends the confirmation then).
- **What a real person can trip** (`signals`): a form sent faster than
  people type (browser autofill), many signers from one network (a campus,
  an office, a carrier's shared addresses), an e-mail domain on the
  disposable list, a page left open for more than a day, a form sent a
  second time. The signer is asked to pass a check they can pass
  (checks.py) and then signs like anyone else; the signals are recorded on
  the signature for staff, never turned into a loss.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from django.conf import settings
from django.utils import timezone

from undersigned.memo import Expiring
from undersigned.plainsql import column, first_row, table, value
from undersigned.signatures.actions import Screening
from undersigned.signatures.models import Signature

from .models import ListRule
from .networks import client_ip, network_digest, network_of, network_origin
from .timing import FormToken, TokenState, read_form_token

RULES_TTL = 10.0
_rules: Expiring[list[ListRule]] = Expiring(RULES_TTL, max_entries=1)

HONEYPOT = "honeypot filled"
NO_TOKEN = "no valid form token"
BLOCKED = "block list"
FAST = "submitted too fast"
OLD_FORM = "form older than a day"
BUSY_NETWORK = "network rate limit"
DISPOSABLE = "disposable e-mail domain"
REUSED_FORM = "form already used"


# The signals a check page's token carries to the next submission.
CARRIED = {FAST, OLD_FORM, BUSY_NETWORK, DISPOSABLE, REUSED_FORM}


def current_rules() -> list[ListRule]:
    """Staff rules, re-read at most every ten seconds per process."""
    return _rules.get("rules", lambda: list(ListRule.objects.all()))


def forget_cached_rules() -> None:
    _rules.clear()


@dataclass
class Assessment:
    network_digest: bytes | None
    # None when relayed by a partner: its signers count as separate people
    # in small areas (participation/independence.py), not as one network.
    network_origin: int | None
    token: FormToken
    # Near-certain abuse: quarantine silently, send nothing.
    held: list[str] = field(default_factory=list)
    # What a real person can trip: ask for a check, record for staff.
    signals: list[str] = field(default_factory=list)

    def screening(self, check: str = "") -> Screening:
        return Screening(
            network_digest=self.network_digest,
            network_origin=self.network_origin,
            held=tuple(self.held),
            signals=tuple(self.signals),
            check=check,
        )


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
    if relayed:
        # No form, no honeypot, and the partner's server's network: only the
        # staff lists and the disposable domains speak (below).
        result = Assessment(None, None, FormToken(TokenState.FORGED))
    else:
        network = network_of(address)
        result = Assessment(
            network_digest(network),
            network_origin(campaign.pk, network),
            read_form_token(form_token),
        )
        _check_form(result, honeypot)
    digest = result.network_digest
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    matching = [
        rule
        for rule in current_rules()
        if (rule.kind == ListRule.Kind.EMAIL_DOMAIN and rule.matches_domain(domain))
        or (rule.kind == ListRule.Kind.NETWORK and address is not None and rule.matches_ip(address))
    ]
    if any(rule.verdict == ListRule.Verdict.ALLOW for rule in matching):
        return result
    if any(rule.verdict == ListRule.Verdict.BLOCK for rule in matching):
        result.held.append(BLOCKED)
    if domain in DISPOSABLE_DOMAINS:
        result.signals.append(DISPOSABLE)
    if network_is_busy(campaign, digest):
        result.signals.append(BUSY_NETWORK)
    result.signals = list(dict.fromkeys(result.signals))
    return result


def _check_form(result: Assessment, honeypot: str) -> None:
    token = result.token
    if honeypot:
        result.held.append(HONEYPOT)
    if token.state == TokenState.FORGED:
        result.held.append(NO_TOKEN)
    elif token.state == TokenState.EXPIRED:
        result.signals.append(OLD_FORM)
    elif token.carried:
        # Sent again from a check page: what asked for the check still
        # stands until it is passed, and is what staff see.
        result.signals += [signal for signal in token.carried if signal in CARRIED]
    elif token.age is not None and token.age < settings.SIGN_MIN_SECONDS:
        result.signals.append(FAST)


def network_is_busy(campaign, digest: bytes | None) -> bool:
    """The campaign's `rate_limit_per_hour` sign-ups from this network in the last hour.

    Counted by the database on every sign (a per-process count would let each
    web process take the limit again), in a statement written once: the ORM's
    building of this COUNT was a tenth of a sign's CPU (docs/performance.md).
    """
    limit = campaign.rate_limit_per_hour
    if not limit or digest is None:
        return False
    model = Signature
    # Names from the model, values as parameters; the LIMIT stops the count
    # at the limit (the index on campaign, network and time serves it).
    sql = (
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {table(model)}"  # noqa: S608
        f" WHERE {column(model, 'campaign')} = %s AND {column(model, 'network_digest')} = %s"
        f" AND {column(model, 'created_at')} >= %s LIMIT %s) recent"
    )
    since = timezone.now() - timedelta(hours=1)
    params = [
        value(model, "campaign", campaign.pk),
        value(model, "network_digest", digest),
        value(model, "created_at", since),
        limit,
    ]
    row = first_row(sql, params)
    return row is not None and row[0] >= limit
