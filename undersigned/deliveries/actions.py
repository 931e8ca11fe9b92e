"""What happens to deliveries: milestones, deliver now, the final delivery,
dispatching, sending, retrying, marking mailed.

Deliveries are created only while the tally row they belong to is locked
(the area's for local milestones, the campaign total's for everything
national), and every kind of delivery has a unique constraint behind it.
Sending goes through tasks that take ids, re-read the rows, claim with a
conditional UPDATE and are safe to run twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from undersigned.areas.models import ContactPoint, Division, Official
from undersigned.campaigns.models import Campaign, LetterVersion
from undersigned.outbox.actions import describe_error
from undersigned.outbox.models import Email
from undersigned.signatures.models import Consent, Signature

from .counting import locked_tallies
from .models import Delivery, DeliveryAttempt, DeliveryRule, DeliverySigner, Tally

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
# Queued work that should have run this long ago is enqueued again.
OVERDUE = timedelta(minutes=1)

State = DeliveryAttempt.State
OPEN_STATES = [State.PENDING, State.SENDING, State.AWAITING_MAILING]


class NothingToDeliver(Exception):
    """Every confirmed signer has already been delivered to these recipients."""


def stale_claim() -> timedelta:
    """How long a claimed send may take before another worker may take it over.

    Each SMTP step waits at most EMAIL_TIMEOUT, and one message takes a few of
    them; a claim older than that belongs to a worker that died.
    """
    return timedelta(seconds=3 * settings.EMAIL_TIMEOUT)


# Creating deliveries ---------------------------------------------------------


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
    from .tasks import dispatch_delivery

    dispatch_delivery.enqueue(str(delivery.pk))
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
    """The latest letter version id of each campaign."""
    letters = {}
    for campaign_id, pk in (
        LetterVersion.objects.filter(campaign_id__in=campaign_ids)
        .order_by("campaign_id", "number")
        .values_list("campaign_id", "pk")
    ):
        letters[campaign_id] = pk
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


# Recipients ------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    key: str
    name: str
    office: str
    channel: str
    address: str
    official: Official | None = None
    target: object | None = None


def _contact_of(official: Official) -> ContactPoint | None:
    contacts = list(official.contacts.all())
    chosen = official.delivery_contact()
    if chosen is None:
        chosen = next((c for c in contacts if c.kind == ContactPoint.Kind.EMAIL), None)
    if chosen is None:
        chosen = next((c for c in contacts if c.kind == ContactPoint.Kind.POSTAL), None)
    return chosen


def _official_recipient(official: Official, key: str) -> Recipient:
    contact = _contact_of(official)
    if contact is not None and contact.kind == ContactPoint.Kind.EMAIL:
        channel, address = DeliveryAttempt.Channel.EMAIL, contact.value
    else:
        channel, address = DeliveryAttempt.Channel.POSTAL, contact.value if contact else ""
    return Recipient(key, official.name, official.office, channel, address, official=official)


def recipients(delivery: Delivery) -> list[Recipient]:
    """Whom a delivery goes to: the area's officials by the campaign's target
    rules, or the campaign's fixed targets for a national delivery."""
    from undersigned.areas.lookup import officials_for

    if delivery.division_id:
        return [
            _official_recipient(official, f"official:{official.pk}")
            for official in officials_for(delivery.campaign, [delivery.division])
        ]
    found = []
    targets = delivery.campaign.targets.select_related("official").prefetch_related(
        "official__contacts"
    )
    for target in targets:
        key = f"target:{target.pk}"
        official = target.official
        from_official = _official_recipient(official, key) if official else None
        name = target.name or (official.name if official else "")
        office = ", ".join(p for p in (target.title, target.organisation) if p) or (
            official.office if official else ""
        )
        if target.email:
            channel, address = DeliveryAttempt.Channel.EMAIL, target.email
        elif from_official and from_official.channel == DeliveryAttempt.Channel.EMAIL:
            channel, address = from_official.channel, from_official.address
        else:
            channel = DeliveryAttempt.Channel.POSTAL
            address = target.postal_address or (from_official.address if from_official else "")
        found.append(Recipient(key, name, office, channel, address, official, target))
    return found


# Dispatching and sending -----------------------------------------------------


