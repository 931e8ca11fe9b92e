"""The sites allowed to embed a campaign's form and badge.

Organisers list them in the workspace; the embed pages name exactly these in
their Content-Security-Policy `frame-ancestors`, so browsers refuse to show
the form in a frame anywhere else. Every other page keeps `frame-ancestors
'none'`. The list is read on every embed view, so each process keeps it for
CAMPAIGN_FRESH_SECONDS, as it keeps the campaign.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from undersigned.campaigns.models import Campaign
from undersigned.memo import Expiring, forget_all
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import EmbedOrigin
from .origins import normalise_origin

MAX_ORIGINS = 20

_origins: Expiring[tuple[str, ...]] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=1_000)


def embed_origins(campaign: Campaign) -> tuple[str, ...]:
    return _origins.get(
        campaign.pk,
        lambda: tuple(
            EmbedOrigin.objects.filter(campaign=campaign).values_list("origin", flat=True)
        ),
    )


def parse_origins(text: str) -> list[str]:
    """One origin a line (or separated by spaces), normalised, without repeats.
    ValidationError naming every line that is not an origin."""
    found: list[str] = []
    problems = []
    for raw in text.split():
        try:
            origin = normalise_origin(raw)
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if origin not in found:
            found.append(origin)
    if problems:
        raise ValidationError(problems)
    if len(found) > MAX_ORIGINS:
        raise ValidationError(
            _("List at most %(n)d sites; ask us if a campaign needs more.") % {"n": MAX_ORIGINS}
        )
    return found


@transaction.atomic
def set_embed_origins(campaign: Campaign, origins: list[str], *, actor: str) -> list[str]:
    """Replace the campaign's list (already normalised by parse_origins), audited."""
    current = set(EmbedOrigin.objects.filter(campaign=campaign).values_list("origin", flat=True))
    wanted = set(origins)
    EmbedOrigin.objects.filter(campaign=campaign, origin__in=current - wanted).delete()
    EmbedOrigin.objects.bulk_create(
        EmbedOrigin(campaign=campaign, origin=origin) for origin in sorted(wanted - current)
    )
    if current != wanted:
        record(
            actor,
            AuditEntry.Action.CAMPAIGN_EDIT,
            campaign=campaign.pk,
            step="embedding",
            added=sorted(wanted - current),
            removed=sorted(current - wanted),
        )
    transaction.on_commit(forget_all)
    return sorted(wanted)
