"""Where a postal code lies, and whom a signer's letter goes to."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from .models import Division, Official, PostalCodeDivision, SignatureDivision, TargetRule
from .postal import lookup_keys


def _current(prefix: str, day: datetime.date) -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_through__isnull": True}) | Q(**{f"{prefix}valid_through__gte": day})
    )


@dataclass
class Placement:
    """The current divisions a postal code lies in, as far as the data knows."""

    country: str
    postal_code: str
    divisions: list[Division] = field(default_factory=list)

    @property
    def known(self) -> bool:
        return bool(self.divisions)

    def of_type(self, division_type: str) -> list[Division]:
        return [division for division in self.divisions if division.type == division_type]

    def choices(self, types) -> dict[str, list[Division]]:
        """The needed types this code spans several divisions of: the signer chooses."""
        return {t: self.of_type(t) for t in types if len(self.of_type(t)) > 1}

    def covers(self, types) -> bool:
        return any(self.of_type(t) for t in types)

    def assign(self, chosen: dict[str, Division]) -> list[tuple[Division, str]]:
        """(division, how) for a signature: every type with one division, plus the
        signer's choices. A type with several divisions and no choice is left
        out: a signature is never counted in an area by guesswork."""
        placed = []
        for division in self.divisions:
            candidates = self.of_type(division.type)
            if len(candidates) == 1:
                placed.append((division, SignatureDivision.How.LOOKUP))
            elif chosen.get(division.type) == division:
                placed.append((division, SignatureDivision.How.CHOSEN))
        return placed


def place(country: str, postal_code: str, *, on: datetime.date | None = None) -> Placement:
    """Look a canonical postal code up, falling back to its prefixes (a UK
    district, a Canadian FSA) when the full code is not in the data."""
    country = country.upper()
    placement = Placement(country, postal_code)
    if not postal_code:
        return placement
    day = on or timezone.localdate()
    keys = lookup_keys(postal_code, country)
    links = list(
        PostalCodeDivision.objects.filter(country=country, postal_code__in=keys)
        .filter(_current("division__", day))
        .select_related("division")
        .order_by("division__type", "division__name", "division__ocd_id")
    )
    for key in keys:
        found = [link.division for link in links if link.postal_code == key]
        if found:
            placement.divisions = list({d.pk: d for d in found}.values())
            break
    return placement


def needed_types(campaign) -> list[str]:
    """The division types a campaign's target rules address, in rule order."""
    if campaign.pk is None:
        return []
    types = TargetRule.objects.filter(campaign=campaign).values_list("division_type", flat=True)
    return list(dict.fromkeys(types))


def officials_for(campaign, divisions, *, on: datetime.date | None = None) -> list[Official]:
    """The current officials a campaign's rules address in these divisions."""
    query = Q()
    rank: dict[tuple[str, str], tuple[int, int]] = {}
    for index, rule in enumerate(TargetRule.objects.filter(campaign=campaign)):
        ids = [division.pk for division in divisions if division.type == rule.division_type]
        if not ids:
            continue
        part = Q(division_id__in=ids)
        if rule.role_list:
            part &= Q(role__in=rule.role_list)
        query |= part
        for position, role in enumerate(rule.role_list or [""]):
            rank.setdefault((rule.division_type, role), (index, position))
    if not query:
        return []
    officials = (
        Official.objects.current(on)
        .filter(query)
        .select_related("division")
        .prefetch_related("contacts")
        .order_by("division__name", "name")
    )

    # In the order the campaign's rules name them: 'mayor, council' puts the mayor first.
    def order(official: Official) -> tuple[int, int]:
        key = (official.division.type, official.role)
        return rank.get(key) or rank.get((official.division.type, ""), (len(rank), 0))

    return sorted(officials, key=order)


@dataclass(frozen=True)
class Recipient:
    """One addressee of a signer's letter, as shown to the signer."""

    name: str
    office: str = ""
    division: str = ""  # OCD id, for addressees by area
    division_name: str = ""

    def __str__(self) -> str:
        parts = [self.name, self.office]
        return ", ".join(part for part in parts if part)


def fixed_recipients(campaign) -> list[Recipient]:
    recipients = []
    for target in campaign.targets.select_related("official"):
        official = getattr(target, "official", None)
        if official is not None and not target.name:
            recipients.append(Recipient(official.name, official.office))
        else:
            title = ", ".join(part for part in (target.title, target.organisation) if part)
            recipients.append(Recipient(target.name, title))
    return recipients


def recipients_for(campaign, divisions) -> list[Recipient]:
    """Whom a signer placed in these divisions writes to: the fixed targets, then
    the officials the campaign's rules find in the signer's areas."""
    by_area = [
        Recipient(o.name, o.office, o.division.ocd_id, o.division.name)
        for o in officials_for(campaign, divisions)
    ]
    return fixed_recipients(campaign) + by_area


def letter_recipients(signature) -> list[Recipient]:
    """Whom this signature's letter goes to, from the areas it was placed in."""
    return recipients_for(signature.campaign, signature_divisions(signature))


def signature_divisions(signature) -> list[Division]:
    return list(
        Division.objects.filter(
            pk__in=SignatureDivision.objects.filter(signature=signature).values("division_id")
        ).order_by("type", "name")
    )
