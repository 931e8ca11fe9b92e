"""What supporters can do about their own data, without an account.

Every e-mail carries a private link to a page where the supporter sees what we
hold, changes consents, downloads it, withdraws the signature or erases it.
The link is signed (it cannot be forged), expires after MANAGE_LINK_DAYS, and
is revocable: bumping the signature's `link_version` kills every link sent
before.

Erasure rule: the person's data is wiped at once (names, e-mail, street,
phone, comment, the e-mail digest, consents and remembered devices). A
signature that was not yet delivered to anyone also leaves the counts
(withdrawn). One that was already delivered stays in the record of that
delivery, counted only as an anonymous tally: the delivered letter cannot be
unsent, and its count must stay reconcilable.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from undersigned.counting.actions import record_transition
from undersigned.outbox.actions import forget_unsent
from undersigned.outbox.models import Email

from . import placing
from .actions import record_consents
from .links import absolute
from .models import Consent, Device, Signature
from .signals import signature_erased, signature_withdrawn

MANAGE_SALT = "undersigned.signatures.manage"
UNSUBSCRIBE_SALT = "undersigned.signatures.unsubscribe"
MANAGE_LINK_DAYS = 90
UNSUBSCRIBE_LINK_DAYS = 365
SEALED = ("email", "first_name", "last_name", "street_address", "phone", "comment")


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


def _token(signature: Signature, salt: str) -> str:
    return signing.dumps([str(signature.pk), signature.link_version], salt=salt)


def manage_url(signature: Signature) -> str:
    return absolute(reverse("manage", args=[_token(signature, MANAGE_SALT)]))


def unsubscribe_url(signature: Signature) -> str:
    return absolute(reverse("unsubscribe", args=[_token(signature, UNSUBSCRIBE_SALT)]))


def _find(token: str, salt: str, days: int) -> Signature:
    try:
        signature_id, version = signing.loads(token, salt=salt, max_age=timedelta(days=days))
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise LinkInvalid from error
    signature = Signature.objects.select_related("campaign").filter(pk=signature_id).first()
    if signature is None or signature.link_version != version or signature.erased_at:
        raise LinkInvalid
    return signature


def find_by_manage_token(token: str) -> Signature:
    return _find(token, MANAGE_SALT, MANAGE_LINK_DAYS)


def find_by_unsubscribe_token(token: str) -> Signature:
    return _find(token, UNSUBSCRIBE_SALT, UNSUBSCRIBE_LINK_DAYS)


def export_data(signature: Signature) -> dict:
    """Everything we hold about this signature, as the supporter may download it."""
    return {
        "campaign": {"slug": signature.campaign.slug, "title": signature.campaign.title},
        "status": signature.apparent_status,
        "signed_at": signature.created_at.isoformat(),
        "confirmed_at": signature.confirmed_at.isoformat() if signature.confirmed_at else None,
        "letter_version": signature.letter_version.number,
        "letter_subject": signature.letter_version.subject,
        "letter_body": signature.letter_version.body,
        "details": {
            "first_name": signature.first_name,
            "last_name": signature.last_name,
            "email": signature.email,
            "postal_code": signature.postal_code,
            "country": signature.country,
            "street_address": signature.street_address,
            "phone": signature.phone,
            "comment": signature.comment,
        },
        "consents": [
            {
                "kind": consent.kind,
                "partner": consent.partner.name if consent.partner else None,
                "text": consent.text,
                "given_at": consent.given_at.isoformat(),
                "withdrawn_at": consent.withdrawn_at.isoformat() if consent.withdrawn_at else None,
            }
            for consent in signature.consents.select_related("partner")
        ],
        "listed_on_area_page": signature.listed,
        "remembered_devices": Device.objects.filter(email_digest=signature.email_digest).count(),
    }


def withdraw_consents(signature: Signature, consent_ids=None) -> int:
    """Withdraw the given consents (all, when None). Returns how many changed."""
    consents = Consent.objects.filter(signature=signature, withdrawn_at__isnull=True)
    if consent_ids is not None:
        consents = consents.filter(pk__in=list(consent_ids))
    changed = consents.update(withdrawn_at=timezone.now())
    if not signature.consents.filter(
        kind=Consent.Kind.ORGANISER, partner__isnull=True, withdrawn_at__isnull=True
    ).exists():
        # Updates from the organisers already queued for them do not go.
        forget_unsent([signature], Email.Kind.UPDATE)
    return changed


@transaction.atomic
def withdraw(signature: Signature) -> bool:
    """Take the signature out of the counts. Deliveries already made stay made."""
    withdrawn = {"status": Signature.Status.WITHDRAWN, "withdrawn_at": timezone.now()}
    # Confirmed first, on its own, so that we know it left the count.
    confirmed = Signature.objects.filter(pk=signature.pk, status=Signature.Status.CONFIRMED)
    counted = confirmed.update(**withdrawn, held_status="")
    if counted:
        record_transition(signature, -1)
        signature_withdrawn.send(
            sender=Signature, signature_ids=[signature.pk], campaign_id=signature.campaign_id
        )
    changed = counted or Signature.objects.filter(
        pk=signature.pk,
        status__in=[Signature.Status.PENDING, Signature.Status.QUARANTINED],
    ).update(**withdrawn, held_status="")
    forget_unsent([signature], Email.Kind.UPDATE)  # updates go to signers only
    signature.refresh_from_db()
    return bool(changed)


def was_delivered(signature: Signature) -> bool:
    """Whether a letter carrying this signature has gone out (see the erasure rule)."""
    return signature.delivered_in.exists()


@transaction.atomic
def erase(signature: Signature) -> None:
    """Wipe the supporter's personal data; see the module docstring for the rule."""
    keep_count = signature.status == Signature.Status.CONFIRMED and was_delivered(signature)
    if not keep_count:
        withdraw(signature)
    signature_erased.send(
        sender=Signature, signature_ids=[signature.pk], campaign_id=signature.campaign_id
    )
    Device.objects.filter(email_digest=signature.email_digest).delete()
    anonymise(Signature.objects.filter(pk=signature.pk))


