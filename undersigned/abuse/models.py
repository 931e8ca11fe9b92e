from __future__ import annotations

import ipaddress
import re

from django.core.exceptions import ValidationError
from django.db import models

from undersigned.signatures.models import Signature

DOMAIN_PATTERN = re.compile(r"^(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}$")


class ListRule(models.Model):
    """A staff-edited block or allow rule for e-mail domains or networks.

    Blocked signatures are quarantined silently; allowed ones skip the
    disposable-domain and rate-limit checks (a union office behind one
    address, a partner's mailing domain).
    """

    class Kind(models.TextChoices):
        EMAIL_DOMAIN = "email_domain", "E-mail domain"
        NETWORK = "network", "Network"

    class Verdict(models.TextChoices):
        BLOCK = "block", "Block (quarantine)"
        ALLOW = "allow", "Allow"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    pattern = models.CharField(
        max_length=100,
        help_text="A domain (example.org, or *.example.org for every subdomain) or a network "
        "in CIDR form (192.0.2.0/24, 2001:db8::/48).",
    )
    verdict = models.CharField(max_length=5, choices=Verdict.choices, default=Verdict.BLOCK)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "pattern"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "pattern"], name="one_rule_per_pattern")
        ]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()}: {self.pattern}"

    def clean(self) -> None:
        self.pattern = self.pattern.strip().lower()
        if self.kind == self.Kind.EMAIL_DOMAIN and not DOMAIN_PATTERN.match(self.pattern):
            raise ValidationError({"pattern": "Enter a domain like example.org or *.example.org."})
        if self.kind == self.Kind.NETWORK:
            try:
                self.pattern = str(ipaddress.ip_network(self.pattern, strict=False))
            except ValueError:
                raise ValidationError(
                    {"pattern": "Enter a network like 192.0.2.0/24 or 2001:db8::/48."}
                ) from None

    def matches_domain(self, domain: str) -> bool:
        if self.pattern.startswith("*."):
            return domain.endswith(self.pattern[1:]) or domain == self.pattern[2:]
        return domain == self.pattern

    def matches_ip(self, ip) -> bool:
        try:
            return ip in ipaddress.ip_network(self.pattern, strict=False)
        except (ValueError, TypeError):
            return False


class SpentChallenge(models.Model):
    """A proof-of-work challenge already used; the unique key refuses replays."""

    challenge = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.challenge[:12]


class ReviewSignature(Signature):
    """Signatures as the review queue shows them (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = "signature to review"
        verbose_name_plural = "review queue"


class SpentFormToken(models.Model):
    """A sign form's token, spent by the signature it brought.

    The unique key settles a replay across processes: a second sign-up
    with the same page is recognised whichever process takes it. Rows go
    when the token could no longer be used anyway (`undersigned purge`).
    """

    key = models.BinaryField(max_length=32, unique=True)
    expires_at = models.DateTimeField(db_index=True)
    # Who spent it: the same person sending the form twice (a double click)
    # gets the same answer, anyone else a check.
    signature = models.ForeignKey(
        "signatures.Signature", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return bytes(self.key).hex()[:12]


class ReviewDigest(models.Model):
    """A digest of the review queue sent to staff (digest.py): one a day at most."""

    day = models.DateField(unique=True)
    sent_at = models.DateTimeField()
    waiting = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.day}: {self.waiting}"
