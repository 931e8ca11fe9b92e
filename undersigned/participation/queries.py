"""What the area pages show, read from the published numbers and the areas data.

Every function here runs a fixed number of queries, whatever the number of
areas or signers: the pages that call them are checked with assertNumQueries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from undersigned.areas.lookup import needed_types
from undersigned.areas.models import Division, SignatureDivision
from undersigned.deliveries.models import DeliveryRule, area_label
from undersigned.signatures.models import Signature

from .models import LocalGroup

# Most specific first: the area a signer is sent to when a campaign has no rules.
SPECIFIC_FIRST = ["ward", "place", "sldl", "sldu", "cd", "county", "parish", "borough", "state"]
# Names shown on an area page at most (earliest signers first, then sorted by name).
LISTED_LIMIT = 100
GROUPS_LIMIT = 50


def area_url(campaign, division) -> str:
    """/c/<slug>/areas/country:us/state:ma/place:somerville/: the OCD id, readable."""
    return reverse("area", args=[campaign.slug, division.ocd_id.removeprefix("ocd-division/")])


def area_types(campaign) -> list[str]:
    """The division types a campaign is organised by: its local delivery rules'
    and its target rules' types (none for a campaign without either)."""
    types = list(
        DeliveryRule.objects.filter(campaign=campaign, kind=DeliveryRule.Kind.LOCAL).values_list(
            "division_type", flat=True
        )
    )
    types += needed_types(campaign)
    return list(dict.fromkeys(types))


def preferred(divisions: list[Division], types: list[str]) -> list[Division]:
    """Divisions ordered as a signer would look for themselves: the campaign's
    types first, then the most specific."""

    def rank(division: Division) -> tuple[int, int, str]:
        in_types = types.index(division.type) if division.type in types else len(types)
        specific = (
            SPECIFIC_FIRST.index(division.type)
            if division.type in SPECIFIC_FIRST
            else len(SPECIFIC_FIRST)
        )
        return in_types, specific, division.name

    return sorted((d for d in divisions if d.type != "country"), key=rank)


def signer_area(signature) -> Division | None:
    """The area a signer's "find others near you" link goes to."""
    divisions = [
        link.division
        for link in SignatureDivision.objects.filter(signature=signature).select_related("division")
    ]
    ranked = preferred(divisions, area_types(signature.campaign))
    return ranked[0] if ranked else None


def thanks_url(signature) -> str:
    """Where confirming (or signing from a remembered device) lands: the thank-you
    page, told the signer's area by its id so that "find others near you" can go
    straight there. Only the area travels in the URL, never a name, an e-mail
    address or a postal code."""
    url = reverse("thanks", args=[signature.campaign.slug])
    area = signer_area(signature)
    return f"{url}?area={area.pk}" if area else url


@dataclass(frozen=True)
class AreaLink:
    name: str
    url: str


def area_link(campaign, area_id: str | None) -> AreaLink | None:
    """The area named by a thank-you page's ?area=, if it is one."""
    if not area_id or not area_id.isascii() or not area_id.isdigit() or len(area_id) > 12:
        return None
    division = Division.objects.filter(pk=int(area_id)).first()
    if division is None:
        return None
    return AreaLink(area_label(division), area_url(campaign, division))


def ancestor_ids(division: Division) -> list[str]:
    """The OCD ids above this one: '…/country:us', '…/country:us/state:ma'."""
    parts = division.ocd_id.split("/")
    return ["/".join(parts[:i]) for i in range(2, len(parts))]


@dataclass(frozen=True)
class Progress:
    """How far an area is towards its next delivery."""

    count: int
    batch: int
    milestones: int

    @property
    def next(self) -> int:
        # A milestone once delivered stays delivered: after withdrawals, the
        # next one is still the next multiple beyond it.
        return (max(self.milestones, self.count // self.batch) + 1) * self.batch

    @property
    def remaining(self) -> int:
        return self.next - self.count

    @property
    def in_batch(self) -> int:
        return max(0, self.count - (self.next - self.batch))


def local_rule(campaign, division: Division) -> DeliveryRule | None:
    return DeliveryRule.objects.filter(
        campaign=campaign, kind=DeliveryRule.Kind.LOCAL, division_type=division.type
    ).first()


def local_groups(campaign, division: Division) -> list[LocalGroup]:
    """Groups of the campaign's partners in this area, in the areas around it, and
    (for a large area) in the areas inside it."""
    return list(
        LocalGroup.objects.filter(partner__campaigns=campaign)
        .filter(
            Q(division__ocd_id__in=[*ancestor_ids(division), division.ocd_id])
            | Q(division__ocd_id__startswith=division.ocd_id + "/")
        )
        .select_related("partner", "division")
        .order_by("division__ocd_id", "name", "pk")[:GROUPS_LIMIT]
    )


@dataclass(frozen=True)
class Participant:
    name: str
    city: str


def listed_participants(
    campaign, division: Division, as_of: datetime.datetime
) -> tuple[list[Participant], bool]:
    """The signers of this area who asked to be listed, as "Jane D." and their
    city; and whether there are more than the page shows.

    Only confirmed, not erased signatures confirmed by the time the numbers were
    published (so names appear together with the count that includes them).
    The earliest signers are shown; the list is sorted by name, so its order
    says nothing about who signed when.
    """
    city = SignatureDivision.objects.filter(
        signature=OuterRef("signature_id"), division__type="place"
    ).values("division__name")[:1]
    # Driven by the area's placements, in signature order (the index on
    # division and signature), so it stops after the first LISTED_LIMIT + 1
    # however many thousands signed here.
    rows = list(
        SignatureDivision.objects.filter(
            division=division,
            signature__campaign=campaign,
            signature__status=Signature.Status.CONFIRMED,
            signature__listed=True,
            signature__erased_at__isnull=True,
            signature__confirmed_at__lte=as_of,
        )
        .select_related("signature")
        .only("signature__id", "signature__first_name", "signature__last_name")
        .annotate(city=Subquery(city))
        .order_by("signature_id")[: LISTED_LIMIT + 1]
    )
    more = len(rows) > LISTED_LIMIT
    shown = [
        Participant(row.signature.display_name, row.city if division.type != "place" else "")
        for row in rows[:LISTED_LIMIT]
    ]
    return sorted(shown, key=lambda p: (p.name.casefold(), p.city)), more
