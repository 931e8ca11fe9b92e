from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language, get_language_info

from .markup import render_markdown


class FieldMode(models.TextChoices):
    OFF = "off", "Not asked"
    OPTIONAL = "optional", "Optional"
    REQUIRED = "required", "Required"


def field_mode(default: str = FieldMode.OFF, **kwargs) -> models.CharField:
    return models.CharField(max_length=8, choices=FieldMode.choices, default=default, **kwargs)


class Partner(models.Model):
    """An organisation that co-sponsors campaigns."""

    name = models.CharField(max_length=200)
    url = models.URLField("link", blank=True)
    description = models.CharField("short description", max_length=500, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CampaignQuerySet(models.QuerySet):
    def public(self):
        return self.filter(status__in=[Campaign.Status.LIVE, Campaign.Status.CLOSED])

    def with_page_data(self):
        """With what the campaign page, the sign form and the sign action read:
        partners, fixed targets, area and delivery rules, the current letter."""
        return (
            self.select_related("share_image")
            .defer("share_image__data")
            .prefetch_related(
                "partners",
                "translations",
                "target_rules",
                "delivery_rules",
                models.Prefetch("targets", queryset=Target.objects.select_related("official")),
                models.Prefetch(
                    "letter_versions",
                    queryset=LetterVersion.objects.order_by("-number"),
                    to_attr="newest_letters",
                ),
            )
        )


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        LIVE = "live", "Live"
        CLOSED = "closed", "Closed"
        ARCHIVED = "archived", "Archived"

    class Kind(models.TextChoices):
        PETITION = "petition", "Petition"
        LETTER = "letter", "Sign-on letter"

    # The personal fields a form can ask, in the order the form shows them.
    # E-mail is always asked and required: it is how a signature is confirmed.
    PERSONAL_FIELDS = ("first_name", "last_name", "postal_code", "street_address", "phone")

    slug = models.SlugField(unique=True, max_length=80)
    # The language of the title, summary, body and letter below; translations
    # into other languages are CampaignTranslation rows.
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language of the title, summary, body and letter written here.",
    )
    delivery_language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text="The language of the letter the targets receive: this language's letter, "
        "with every signer listed whatever language they signed in. Without a letter in "
        "this language, the campaign's own language is used.",
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PETITION)
    summary = models.CharField(max_length=300, help_text="One or two sentences for listings.")
    body = models.TextField(help_text="Markdown. Rendered and sanitised on save.")
    body_html = models.TextField(editable=False, default="")
    organisation = models.CharField(
        max_length=200, help_text="Who runs the campaign, as named in consent text."
    )
    letter_subject = models.CharField(max_length=200)
    letter_body = models.TextField(
        help_text="Plain text. Editing a live campaign's letter records a new version."
    )
    addressee = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown as 'the letter we will send to …'. Defaults to the targets' names.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    goal = models.PositiveIntegerField(default=1000, validators=[MinValueValidator(1)])
    country = models.CharField(
        max_length=2, default="US", help_text="ISO country code of the postal codes asked."
    )
    partners = models.ManyToManyField(Partner, blank=True, related_name="campaigns")
    # Small-area protection (see undersigned/participation/ and docs/privacy.md).
    area_threshold = models.PositiveSmallIntegerField(
        "smallest public area",
        default=10,
        validators=[MinValueValidator(2)],
        help_text="An area with fewer confirmed signers shows 'fewer than N', lists nobody and "
        "has no dot on the map.",
    )

    first_name_field = field_mode(FieldMode.REQUIRED, verbose_name="first name")
    last_name_field = field_mode(FieldMode.REQUIRED, verbose_name="last name")
    postal_code_field = field_mode(FieldMode.REQUIRED, verbose_name="postal code")
    street_address_field = field_mode(verbose_name="street address")
    phone_field = field_mode(verbose_name="phone")
    comment_field = field_mode(FieldMode.OPTIONAL, verbose_name="comment")

    # Abuse resistance (see undersigned/abuse/).
    rate_limit_per_hour = models.PositiveIntegerField(
        default=100,
        help_text="Sign-ups per hour from one network (IPv4 /24, IPv6 /64) before each further "
        "one is asked for a short check. 0: no limit.",
    )
    proof_of_work = models.BooleanField(
        default=False,
        help_text="Under attack: every signer passes a short check (their browser solves a "
        "puzzle that grows harder as sign-ups surge; without JavaScript, a wait of a few "
        "seconds).",
    )

    # Dates: the worker opens a campaign whose launch was approved once
    # `opens_at` passes, and closes a live one once `closes_at` passes
    # (campaigns.actions.open_and_close_due).
    opens_at = models.DateTimeField("opens", null=True, blank=True)
    closes_at = models.DateTimeField("closes", null=True, blank=True)
    # Set by the launch action once the checklist passed: the campaign goes
    # live at once, or at `opens_at`.
    launch_approved_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Sharing: the text suggested for posts, and an optional picture
    # (ShareImage) for link previews.
    share_text = models.CharField(max_length=280, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("campaign", args=[self.slug])

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def is_public(self) -> bool:
        return self.status in {self.Status.LIVE, self.Status.CLOSED}

    def mode(self, name: str) -> str:
        if name == "email":
            return FieldMode.REQUIRED
        return getattr(self, f"{name}_field")

    @property
    def uploaded_share_image(self) -> ShareImage | None:
        try:
            return self.share_image
        except ShareImage.DoesNotExist:
            return None

    def current_letter(self, language: str | None = None) -> LetterVersion | None:
        """The newest letter in this language (the active one by default), or
        in the campaign's own language when it has not been translated."""
        wanted = language or get_language()
        if hasattr(self, "newest_letters"):  # with_page_data()
            letters = self.newest_letters
        else:
            letters = list(self.letter_versions.order_by("-number"))
        for code in (wanted, self.language):
            for letter in letters:
                if letter.language == code:
                    return letter
        return letters[0] if letters else None

    def delivery_letter(self) -> LetterVersion | None:
        return self.current_letter(self.delivery_language)

    def translation(self, language: str) -> CampaignTranslation | None:
        # translations.all() reads the prefetched rows of with_page_data().
        for translation in self.translations.all():
            if translation.language == language:
                return translation
        return None

    @property
    def text(self) -> CampaignText:
        """The title, summary, body and addressee in the active language when
        the campaign has them in it, otherwise in the campaign's own language."""
        language = get_language()
        if language != self.language:
            translation = self.translation(language)
            if translation is not None:
                return CampaignText(
                    language,
                    translation.title,
                    translation.summary,
                    translation.body_html,
                    # Never the other language's words in this one's sentence:
                    # without its own, the page names the targets or no one.
                    translation.addressee,
                )
        return CampaignText(self.language, self.title, self.summary, self.body_html, self.addressee)


@dataclass(frozen=True)
class CampaignText:
    language: str
    title: str
    summary: str
    body_html: str
    addressee: str


class CampaignTranslation(models.Model):
    """A campaign's title, summary, body and letter in another language.

    Its letter is versioned like the campaign's own (campaigns/actions.py):
    supporters reading this language sign its newest version.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300)
    body = models.TextField(help_text="Markdown. Rendered and sanitised on save.")
    body_html = models.TextField(editable=False, default="")
    letter_subject = models.CharField(max_length=200)
    letter_body = models.TextField(
        help_text="Plain text. Editing it on a live campaign records a new version."
    )
    addressee = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown as 'the letter we will send to …' in this language. "
        "Empty: the targets' names.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["campaign", "language"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="one_translation_each")
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} ({self.language})"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.campaign_id and self.language == self.campaign.language:
            raise ValidationError(
                {"language": "This is the campaign's own language: edit the campaign instead."}
            )


class ShareImage(models.Model):
    """The picture a campaign's shared links show, uploaded by its organisers.

    Kept in the database rather than on disk, so every web process (and a
    backup) has it without a shared volume; served from our own origin by
    its content hash, so a new picture is a new address.
    """

    campaign = models.OneToOneField(
        Campaign, on_delete=models.CASCADE, primary_key=True, related_name="share_image"
    )
    content_type = models.CharField(max_length=20)
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.width}x{self.height} {self.content_type}"

    def get_absolute_url(self) -> str:
        return reverse(
            "share_picture", args=[self.campaign.slug, f"{self.sha256[:16]}.{self.extension}"]
        )

    @property
    def extension(self) -> str:
        return self.content_type.rpartition("/")[2]


class LetterVersion(models.Model):
    """The exact letter text at one point in time; signatures point at one."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="letter_versions")
    # Each language's letter has its own numbers: v1, v2… in English, v1… in Spanish.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "language", "number"], name="one_letter_number_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign.slug} letter v{self.number} ({self.language})"

    @property
    def language_name(self) -> str:
        return get_language_info(self.language)["name_translated"]


class Target(models.Model):
    """A fixed addressee of a campaign's letter."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="targets")
    # An official from the imported data; their name and contacts then stay current.
    official = models.ForeignKey(
        "areas.Official",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixed_targets",
        help_text="Optional: address an imported official (name and contacts kept current).",
    )
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    postal_address = models.TextField(blank=True)
    email = models.EmailField(blank=True, help_text="Leave empty to deliver on paper.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["campaign", "order", "id"]

    def __str__(self) -> str:
        if self.official_id and not self.name:
            return str(self.official)
        return ", ".join(part for part in (self.name, self.title) if part)

    def clean(self) -> None:
        if not self.name and not self.official_id:
            raise ValidationError("Give the addressee's name, or choose an official.")


class DeliveryRule(models.Model):
    """When a campaign's letter goes out, and to whom.

    Local: each time the confirmed signers of one area of `division_type` reach
    a new multiple of `batch_size`, the letter goes to that area's officials
    (the campaign's target rules, areas.TargetRule). National: the letter goes
    to the campaign's fixed targets every `every_n` signers, at the goal, on
    demand from the admin and when the campaign closes.
    """

    class Kind(models.TextChoices):
        LOCAL = "local", "Local: each area's officials"
        NATIONAL = "national", "National: the fixed targets"

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="delivery_rules"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    division_type = models.CharField(
        max_length=50, blank=True, help_text="Local: the area type, e.g. place, county, sldl."
    )
    batch_size = models.PositiveIntegerField(
        default=100, help_text="Local: deliver every time an area reaches a multiple of this."
    )
    every_n = models.PositiveIntegerField(
        "every N signers",
        default=0,
        help_text="National: deliver every time the total reaches a multiple of this (0: no).",
    )
    deliver_at_goal = models.BooleanField(
        default=True, help_text="National: deliver when the campaign reaches its goal."
    )
    deliver_on_close = models.BooleanField(
        default=True, help_text="National: deliver the remaining signers when the campaign closes."
    )
    include_emails = models.BooleanField(
        "include signers' e-mail addresses",
        default=False,
        help_text="Off by default: the lists carry names and places only.",
    )

    class Meta:
        # Named for the app it was first written in (see migrations/0005).
        db_table = "deliveries_deliveryrule"
        ordering = ["campaign", "kind", "division_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "division_type"],
                condition=models.Q(kind="local"),
                name="one_local_rule_per_type",
            ),
            models.UniqueConstraint(
                fields=["campaign"], condition=models.Q(kind="national"), name="one_national_rule"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.LOCAL:
            return f"every {self.batch_size} signers in each {self.division_type}"
        return "to the fixed targets"

    def clean(self) -> None:
        if self.kind == self.Kind.LOCAL and not self.division_type:
            raise ValidationError({"division_type": "A local rule needs the area type."})
        if self.kind == self.Kind.LOCAL and self.batch_size < 1:
            raise ValidationError({"batch_size": "Deliver every 1 signer or more."})
