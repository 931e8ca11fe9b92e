"""Milestones: which deliveries a campaign owes, created exactly once.

Deliveries are created only while the tally row they belong to is locked
(the area's for local milestones, the campaign total's for everything
national), and every kind of delivery has a unique constraint behind it.
The tally processor (undersigned/counting/) tells us its tallies rose through
counting.signals.tallies_rose, inside its transaction; a campaign closing
tells us through campaigns.signals.campaign_closed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from undersigned.areas.models import Division
from undersigned.campaigns.models import Campaign, DeliveryRule, LetterVersion
from undersigned.counting.actions import locked_tallies
from undersigned.counting.models import Tally
from undersigned.signatures.models import Signature

from .models import Delivery, DeliverySigner
from .sending import dispatch_delivery
from .signals import milestone_reached


class NothingToDeliver(Exception):
    """Every confirmed signer has already been delivered to these recipients."""


def available_signers(campaign_id: int, division_id: int | None):
    """Confirmed signers not yet carried by any delivery to this area (or nationally),
    earliest-confirmed first."""
    signers = Signature.objects.filter(campaign_id=campaign_id, status=Signature.Status.CONFIRMED)
    carried = DeliverySigner.objects.filter(campaign_id=campaign_id)
    if division_id is None:
        carried = carried.filter(division__isnull=True)
    else:
        signers = signers.filter(division_links__division_id=division_id)
        carried = carried.filter(division_id=division_id)
    # NOT IN, not NOT EXISTS: PostgreSQL runs it as one hashed subplan,
    # linear in both sides. With NOT EXISTS, statistics taken while the area
    # had few carried signers (as during a surge on a new campaign) made it
    # pick a nested-loop anti-join, comparing every signer with every carried
    # one: 11 to 13 s per tally batch at 10,000 signers (docs/performance.md).
    return (
        signers.exclude(pk__in=carried.values("signature_id"))
        .order_by("confirmed_at", "id")
        .values_list("id", flat=True)
    )


def create_delivery(
    tally: Tally,
    kind: str,
    *,
    letter_version_id: int,
    milestone: int = 0,
    size: int | None = None,
    include_emails: bool = False,
    requested_by: str = "",
) -> Delivery | None:
    """Create a delivery carrying the next `size` signers (all, when None).

    The caller holds the tally's row lock. Returns None, creating nothing,
    when fewer than `size` signers (or none) are available; a withdrawal the
    tally has not counted yet can cause that, and the tally then drops below
    the milestone once it does.
    """
    query = available_signers(tally.campaign_id, tally.division_id)
    signer_ids = list(query[:size] if size else query)
    if not signer_ids or (size and len(signer_ids) < size):
        return None
    delivery = Delivery.objects.create(
        campaign_id=tally.campaign_id,
        division_id=tally.division_id,
        kind=kind,
        milestone=milestone,
        letter_version_id=letter_version_id,
        first_number=tally.signers_delivered + 1,
        signer_count=len(signer_ids),
        include_emails=include_emails,
        requested_by=requested_by,
    )
    DeliverySigner.objects.bulk_create(
        [
            DeliverySigner(
                delivery=delivery,
                signature_id=signature_id,
                campaign_id=tally.campaign_id,
                division_id=tally.division_id,
                position=position,
            )
            for position, signature_id in enumerate(signer_ids, start=1)
        ],
        batch_size=500,
    )
    tally.signers_delivered += len(signer_ids)
    Tally.objects.filter(pk=tally.pk).update(signers_delivered=tally.signers_delivered)
    dispatch_delivery.enqueue(str(delivery.pk))
    if kind in (Delivery.Kind.MILESTONE, Delivery.Kind.GOAL):
        milestone_reached.send(sender=Delivery, delivery=delivery)
    return delivery


def create_due_deliveries(tallies: list[Tally]) -> list[Delivery]:
    """Create the milestone (and goal) deliveries these locked tallies have reached."""
    if not tallies:
        return []
    campaign_ids = {tally.campaign_id for tally in tallies}
    rules = list(DeliveryRule.objects.filter(campaign_id__in=campaign_ids))
    if not rules:
        return []
    local = {
        (r.campaign_id, r.division_type): r for r in rules if r.kind == DeliveryRule.Kind.LOCAL
    }
    national = {r.campaign_id: r for r in rules if r.kind == DeliveryRule.Kind.NATIONAL}
    division_ids = [t.division_id for t in tallies if t.division_id]
    types = dict(Division.objects.filter(pk__in=division_ids).values_list("pk", "type"))
    goals = dict(Campaign.objects.filter(pk__in=campaign_ids).values_list("pk", "goal"))
    letters = current_letters(campaign_ids)
    created = []
    for tally in tallies:
        if tally.division_id is None:
            rule = national.get(tally.campaign_id)
            if rule is None:
                continue
            letter = letters[tally.campaign_id]
            if rule.every_n:
                created += _milestones(tally, rule.every_n, letter, rule.include_emails)
            if rule.deliver_at_goal and not tally.goal_delivered:
                created += _goal(tally, goals[tally.campaign_id], letter, rule.include_emails)
            continue
        rule = local.get((tally.campaign_id, types.get(tally.division_id)))
        if rule is not None:
            letter = letters[tally.campaign_id]
            created += _milestones(tally, rule.batch_size, letter, rule.include_emails)
    return created


def _milestones(tally: Tally, size: int, letter: int, include_emails: bool) -> list[Delivery]:
    created = []
    while tally.confirmed >= (tally.milestones_created + 1) * size:
        delivery = create_delivery(
            tally,
            Delivery.Kind.MILESTONE,
            letter_version_id=letter,
            milestone=tally.milestones_created + 1,
            size=size,
            include_emails=include_emails,
        )
        if delivery is None:
            break
        tally.milestones_created += 1
        created.append(delivery)
    if created:
        Tally.objects.filter(pk=tally.pk).update(milestones_created=tally.milestones_created)
    return created


def _goal(tally: Tally, goal: int, letter: int, include_emails: bool) -> list[Delivery]:
    if tally.confirmed < goal:
        return []
    delivery = create_delivery(
        tally, Delivery.Kind.GOAL, letter_version_id=letter, include_emails=include_emails
    )
    # Reached once; if the milestones had already carried everyone, nothing is owed.
    tally.goal_delivered = True
    Tally.objects.filter(pk=tally.pk).update(goal_delivered=True)
    return [delivery] if delivery else []


def current_letters(campaign_ids) -> dict[int, int]:
    """The latest letter version id of each campaign in its delivery language
    (in its own language when the letter has not been translated into that).

    Every signer goes with it, whatever language they signed in: the list of
    names is one list.
    """
    campaigns = Campaign.objects.filter(pk__in=campaign_ids).values_list(
        "pk", "language", "delivery_language"
    )
    preferred = {pk: (delivery, own) for pk, own, delivery in campaigns}
    newest: dict[tuple[int, str], int] = {}
    for campaign_id, language, pk in (
        LetterVersion.objects.filter(campaign_id__in=campaign_ids)
        .order_by("campaign_id", "number")
        .values_list("campaign_id", "language", "pk")
    ):
        newest[campaign_id, language] = pk
    letters = {}
    for campaign_id, languages in preferred.items():
        for language in languages:
            if (campaign_id, language) in newest:
                letters[campaign_id] = newest[campaign_id, language]
                break
    return letters


def national_rule(campaign: Campaign) -> DeliveryRule | None:
    return campaign.delivery_rules.filter(kind=DeliveryRule.Kind.NATIONAL).first()


@transaction.atomic
def deliver_now(campaign: Campaign, *, actor: str) -> Delivery:
    """Deliver every confirmed signer not yet delivered to the fixed targets."""
    if not campaign.targets.exists():
        raise NothingToDeliver("This campaign has no fixed targets to deliver to.")
    (tally,) = locked_tallies([(campaign.pk, None)])
    rule = national_rule(campaign)
    delivery = create_delivery(
        tally,
        Delivery.Kind.ON_DEMAND,
        letter_version_id=current_letters([campaign.pk])[campaign.pk],
        include_emails=bool(rule and rule.include_emails),
        requested_by=actor,
    )
    if delivery is None:
        raise NothingToDeliver("Every confirmed signer has already been delivered.")
    return delivery


def deliver_on_close(campaign: Campaign) -> Delivery | None:
    """The final national delivery, when a campaign closes (called from save_campaign)."""
    rule = national_rule(campaign)
    if rule is None or not rule.deliver_on_close or not campaign.targets.exists():
        return None
    with transaction.atomic():
        (tally,) = locked_tallies([(campaign.pk, None)])
        if Delivery.objects.filter(campaign=campaign, kind=Delivery.Kind.FINAL).exists():
            return None
        return create_delivery(
            tally,
            Delivery.Kind.FINAL,
            letter_version_id=current_letters([campaign.pk])[campaign.pk],
            include_emails=rule.include_emails,
        )


def on_tallies_rose(sender: Any, *, tallies: list[Tally], **kwargs: Any) -> list[Delivery]:
    """counting.signals.tallies_rose: the deliveries the risen tallies call for."""
    return create_due_deliveries(tallies)


def on_campaign_closed(sender: Any, *, campaign: Campaign, **kwargs: Any) -> None:
    """campaigns.signals.campaign_closed: the final delivery, made by the worker
    once the close commits (the task row is written in the same transaction)."""
    final_delivery.enqueue(campaign.pk)


@task()
def final_delivery(campaign_id: int) -> str | None:
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.CLOSED).first()
    delivery = deliver_on_close(campaign) if campaign else None
    return str(delivery.pk) if delivery else None
