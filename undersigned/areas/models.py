"""Areas and the people who represent them.

A Division is an area with an Open Civic Data id. Postal codes link to
divisions many-to-many, each link saying how it was made. An Official holds an
office for a division and has contact points. A campaign addresses its letter
to fixed targets (campaigns.Target, optionally an Official) and/or by rule:
"the officials of each signer's division of type T holding roles R"
(TargetRule). A signature keeps the divisions it was placed in
(SignatureDivision): those are what counts per area.

Nothing here is US-only: the country is part of every postal key and of every
division id.
"""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Human names of the common division types, for labels and questions.
TYPE_LABELS = {
    "country": _("country"),
    "state": _("state"),
    "province": _("province"),
    "territory": _("territory"),
    "county": _("county"),
    "parish": _("parish"),
    "borough": _("borough"),
    "place": _("city or town"),
    "cd": _("congressional district"),
    "sldu": _("state senate district"),
    "sldl": _("state house district"),
    "ward": _("ward"),
    "ed": _("electoral district"),
    "council_district": _("council district"),
}

# Human names of the common roles (Open States, congress-legislators, the demo).
ROLE_LABELS = {
    "sen": _("U.S. senators"),
    "rep": _("U.S. representative"),
    "upper": _("state senator"),
    "lower": _("state representative"),
    "legislature": _("legislator"),
    "governor": _("governor"),
    "lt_governor": _("lieutenant governor"),
    "mayor": _("mayor"),
    "council": _("council"),
}


def type_label(division_type: str) -> str:
    return str(TYPE_LABELS.get(division_type, division_type.replace("_", " ")))


def country_of(ocd_id: str) -> str:
    """The ISO country code in an OCD id: 'ocd-division/country:us/...' -> 'US'."""
    parts = ocd_id.split("/")
    if len(parts) < 2 or not parts[1].startswith("country:"):
        return ""
    return parts[1].removeprefix("country:").upper()[:2]


def type_of(ocd_id: str) -> str:
    """The type of the last segment of an OCD id: '.../state:ma/cd:7' -> 'cd'."""
    return ocd_id.rsplit("/", 1)[-1].split(":", 1)[0]


def parent_of(ocd_id: str) -> str:
    """The OCD id one level up, or '' at the top."""
    head, _, _ = ocd_id.rpartition("/")
    return head if "/" in head else ""


def public_name(path: str = "") -> Coalesce:
    """The expression for a division's public name in a query: its display
    name when an organiser gave one, else the imported name. `path` leads to
    the division: "division__"."""
    return Coalesce(NullIf(f"{path}display_name", Value("")), f"{path}name")


def _today() -> datetime.date:
    return timezone.localdate()


class DivisionQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Divisions valid on a day (today by default); open-ended dates are valid."""
        day = on or _today()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_through__isnull=True) | Q(valid_through__gte=day),
        )


class Division(models.Model):
    """An area: a country, state, county, city, district, ward…"""

    ocd_id = models.CharField("OCD id", max_length=300, unique=True)
    country = models.CharField(max_length=2, editable=False)
    type = models.CharField(max_length=50, editable=False)
    name = models.CharField(max_length=300, help_text="As the last import named it.")
    # Set by organisers, never by an import: public pages and delivered lists
    # show it, so a source renaming "Somerville" to "Somerville city" changes
    # nothing a supporter or a lawmaker sees (the import reports the rename).
    display_name = models.CharField(
        max_length=300,
        blank=True,
        default="",
        # Imports insert rows without naming this column.
        db_default="",
        help_text="The name shown on public pages and in delivered letters. Imports never "
        "change it. Empty: the imported name.",
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    valid_from = models.DateField(null=True, blank=True)
    valid_through = models.DateField(
        null=True, blank=True, help_text="The last day the division exists, if it has ended."
    )
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other ids or names for the same area."
    )
    codes = models.JSONField(
        default=dict, blank=True, help_text="Codes from other schemes, e.g. census GEOIDs."
    )
    source = models.CharField(max_length=100, blank=True, help_text="The import that wrote it.")

    objects = DivisionQuerySet.as_manager()

    class Meta:
        ordering = ["ocd_id"]
        indexes = [models.Index(fields=["country", "type"], name="division_country_type")]

    def __str__(self) -> str:
        return self.public_name or self.ocd_id

    def save(self, *args, **kwargs):
        self.country = country_of(self.ocd_id)
        self.type = type_of(self.ocd_id)
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        """The organiser's name for the area if they gave one, else the imported one."""
        return self.display_name or self.name

    @property
    def type_label(self) -> str:
        return type_label(self.type)

    def is_current(self, day: datetime.date) -> bool:
        """As DivisionQuerySet.current(), for a division at hand."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_through is None or self.valid_through >= day
        )


class PostalCodeDivision(models.Model):
    """One link from a postal code (or postal prefix) to a division."""

    class Method(models.TextChoices):
        CONCORDANCE = "concordance", "Concordance table"
        AREA_SHARE = "area_share", "Share of area"
        CENTROID = "centroid", "Centroid"
        NAME_MATCH = "name_match", "Name match"
        MANUAL = "manual", "Manual"

    country = models.CharField(max_length=2)
    postal_code = models.CharField(
        max_length=16, help_text="Canonical form, or a prefix such as a UK district or CA FSA."
    )
    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="postal_codes")
    weight = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of the postal area in the division (0-1), when known.",
    )
    method = models.CharField(max_length=12, choices=Method.choices)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["country", "postal_code", "division"]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "postal_code", "division"], name="one_link_per_postal_division"
            ),
            models.CheckConstraint(
                condition=Q(weight__isnull=True) | Q(weight__gte=0, weight__lte=1),
                name="postal_weight_between_0_and_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.postal_code} → {self.division_id}"


class OfficialQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        day = on or _today()
        return self.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=day),
            Q(end_date__isnull=True) | Q(end_date__gte=day),
        )


class Official(models.Model):
    """A person holding an office for a division (a post, in Popolo's words)."""

    key = models.CharField(
        max_length=400,
        unique=True,
        editable=False,
        help_text="What re-imports match on: the person's id (or name), role and division.",
    )
    person_id = models.CharField(
        max_length=200, blank=True, help_text="The source's id for the person, if any."
    )
    name = models.CharField(max_length=200)
    office = models.CharField(max_length=200, help_text="As addressed: 'Mayor of Somerville'.")
    role = models.CharField(
        max_length=50, help_text="Short machine name: sen, rep, upper, lower, mayor, council…"
    )
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="officials")
    party = models.CharField(max_length=100, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)

    objects = OfficialQuerySet.as_manager()

    class Meta:
        ordering = ["division", "role", "name"]
        indexes = [models.Index(fields=["division", "role"], name="official_division_role")]

    def __str__(self) -> str:
        return f"{self.name}, {self.office}" if self.office else self.name

    def delivery_contact(self) -> ContactPoint | None:
        """The contact point letters go to (uses prefetched contacts when present)."""
        return next((c for c in self.contacts.all() if c.for_delivery), None)