def anonymise(signatures) -> int:
    """Wipe the personal data of these signatures, keeping status and area.

    They remain as anonymous tallies: counted if they counted, in the record
    of any delivery that carried them. Every private link stops working.
    """
    Consent.objects.filter(signature__in=signatures).delete()
    forget_unsent(signatures, Email.Kind.UPDATE)
    return signatures.update(
        **dict.fromkeys(SEALED),
        email_digest=b"",
        network_digest=None,
        listed=False,
        erased_at=timezone.now(),
        link_version=F("link_version") + 1,
    )


def unlist(signature: Signature) -> None:
    """Take the signer's name off their area's page (participation/), at once."""
    Signature.objects.filter(pk=signature.pk).update(listed=False)
    signature.listed = False


def revoke_links(signature: Signature) -> None:
    Signature.objects.filter(pk=signature.pk).update(link_version=F("link_version") + 1)
    signature.refresh_from_db(fields=["link_version"])


class AlreadyDelivered(Exception):
    """A delivered letter carries the signer's name and area: they stay as delivered."""


def delivered_on(signature: Signature):
    """When the first letter carrying this signature was made, or None."""
    first = signature.delivered_in.order_by("delivery__created_at").first()
    return first.delivery.created_at if first else None


def change_details(signature: Signature, *, first_name: str, last_name: str,
                   postal_code: str, chosen: dict) -> list[str]:  # fmt: skip
    """Change the signer's name and postal code, before any letter carries them.

    A new postal code takes the signature out of its areas and places it by
    the new one, with count events both ways (signatures/placing.py), so the
    tallies stay exact. Returns what changed.
    """
    changed = []
    with transaction.atomic():
        if was_delivered(signature):
            raise AlreadyDelivered
        if postal_code != signature.postal_code:
            country = signature.campaign.country if postal_code else ""
            try:
                placing.move(signature, country, postal_code, chosen)
            except placing.AlreadyDelivered as error:
                raise AlreadyDelivered from error
            changed.append("postal_code")
        names = {"first_name": first_name, "last_name": last_name}
        names = {name: value for name, value in names.items() if getattr(signature, name) != value}
        if names:
            for name, value in names.items():
                setattr(signature, name, value)
            signature.save(update_fields=list(names))
            changed += list(names)
    return changed


def give_consents(signature: Signature, given) -> int:
    """Record consents the signer gives from their page, with the words they saw."""
    record_consents(signature, given, timezone.now())
    return len(given)
