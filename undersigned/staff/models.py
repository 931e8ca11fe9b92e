"""Who may do what in the organisers' workspace (undersigned/organise/).

Roles are Django groups holding the permissions below (roles.py makes them);
a partner organisation's users are also tied to their Partner row, which
scopes what they see to the campaigns it co-sponsors.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Workspace(models.Model):
    """Not a table: the workspace's permissions need a model to belong to."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("organise", "Build, launch and run the organisation's campaigns"),
            ("review", "Work the review queue"),
            ("see_partner_campaigns", "See the campaigns one's partner organisation co-sponsors"),
        ]

    def __str__(self) -> str:
        return "workspace"


class PartnerAccount(models.Model):
    """A workspace user who acts for a partner organisation."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_account"
    )
    partner = models.ForeignKey(
        "campaigns.Partner",
        on_delete=models.CASCADE,
        related_name="accounts",
        verbose_name=_("partner organisation"),
    )

    def __str__(self) -> str:
        return f"{self.user} ({self.partner})"