class ContactPoint(models.Model):
    class Kind(models.TextChoices):
        EMAIL = "email", "E-mail"
        POSTAL = "postal", "Postal address"
        PHONE = "phone", "Phone"
        FAX = "fax", "Fax"
        WEB_FORM = "web_form", "Web form"

    # Only these carry a letter: by e-mail, or printed and posted.
    DELIVERABLE = (Kind.EMAIL, Kind.POSTAL)

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=500)
    label = models.CharField(max_length=100, blank=True, help_text="e.g. capitol, district")
    for_delivery = models.BooleanField(default=False)

    class Meta:
        ordering = ["official", "-for_delivery", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["official"], condition=Q(for_delivery=True), name="one_delivery_contact"
            ),
            models.CheckConstraint(
                condition=Q(for_delivery=False) | Q(kind__in=["email", "postal"]),
                name="delivery_contact_is_email_or_postal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class TargetRule(models.Model):
    """Address a campaign's letter to the officials of each signer's division of a type.

    Fixed addressees stay in campaigns.Target; a rule adds, for every signer,
    the current officials of the signer's division of `division_type` whose
    role is one of `roles` (every role when empty).
    """

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="target_rules"
    )
    division_type = models.CharField(
        max_length=50, help_text="e.g. place, county, state, cd, sldu, sldl, ward."
    )
    roles = models.CharField(
        max_length=200,
        blank=True,
        help_text="Comma-separated roles, e.g. 'mayor, council'. Empty: every official.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "order", "id"]

    def __str__(self) -> str:
        roles = ", ".join(self.role_list) or "all officials"
        return f"{roles} of the signer's {type_label(self.division_type)}"

    @property
    def description(self) -> str:
        """For signers: 'the mayor and council of your city or town'."""
        roles = [str(ROLE_LABELS.get(role, role.replace("_", " "))) for role in self.role_list]
        if len(roles) > 1:
            who = _("%(some)s and %(last)s") % {"some": ", ".join(roles[:-1]), "last": roles[-1]}
        else:
            who = roles[0] if roles else str(_("officials"))
        return _("the %(who)s of your %(area)s") % {
            "who": who,
            "area": type_label(self.division_type),
        }

    @property
    def role_list(self) -> list[str]:
        return [role.strip() for role in self.roles.split(",") if role.strip()]


class SignatureDivision(models.Model):
    """A division a signature was placed in. Per-area counts are made of these."""

    class How(models.TextChoices):
        LOOKUP = "lookup", "The postal code lies in this division only"
        CHOSEN = "chosen", "Chosen by the signer among several"

    signature = models.ForeignKey(
        "signatures.Signature", on_delete=models.CASCADE, related_name="division_links"
    )
    # Indexed below together with the signature, for counts per division.
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    how = models.CharField(max_length=8, choices=How.choices, default=How.LOOKUP)
    # The signature's campaign while its signer is listed on that campaign's
    # area pages (confirmed, ticked `listed`, not erased); NULL otherwise. It
    # lets an area page find its listed signers without walking everyone who
    # signed there. Database triggers write it whenever the signature's
    # status, `listed` or `erased_at` changes, whatever the code path (see
    # undersigned/participation/listing.py): never write it from Python.
    # No foreign key constraint: the signature's own campaign_id has one.
    listed_campaign = models.ForeignKey(
        "campaigns.Campaign",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["signature", "division"], name="one_placement_per_division"
            )
        ]
        indexes = [
            models.Index(fields=["division", "signature"], name="placement_division"),
            # Only listed signers' placements: an area page's names, in
            # signature order, however many signed there without asking.
            models.Index(
                fields=["listed_campaign", "division", "signature"],
                condition=Q(listed_campaign__isnull=False),
                name="placement_listed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.signature_id} in {self.division_id}"
