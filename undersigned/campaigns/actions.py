"""What happens to campaigns: every change of a campaign's state goes through here.

The workspace's builder (undersigned/organise/) calls these with the
organiser's username as `actor`; each change is written to the audit log
(names of fields and things, never anyone's personal data).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from undersigned.areas.models import Official, TargetRule
from undersigned.memo import forget_all
from undersigned.privacy.audit import record
from undersigned.privacy.models import AuditEntry

from .models import (
    Campaign,
    CampaignTranslation,
    DeliveryRule,
    LetterVersion,
    Partner,
    ShareImage,
    Target,
)
from .readiness import checklist
from .signals import campaign_closed

DEFAULT_BATCH = 100


@transaction.atomic
def save_campaign(campaign: Campaign) -> Campaign:
    """Save a campaign and record its letter as a new version if the text changed.

    Signatures point at the version they agreed to, so a version is never
    edited in place once it exists.
    """
    closing = campaign.status == Campaign.Status.CLOSED and campaign.closed_at is None
    if closing:
        campaign.closed_at = timezone.now()
    campaign.save()
    if closing:
        campaign_closed.send(sender=Campaign, campaign=campaign)
    record_letter(campaign, campaign.language, campaign.letter_subject, campaign.letter_body)
    return campaign


@transaction.atomic
def save_translation(translation: CampaignTranslation) -> CampaignTranslation:
    """Save a campaign's translation and record its letter as a new version of
    that language's letter if the text changed (never editing one in place)."""
    translation.save()
    record_letter(
        translation.campaign,
        translation.language,
        translation.letter_subject,
        translation.letter_body,
    )
    return translation


def record_letter(campaign: Campaign, language: str, subject: str, body: str) -> LetterVersion:
    """The newest letter version in this language, made anew if the text differs."""
    latest = (
        LetterVersion.objects.select_for_update()
        .filter(campaign=campaign, language=language)
        .order_by("-number")
    ).first()
    if latest and (latest.subject, latest.body) == (subject, body):
        return latest
    return LetterVersion.objects.create(
        campaign=campaign,
        language=language,
        number=(latest.number + 1) if latest else 1,
        subject=subject,
        body=body,
    )


def close_campaign(campaign: Campaign) -> Campaign:
    campaign.status = Campaign.Status.CLOSED
    return save_campaign(campaign)


def _edited(campaign: Campaign, actor: str, step: str, **detail) -> None:
    record(actor, AuditEntry.Action.CAMPAIGN_EDIT, campaign=campaign.pk, step=step, **detail)


@transaction.atomic
def edit_campaign(campaign: Campaign, changes: dict, *, actor: str, step: str) -> Campaign:
    """Apply validated field values (a builder step's) and save, audited.

    A launched campaign keeps its address: links to it are out in the world.
    """
    if "slug" in changes and campaign.pk and campaign.launch_approved_at:
        changes = {**changes, "slug": campaign.slug}
    changed = sorted(name for name, value in changes.items() if getattr(campaign, name) != value)
    for name, value in changes.items():
        setattr(campaign, name, value)
    created = campaign.pk is None
    save_campaign(campaign)
    _edited(campaign, actor, step, fields=changed, created=created)
    return campaign


@transaction.atomic
def set_partners(campaign: Campaign, partners: Iterable[Partner], *, actor: str) -> None:
    chosen = sorted(partner.pk for partner in partners)
    campaign.partners.set(chosen)
    _edited(campaign, actor, "partners", partners=chosen)


@transaction.atomic
def add_partner(name: str, url: str, description: str, *, actor: str) -> Partner:
    partner = Partner(name=name, url=url, description=description)
    partner.full_clean()
    partner.save()
    record(actor, AuditEntry.Action.CAMPAIGN_EDIT, partner=partner.pk, step="new partner")
    return partner


@dataclass(frozen=True)
class Rule:
    """'The officials (of these roles; all when empty) of each signer's area of this type.'"""

    division_type: str
    roles: tuple[str, ...] = ()


@transaction.atomic
def set_target_rules(campaign: Campaign, rules: Sequence[Rule], *, actor: str) -> None:
    """Replace the campaign's targeting rules. Each rule's area type gets a
    local delivery rule (every DEFAULT_BATCH signers) unless it has one; a
    type no longer targeted loses its delivery rule."""
    TargetRule.objects.filter(campaign=campaign).delete()
    for order, rule in enumerate(rules):
        TargetRule.objects.create(
            campaign=campaign,
            division_type=rule.division_type,
            roles=", ".join(rule.roles),
            order=order,
        )
    types = [rule.division_type for rule in rules]
    local = DeliveryRule.objects.filter(campaign=campaign, kind=DeliveryRule.Kind.LOCAL)
    local.exclude(division_type__in=types).delete()
    existing = set(local.values_list("division_type", flat=True))
    for division_type in types:
        if division_type not in existing:
            DeliveryRule.objects.create(
                campaign=campaign,
                kind=DeliveryRule.Kind.LOCAL,
                division_type=division_type,
                batch_size=DEFAULT_BATCH,
            )
    _edited(campaign, actor, "targets", rules=[[r.division_type, list(r.roles)] for r in rules])


def _national_rule(campaign: Campaign) -> None:
    DeliveryRule.objects.get_or_create(campaign=campaign, kind=DeliveryRule.Kind.NATIONAL)


@transaction.atomic
def add_target(
    campaign: Campaign, *, actor: str, official: Official | None = None, **fields: str
) -> Target:
    """A fixed addressee: an imported official, or a name with an address typed in.
    A campaign with fixed targets gets a national delivery rule."""
    order = Target.objects.filter(campaign=campaign).count()
    target = Target(campaign=campaign, official=official, order=order, **fields)
    target.full_clean()
    target.save()
    _national_rule(campaign)
    _edited(
        campaign, actor, "targets", added_target=target.pk, official=getattr(official, "pk", None)
    )
    return target


