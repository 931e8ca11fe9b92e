"""Local groups: a partner's presence in one area, added by organisers."""

from __future__ import annotations

from django.db import transaction

from undersigned.areas.models import Division
from undersigned.campaigns.models import Partner
from undersigned.memo import forget_all
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import LocalGroup


@transaction.atomic
def add_local_group(
    partner: Partner,
    division: Division,
    *,
    actor: str,
    name: str = "",
    email: str = "",
    url: str = "",
    meets: str = "",
) -> LocalGroup:
    """Validated (ValidationError on a duplicate or a group nobody can reach), saved, audited."""
    group = LocalGroup(
        partner=partner, division=division, name=name, email=email, url=url, meets=meets
    )
    group.full_clean()
    group.save()
    record(
        actor,
        AuditEntry.Action.CAMPAIGN_EDIT,
        step="local group",
        partner=partner.pk,
        local_group=group.pk,
        area=division.ocd_id,
    )
    transaction.on_commit(forget_all)  # area pages keep their groups for a moment
    return group
