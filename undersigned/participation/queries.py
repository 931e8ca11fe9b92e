"""What the area pages show, read from the published numbers and the areas data.

Every function here runs a fixed number of queries, whatever the number of
areas or signers: the pages that call them are checked with assertNumQueries.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from undersigned.areas.lookup import needed_types, officials_for, placed_divisions
from undersigned.areas.models import Division, SignatureDivision, public_name
from undersigned.campaigns.models import DeliveryRule
from undersigned.deliveries.models import area_label
from undersigned.memo import Expiring
from undersigned.signatures.models import Signature

from .models import LocalGroup
from .published import NAMES_KEPT, names_of

# Most specific first: the area a signer is sent to when a campaign has no rules.
SPECIFIC_FIRST = ["ward", "place", "sldl", "sldu", "cd", "county", "parish", "borough", "state"]
# Names shown on an area page at most (earliest signers first, then sorted by name).
LISTED_LIMIT = 100
GROUPS_LIMIT = 50

# Kept per process (undersigned/memo.py); shared by its threads: read only.
_groups: Expiring[list[LocalGroup]] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=5_000)
_offices: Expiring[list[str]] = Expiring("CAMPAIGN_FRESH_SECONDS", max_entries=5_000)
_areas: Expiring[tuple[Division, list[Division]] | None] = Expiring(
    "AREA_LOOKUP_FRESH_SECONDS", max_entries=5_000
)


def area_url(campaign, division) -> str:
    """/c/<slug>/areas/country:us/state:ma/place:somerville/: the OCD id, readable."""
    return reverse("area", args=[campaign.slug, division.ocd_id.removeprefix("ocd-division/")])


def area_types(campaign) -> list[str]:
    """The division types a campaign is organised by: its local delivery rules'
    and its target rules' types (none for a campaign without either)."""
    # Through the relations: campaigns from campaigns/cache.py have them prefetched.
    types = [
        rule.division_type
        for rule in campaign.delivery_rules.all()
        if rule.kind == DeliveryRule.Kind.LOCAL
    ]
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
        return in_types, specific, division.public_name

    return sorted((d for d in divisions if d.type != "country"), key=rank)


def signer_area(signature) -> Division | None:
    """The area a signer's "find others near you" link goes to."""
    # One plain statement, written once: this runs on every confirmation.
    ranked = preferred(placed_divisions(signature.pk), area_types(signature.campaign))
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
    # Through the relation, like area_types(): prefetched on cached campaigns.
    # One rule per division type at most (a constraint).
    return next(
        (
            rule
            for rule in campaign.delivery_rules.all()
            if rule.kind == DeliveryRule.Kind.LOCAL and rule.division_type == division.type
        ),
        None,
    )


def local_groups(campaign, division: Division) -> list[LocalGroup]:
    """Groups of the campaign's partners in this area, in the areas around it, and
    (for a large area) in the areas inside it.

    Kept for CAMPAIGN_FRESH_SECONDS per process; saving a group or a partner
    clears it in the process that saves (apps.py, campaigns/cache.py)."""
    return _groups.get((campaign.pk, division.pk), lambda: _local_groups(campaign, division))


def _local_groups(campaign, division: Division) -> list[LocalGroup]:
    return list(
        LocalGroup.objects.filter(partner__campaigns=campaign)
        .filter(
            Q(division__ocd_id__in=[*ancestor_ids(division), division.ocd_id])
            | Q(division__ocd_id__startswith=division.ocd_id + "/")
        )
        .select_related("partner", "division")
        .order_by("division__ocd_id", "name", "pk")[:GROUPS_LIMIT]
    )


def offices(campaign, division: Division) -> list[str]:
    """Whom the campaign's letter goes to from this area: "the Mayor of
    Somerville", or the official's name when the office is not known.

    Kept for CAMPAIGN_FRESH_SECONDS per process: officials change with
    imports, the campaign's rules when staff edit it (which clears it)."""

    def read() -> list[str]:
        officials = officials_for(campaign, [division])
        return list(
            dict.fromkeys(
                _("the %(office)s") % {"office": o.office} if o.office else o.name
                for o in officials
            )
        )

    return _offices.get((campaign.pk, division.pk, get_language()), read)


def area_with_ancestors(ocd_id: str) -> tuple[Division, list[Division]] | None:
    """A division by its OCD id, and the divisions above it (outermost first).

    Kept per process like postal code look-ups (areas/lookup.py): only the
    importers change divisions, and they clear it in their own process."""

    def read() -> tuple[Division, list[Division]] | None:
        division = Division.objects.filter(ocd_id=ocd_id).first()
        if division is None:
            return None
        above = Division.objects.filter(ocd_id__in=ancestor_ids(division)).order_by("ocd_id")
        return division, list(above)

    return _areas.get(ocd_id, read)


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

    Who is shown is read at every view; their names once per publication and
    process (published.names_of), so a page of 100 names opens no sealed value.
    """
    # Driven by the partial index over listed signers' placements, in
    # signature order (see listing.py): it reads about LISTED_LIMIT + 1 rows
    # however many signed here and however few of them asked to be listed.
    # The signature's own columns are checked too, so a wrong flag could hide
    # a name but never show one: status and erasure in SQL, `listed` below.
    # (In SQL, `listed` would make PostgreSQL expect to read five placements
    # per name, as if the flag did not imply it, and plan a parallel scan
    # twenty times slower.)
    rows = (
        SignatureDivision.objects.filter(
            listed_campaign=campaign,
            division=division,
            signature__campaign=campaign,
            signature__status=Signature.Status.CONFIRMED,
            signature__erased_at__isnull=True,
            signature__confirmed_at__lte=as_of,
        )
        .order_by("signature_id")
        .values_list("signature_id", "signature__listed")
    )
    ids = [signature_id for signature_id, listed in rows[: LISTED_LIMIT + 1] if listed]
    more = len(ids) > LISTED_LIMIT
    ids = ids[:LISTED_LIMIT]
    kept = names_of(campaign.pk, as_of)
    names = {pk: name for pk in ids if (name := kept.get(pk)) is not None}
    missing = [pk for pk in ids if pk not in names]
    if missing:
        read = display_names(missing)
        names.update(read)
        if len(kept) + len(read) > NAMES_KEPT:
            kept.clear()
        kept.update(read)
    in_place = division.type == "place"
    shown = [
        Participant(names[pk][0], "" if in_place else names[pk][1]) for pk in ids if pk in names
    ]
    return sorted(shown, key=lambda p: (p.name.casefold(), p.city)), more


def display_names(signature_ids: list) -> dict:
    """Signature id -> ("Jane D.", the city or town they signed from)."""
    city = SignatureDivision.objects.filter(
        signature=OuterRef("pk"), division__type="place"
    ).values(shown=public_name("division__"))[:1]
    rows = (
        Signature.objects.filter(pk__in=signature_ids)
        .only("id", "first_name", "last_name")
        .annotate(city=Subquery(city))
    )
    return {row.pk: (row.display_name, row.city or "") for row in rows}