@transaction.atomic
def remove_target(campaign: Campaign, target_id: int, *, actor: str) -> None:
    removed, _kinds = Target.objects.filter(campaign=campaign, pk=target_id).delete()
    if not Target.objects.filter(campaign=campaign).exists():
        DeliveryRule.objects.filter(campaign=campaign, kind=DeliveryRule.Kind.NATIONAL).delete()
    _edited(campaign, actor, "targets", removed_target=target_id if removed else None)


@transaction.atomic
def set_delivery(
    campaign: Campaign,
    *,
    actor: str,
    batch_size: int,
    every_n: int,
    deliver_at_goal: bool,
    deliver_on_close: bool,
    include_emails: bool,
) -> None:
    """Every local rule delivers every `batch_size` signers per area; the
    national rule (fixed targets) every `every_n`, at the goal, on close."""
    if batch_size < 1 or every_n < 0:
        raise ValidationError(_("Deliver every 1 signer or more."))
    rules = DeliveryRule.objects.filter(campaign=campaign)
    rules.filter(kind=DeliveryRule.Kind.LOCAL).update(
        batch_size=batch_size, include_emails=include_emails
    )
    rules.filter(kind=DeliveryRule.Kind.NATIONAL).update(
        every_n=every_n,
        deliver_at_goal=deliver_at_goal,
        deliver_on_close=deliver_on_close,
        include_emails=include_emails,
    )
    _edited(
        campaign,
        actor,
        "delivery",
        batch_size=batch_size,
        every_n=every_n,
        deliver_at_goal=deliver_at_goal,
        deliver_on_close=deliver_on_close,
        include_emails=include_emails,
    )


@transaction.atomic
def set_share_image(
    campaign: Campaign, data: bytes, *, content_type: str, width: int, height: int, actor: str
) -> ShareImage:
    digest = hashlib.sha256(data).hexdigest()
    image, _created = ShareImage.objects.update_or_create(
        campaign=campaign,
        defaults={
            "data": data,
            "content_type": content_type,
            "sha256": digest,
            "width": width,
            "height": height,
        },
    )
    campaign.save(update_fields=["updated_at"])  # a new picture: page caches start again
    _edited(campaign, actor, "sharing", image=digest)
    return image


@transaction.atomic
def remove_share_image(campaign: Campaign, *, actor: str) -> None:
    ShareImage.objects.filter(campaign=campaign).delete()
    campaign.save(update_fields=["updated_at"])
    _edited(campaign, actor, "sharing", image=None)


class LaunchRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@transaction.atomic
def launch(
    campaign: Campaign, *, actor: str, acknowledged: Sequence[str] = (), now=None
) -> Campaign:
    """Take a draft live now, or at its opening time.

    Refused while the checklist has a problem, and while it lists gaps the
    organiser has not acknowledged (`acknowledged` must be exactly the gaps
    they were shown: a gap that appeared since is not acknowledged).
    """
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status != Campaign.Status.DRAFT:
        raise LaunchRefused([_("Only a draft can be launched.")])
    found = checklist(campaign)
    if found.problems:
        raise LaunchRefused(found.problems)
    unacknowledged = [gap for gap in found.gaps if gap not in set(acknowledged)]
    if unacknowledged:
        raise LaunchRefused(
            [_("Acknowledge what the coverage is missing before launching."), *unacknowledged]
        )
    now = now or timezone.now()
    campaign.launch_approved_at = now
    opens_now = campaign.opens_at is None or campaign.opens_at <= now
    if opens_now:
        campaign.status = Campaign.Status.LIVE
    save_campaign(campaign)
    record(
        actor,
        AuditEntry.Action.LAUNCH,
        campaign=campaign.pk,
        live=opens_now,
        opens_at=campaign.opens_at,
        acknowledged_gaps=found.gaps,
    )
    return campaign


def open_and_close_due(now: datetime.datetime | None = None) -> tuple[int, int]:
    """The worker's duty: open approved drafts whose time has come, close live
    campaigns past their closing time. Each campaign changes once, whatever
    the number of workers: the conditional UPDATE is the claim."""
    now = now or timezone.now()
    opened = closed = 0
    due_open = Campaign.objects.filter(
        status=Campaign.Status.DRAFT, launch_approved_at__isnull=False, opens_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_open):
        opened += _open(pk, now)
    due_close = Campaign.objects.filter(
        status=Campaign.Status.LIVE, closes_at__lte=now
    ).values_list("pk", flat=True)
    for pk in list(due_close):
        closed += _close(pk, now)
    return opened, closed


@transaction.atomic
def _open(pk: int, now: datetime.datetime) -> int:
    claimed = Campaign.objects.filter(
        pk=pk, status=Campaign.Status.DRAFT, launch_approved_at__isnull=False, opens_at__lte=now
    ).update(status=Campaign.Status.LIVE, updated_at=now)
    if claimed:
        record("system", AuditEntry.Action.OPEN, campaign=pk)
        transaction.on_commit(forget_all)
    return claimed


@transaction.atomic
def _close(pk: int, now: datetime.datetime) -> int:
    claimed = Campaign.objects.filter(
        pk=pk, status=Campaign.Status.LIVE, closes_at__lte=now
    ).update(status=Campaign.Status.CLOSED, closed_at=now, updated_at=now)
    if claimed:
        # As save_campaign does when a campaign closes: the final delivery.
        campaign_closed.send(sender=Campaign, campaign=Campaign.objects.get(pk=pk))
        record("system", AuditEntry.Action.CLOSE, campaign=pk)
        transaction.on_commit(forget_all)
    return claimed
