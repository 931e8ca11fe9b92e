"""Recipients: whom a delivery goes to, on which channel."""

from __future__ import annotations

from dataclasses import dataclass

from undersigned.areas.lookup import officials_for
from undersigned.areas.models import ContactPoint, Official
from undersigned.campaigns.models import Target

from .models import Delivery, DeliveryAttempt


@dataclass(frozen=True)
class Recipient:
    key: str
    name: str
    office: str
    channel: str
    address: str
    official: Official | None = None
    target: Target | None = None


def _contact_of(official: Official) -> ContactPoint | None:
    contacts = list(official.contacts.all())
    chosen = official.delivery_contact()
    if chosen is None:
        chosen = next((c for c in contacts if c.kind == ContactPoint.Kind.EMAIL), None)
    if chosen is None:
        chosen = next((c for c in contacts if c.kind == ContactPoint.Kind.POSTAL), None)
    return chosen


def official_recipient(official: Official, key: str) -> Recipient:
    contact = _contact_of(official)
    if contact is not None and contact.kind == ContactPoint.Kind.EMAIL:
        channel, address = DeliveryAttempt.Channel.EMAIL, contact.value
    else:
        channel, address = DeliveryAttempt.Channel.POSTAL, contact.value if contact else ""
    return Recipient(key, official.name, official.office, channel, address, official=official)


def recipients(delivery: Delivery) -> list[Recipient]:
    """Whom a delivery goes to: the area's officials by the campaign's target
    rules, or the campaign's fixed targets for a national delivery."""
    if delivery.division_id:
        return [
            official_recipient(official, f"official:{official.pk}")
            for official in officials_for(delivery.campaign, [delivery.division])
        ]
    found = []
    targets = delivery.campaign.targets.select_related("official").prefetch_related(
        "official__contacts"
    )
    for target in targets:
        key = f"target:{target.pk}"
        official = target.official
        from_official = official_recipient(official, key) if official else None
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