def dispatch(delivery_id) -> int:
    """Render a delivery (once) and create and queue its attempts. Safe to run twice.

    Rendering happens before the row lock is taken; it is deterministic, so
    a second worker's identical rendering is simply not stored. Returns how
    many attempts were queued for sending.
    """
    from .rendering import render_delivery
    from .tasks import send_delivery_attempt

    delivery = (
        Delivery.objects.select_related("campaign", "division", "letter_version")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return 0
    rendered = None if delivery.rendered_at else render_delivery(delivery)
    found = recipients(delivery)
    with transaction.atomic():
        locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.rendered_at is None:
            if rendered is None:
                rendered = render_delivery(delivery)
            locked.pdf, locked.csv = rendered.pdf_base64, rendered.csv
            locked.pdf_sha256, locked.csv_sha256 = rendered.pdf_sha256, rendered.csv_sha256
            locked.rendered_at = timezone.now()
            locked.save(update_fields=["pdf", "csv", "pdf_sha256", "csv_sha256", "rendered_at"])
        DeliveryAttempt.objects.bulk_create(
            [
                DeliveryAttempt(
                    delivery=locked,
                    recipient_key=r.key,
                    official=r.official,
                    target=r.target,
                    name=r.name[:200],
                    office=r.office[:400],
                    address=r.address,
                    channel=r.channel,
                    state=State.PENDING
                    if r.channel == DeliveryAttempt.Channel.EMAIL
                    else State.AWAITING_MAILING,
                )
                for r in found
            ],
            ignore_conflicts=True,
        )
        if locked.dispatched_at is not None:
            return 0
        Delivery.objects.filter(pk=locked.pk).update(dispatched_at=timezone.now())
        pending = list(
            locked.attempts.filter(state=State.PENDING, attempts=0).values_list("pk", flat=True)
        )
        for pk in pending:
            send_delivery_attempt.enqueue(str(pk))
    complete_if_done(delivery.pk)
    return len(pending)


def claim(attempt_id) -> DeliveryAttempt | None:
    """Take an attempt for sending; None if it is not due, done, or being sent."""
    now = timezone.now()
    due = Q(state=State.PENDING) & (Q(next_try_at__isnull=True) | Q(next_try_at__lte=now))
    stale = Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
    claimed = DeliveryAttempt.objects.filter(
        due | stale, pk=attempt_id, channel=DeliveryAttempt.Channel.EMAIL
    ).update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return DeliveryAttempt.objects.select_related(
        "delivery__campaign", "delivery__division", "delivery__letter_version"
    ).get(pk=attempt_id)


def send_attempt(attempt_id) -> bool:
    """Send one attempt's e-mail. Safe to run twice: only the claimant sends.

    Every try is counted on the row; a failure is retried with exponential
    backoff until MAX_ATTEMPTS, then the attempt is failed for staff to see.
    The Message-ID is derived from the attempt, so a letter re-sent after a
    crash is recognisably the same message.
    """
    from .rendering import build_message
    from .tasks import send_delivery_attempt

    attempt = claim(attempt_id)
    if attempt is None:
        return False
    try:
        message = build_message(attempt)
        with get_connection() as connection:
            connection.send_messages([message])
    except Exception as error:
        failed = attempt.attempts >= MAX_ATTEMPTS
        delay = FIRST_RETRY * 2 ** (attempt.attempts - 1)
        retry_at = timezone.now() + delay
        with transaction.atomic():
            DeliveryAttempt.objects.filter(pk=attempt.pk, state=State.SENDING).update(
                state=State.FAILED if failed else State.PENDING,
                next_try_at=None if failed else retry_at,
                last_error=describe_error(error),
            )
            if not failed:
                send_delivery_attempt.using(run_after=retry_at).enqueue(str(attempt.pk))
        log.warning(
            "delivery attempt %s try %s failed: %s",
            attempt.pk,
            attempt.attempts,
            describe_error(error),
        )
        if failed:
            complete_if_done(attempt.delivery_id)
        return False
    DeliveryAttempt.objects.filter(pk=attempt.pk).update(
        state=State.SENT, sent_at=timezone.now(), last_error="", next_try_at=None
    )
    complete_if_done(attempt.delivery_id)
    return True


def complete_if_done(delivery_id) -> bool:
    """Mark a delivery complete once no attempt is left open; then tell the
    signers who asked to hear. The conditional UPDATE makes that happen once."""
    open_attempts = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"), state__in=OPEN_STATES)
    any_attempt = DeliveryAttempt.objects.filter(delivery=OuterRef("pk"))
    with transaction.atomic():
        done = (
            Delivery.objects.filter(pk=delivery_id, completed_at__isnull=True)
            .filter(Exists(any_attempt), ~Exists(open_attempts))
            .update(completed_at=timezone.now())
        )
        if not done:
            return False
        if DeliveryAttempt.objects.filter(delivery_id=delivery_id, state=State.SENT).exists():
            notify_signers(delivery_id)
    return True


def notify_signers(delivery_id) -> int:
    """Queue 'your letter was delivered' for carried signers who asked for it.

    Once per signature: a signer carried to several areas' lawmakers hears
    about the first delivery only.
    """
    from undersigned.outbox.tasks import send_email

    asked = Consent.objects.filter(
        signature=OuterRef("signature_id"),
        kind=Consent.Kind.DELIVERY,
        withdrawn_at__isnull=True,
    )
    told = Email.objects.filter(signature=OuterRef("signature_id"), kind=Email.Kind.DELIVERED)
    signature_ids = list(
        DeliverySigner.objects.filter(
            delivery_id=delivery_id,
            signature__erased_at__isnull=True,
            signature__status=Signature.Status.CONFIRMED,
        )
        .filter(Exists(asked), ~Exists(told))
        .values_list("signature_id", flat=True)
    )
    emails = Email.objects.bulk_create(
        [Email(kind=Email.Kind.DELIVERED, signature_id=pk) for pk in signature_ids]
    )
    for email in emails:
        send_email.enqueue(str(email.pk))
    return len(emails)


# Staff actions ---------------------------------------------------------------


def retry(attempts, *, actor: str) -> int:
    """Try failed e-mail attempts again from the start (after fixing an address, say)."""
    from .tasks import send_delivery_attempt

    with transaction.atomic():
        ids = list(
            attempts.filter(state=State.FAILED, channel=DeliveryAttempt.Channel.EMAIL).values_list(
                "pk", flat=True
            )
        )
        changed = DeliveryAttempt.objects.filter(pk__in=ids, state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_try_at=None, last_error=""
        )
        Delivery.objects.filter(attempts__pk__in=ids).update(completed_at=None)
        for pk in ids:
            send_delivery_attempt.enqueue(str(pk))
    log.info("%s retried %s delivery attempts", actor, changed)
    return changed


def mark_mailed(attempts, *, actor: str) -> int:
    """Record that staff printed and posted these letters."""
    with transaction.atomic():
        ids = list(attempts.filter(state=State.AWAITING_MAILING).values_list("pk", flat=True))
        changed = DeliveryAttempt.objects.filter(pk__in=ids, state=State.AWAITING_MAILING).update(
            state=State.SENT, sent_at=timezone.now(), mailed_by=actor
        )
        deliveries = set(
            DeliveryAttempt.objects.filter(pk__in=ids).values_list("delivery_id", flat=True)
        )
    for delivery_id in deliveries:
        complete_if_done(delivery_id)
    return changed


def redispatch(delivery: Delivery) -> int:
    """Look the recipients up again (officials imported since) and send to new ones."""
    Delivery.objects.filter(pk=delivery.pk).update(dispatched_at=None, completed_at=None)
    return dispatch(delivery.pk)


def requeue_stuck() -> int:
    """Enqueue again what a dead worker left behind: undispatched deliveries,
    overdue attempts and attempts whose sender stopped answering."""
    from .tasks import dispatch_delivery, send_delivery_attempt

    now = timezone.now()
    count = 0
    undispatched = Delivery.objects.filter(
        dispatched_at__isnull=True, created_at__lt=now - OVERDUE
    ).values_list("pk", flat=True)
    for pk in undispatched.iterator():
        dispatch_delivery.enqueue(str(pk))
        count += 1
    stuck = DeliveryAttempt.objects.filter(channel=DeliveryAttempt.Channel.EMAIL).filter(
        Q(state=State.SENDING, claimed_at__lt=now - stale_claim())
        | Q(state=State.PENDING, next_try_at__lt=now - OVERDUE)
        | Q(
            state=State.PENDING,
            next_try_at__isnull=True,
            delivery__dispatched_at__lt=now - OVERDUE,
        )
    )
    for pk in stuck.values_list("pk", flat=True).iterator():
        send_delivery_attempt.enqueue(str(pk))
        count += 1
    return count
