"""The workspace's forms: the builder's (each validates a whole step before
anything is saved), the review queue's, the export's and the updates'."""

from __future__ import annotations

import io

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from undersigned.areas.coverage import TypeCoverage
from undersigned.areas.models import ROLE_LABELS, Division
from undersigned.campaigns.models import Campaign, Partner
from undersigned.counting.models import Tally
from undersigned.integrations.embeds import parse_origins
from undersigned.integrations.models import EventKind
from undersigned.integrations.origins import normalise_url
from undersigned.updates.models import Update

TEXT = {"class": "wide"}


class BasicsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["title", "slug", "kind", "summary", "body", "organisation", "goal"]
        labels = {
            "title": _("Title"),
            "slug": _("Address"),
            "kind": _("Kind"),
            "summary": _("Summary"),
            "body": _("The campaign page's text"),
            "organisation": _("Who runs the campaign"),
            "goal": _("Goal (signatures)"),
        }
        help_texts = {
            "slug": _(
                "The end of the page's address, /c/…/. Leave empty to make it from the title."
            ),
            "summary": _("One or two sentences for listings and link previews."),
            "body": _("Markdown: **bold**, *italic*, [links](https://…), lists, headings (##)."),
            "organisation": _("As named in the consent supporters give."),
        }
        widgets = {
            "body": forms.Textarea(attrs={"rows": 14}),
            "summary": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        if self.instance.launch_approved_at:
            self.fields["slug"].disabled = True
            self.fields["slug"].help_text = _("Fixed once launched: links to it are out there.")

    def clean_slug(self) -> str:
        slug = self.cleaned_data.get("slug") or slugify(self.cleaned_data.get("title", ""))[:80]
        if self.fields["slug"].disabled:
            return self.instance.slug
        if not slug:
            return ""  # the title's own error says what is missing
        base, n = slug, 2
        taken = Campaign.objects.exclude(pk=self.instance.pk)
        if self.data.get("slug"):
            if taken.filter(slug=slug).exists():
                raise forms.ValidationError(_("Another campaign has this address."))
            return slug
        while taken.filter(slug=slug).exists():  # made from the title: make it unique
            slug, n = f"{base[:75]}-{n}", n + 1
        return slug

    def validate_unique(self) -> None:
        # clean_slug has settled the slug; nothing else here is unique.
        pass


class LetterForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["letter_subject", "letter_body", "addressee"]
        labels = {
            "letter_subject": _("Subject"),
            "letter_body": _("Letter"),
            "addressee": _("Addressed to (as the campaign page says it)"),
        }
        help_texts = {
            "letter_body": _(
                "Plain text, one line per paragraph. A letter signed by supporters is "
                "kept as a version: changing it later starts a new one."
            ),
            "addressee": _("Optional: 'your state representative'. Empty: the targets' names."),
        }
        widgets = {"letter_body": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter_subject"].required = True
        self.fields["letter_body"].required = True


def role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return f"{label} ({role})" if label else role


class TargetRulesForm(forms.Form):
    """The picker: which area types' officials each signer writes to."""

    types = forms.MultipleChoiceField(
        label=_("Write to the officials of each signer's…"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args,
        coverage: list[TypeCoverage],
        roles: dict[str, list[tuple[str, int]]],
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.coverage = {c.division_type: c for c in coverage}
        types = self.fields["types"]
        assert isinstance(types, forms.MultipleChoiceField)
        types.choices = [(c.division_type, c.label) for c in coverage]
        for division_type, found in roles.items():
            if division_type not in self.coverage or len(found) < 2:
                continue
            self.fields[f"roles_{division_type}"] = forms.MultipleChoiceField(
                label=_("Only these offices (none ticked: every official)"),
                required=False,
                choices=[(role, f"{role_label(role)}: {n}") for role, n in found],
                widget=forms.CheckboxSelectMultiple,
            )

    def rules(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            (division_type, tuple(self.cleaned_data.get(f"roles_{division_type}") or ()))
            for division_type in self.cleaned_data["types"]
        ]

    def rows(self):
        """For the template: each type's box, numbers and office choices together."""
        boxes = {str(box.data["value"]): box for box in self["types"]}
        for division_type, coverage in self.coverage.items():
            roles = (
                self[f"roles_{division_type}"] if f"roles_{division_type}" in self.fields else None
            )
            yield {"box": boxes[division_type], "coverage": coverage, "roles": roles}


class TypedTargetForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    postal_address = forms.CharField(
        label=_("Postal address"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("email") or data.get("postal_address", "").strip()):
            raise forms.ValidationError(
                _("Give an e-mail or a postal address: the letter needs a way to reach them.")
            )
        return data


class DeliveryForm(forms.Form):
    batch_size = forms.IntegerField(
        label=_("Deliver to an area's officials every time its signers reach a multiple of"),
        min_value=1,
        max_value=1_000_000,
        initial=100,
    )
    every_n = forms.IntegerField(
        label=_("Deliver to the fixed targets every (signers in all; 0: never)"),
        min_value=0,
        max_value=10_000_000,
        initial=0,
    )
    deliver_at_goal = forms.BooleanField(
        label=_("Deliver to the fixed targets when the goal is reached"), required=False
    )
    deliver_on_close = forms.BooleanField(
        label=_("Final delivery of everyone not yet delivered when the campaign closes"),
        required=False,
    )
    include_emails = forms.BooleanField(
        label=_("Include signers' e-mail addresses in the list (off: names and places only)"),
        required=False,
    )

    def __init__(self, *args, local: bool, national: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not local:
            del self.fields["batch_size"]
        if not national:
            for name in ("every_n", "deliver_at_goal", "deliver_on_close"):
                del self.fields[name]


class FormSettingsForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [
            "first_name_field", "last_name_field", "postal_code_field", "street_address_field",
            "phone_field", "comment_field", "area_threshold", "country",
        ]  # fmt: skip
        labels = {
            "first_name_field": _("First name"),
            "last_name_field": _("Last name"),
            "postal_code_field": _("Postal code"),
            "street_address_field": _("Street address"),
            "phone_field": _("Phone"),
            "comment_field": _("Comment"),
            "area_threshold": _("Smallest area shown publicly"),
            "country": _("Country of the postal codes (ISO code)"),
        }

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise forms.ValidationError(_("Enter a two-letter country code, like US."))
        return country


class PartnersForm(forms.Form):
    partners = forms.ModelMultipleChoiceField(
        label=_("Co-sponsors"),
        queryset=Partner.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class NewPartnerForm(forms.ModelForm):
    url = forms.URLField(label=_("Web site"), required=False, assume_scheme="https")

    class Meta:
        model = Partner
        fields = ["name", "url", "description"]
        labels = {
            "name": _("Name"),
            "url": _("Web site"),
            "description": _("Short description"),
        }


class LocalGroupForm(forms.Form):
    partner = forms.ModelChoiceField(label=_("Partner"), queryset=Partner.objects.none())
    area = forms.CharField(
        label=_("Area"),
        max_length=300,
        help_text=_("Its name (Somerville) or its Open Civic Data id."),
    )
    name = forms.CharField(label=_("Group name"), max_length=200, required=False)
    email = forms.EmailField(label=_("Public e-mail address"), required=False)
    url = forms.URLField(label=_("Web page"), required=False, assume_scheme="https")
    meets = forms.CharField(label=_("When and where they meet"), max_length=300, required=False)

    def __init__(self, *args, partners, country: str, **kwargs):
        super().__init__(*args, **kwargs)
        partner = self.fields["partner"]
        assert isinstance(partner, forms.ModelChoiceField)
        partner.queryset = partners
        self.country = country

    def clean_area(self) -> Division:
        text = " ".join(self.cleaned_data["area"].split())
        found = list(
            Division.objects.current().filter(country=self.country).filter(ocd_id=text)[:1]
            or Division.objects.current().filter(country=self.country, name__iexact=text)[:6]
        )
        if not found:
            raise forms.ValidationError(_("No area of that name or id."))
        if len(found) > 1:
            ids = ", ".join(division.ocd_id for division in found[:5])
            raise forms.ValidationError(
                _("Several areas have that name; give the id of one: %(ids)s") % {"ids": ids}
            )
        return found[0]

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("email") or data.get("url") or data.get("meets")):
            raise forms.ValidationError(
                _("Say how people can reach the group: e-mail, web page or when they meet.")
            )
        return data


class DateInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self):
        super().__init__(format="%Y-%m-%dT%H:%M")


IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
IMAGE_MAX_BYTES = 2 * 1024 * 1024


class DatesForm(forms.ModelForm):
    image = forms.FileField(
        label=_("Picture for shared links"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 2 MB; 1200 by 630 pixels shows best."),
    )
    remove_image = forms.BooleanField(label=_("Remove the picture"), required=False)

    class Meta:
        model = Campaign
        fields = ["opens_at", "closes_at", "share_text"]
        labels = {
            "opens_at": _("Opens (empty: as soon as it is launched)"),
            "closes_at": _("Closes (empty: when you close it)"),
            "share_text": _("Suggested text for sharing"),
        }
        widgets = {"opens_at": DateInput(), "closes_at": DateInput()}

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The campaign must close after it opens."))
        return data

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if upload.size > IMAGE_MAX_BYTES:
            raise forms.ValidationError(_("The picture is larger than 2 MB."))
        data = upload.read()
        try:
            with Image.open(io.BytesIO(data)) as image:
                image.verify()
            with Image.open(io.BytesIO(data)) as image:
                kind, size = image.format, image.size
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            raise forms.ValidationError(_("This file is not a picture we can use.")) from None
        if kind not in IMAGE_TYPES:
            raise forms.ValidationError(_("Use a PNG, JPEG or WebP picture."))
        if min(size) < 100 or max(size) > 4096:
            raise forms.ValidationError(
                _("The picture must be between 100 and 4096 pixels on each side.")
            )
        return {
            "data": data,
            "content_type": IMAGE_TYPES[kind],
            "width": size[0],
            "height": size[1],
        }


class LaunchForm(forms.Form):
    acknowledged = forms.CharField(required=False, widget=forms.HiddenInput)
    understood = forms.BooleanField(required=False)


class PostalTestForm(forms.Form):
    postal_code = forms.CharField(label=_("Test a postal code"), max_length=40)


class ReviewFilterForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("Campaign"), queryset=Campaign.objects.all(), required=False
    )


class ApiKeyForm(forms.Form):
    """A new API key: whose it is, what it is for, what it may do."""

    label = forms.CharField(
        label=_("Label"), max_length=100, help_text=_("What uses it, e.g. “Our CRM”.")
    )
    partner = forms.ModelChoiceField(
        Partner.objects.all(),
        required=False,
        label=_("For"),
        empty_label=_("Our organisation"),
        help_text=_("A partner's key sees only the campaigns it co-sponsors, and of their "
                    "supporters only those who consented to hear from that partner."),
    )  # fmt: skip
    scopes = forms.MultipleChoiceField(
        label=_("It may"),
        widget=forms.CheckboxSelectMultiple,
        initial=["campaigns:read"],
        choices=[
            ("campaigns:read", _("read campaigns and counts")),
            ("supporters:read", _("read the supporters who consented to this organisation")),
            ("signatures:record", _("record signatures (each confirmed by e-mail)")),
        ],
    )
    vouch = forms.BooleanField(
        required=False,
        label=_("Trust it to vouch for confirmed addresses"),
        help_text=_(
            "Signatures it vouches for count at once, with no confirmation e-mail from us. Only "
            "for a tool that confirms each address itself. Every such signature is audited."
        ),
    )

    def clean(self):
        data = super().clean()
        if data.get("vouch") and "signatures:record" not in data.get("scopes", []):
            self.add_error("vouch", _("Only a key that records signatures can vouch."))
        return data

    def chosen_scopes(self) -> list[str]:
        scopes = list(self.cleaned_data["scopes"])
        return [*scopes, "signatures:vouch"] if self.cleaned_data["vouch"] else scopes


class EmbedOriginsForm(forms.Form):
    origins = forms.CharField(
        label=_("Sites that may show this campaign's form and badge"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line, as https://partner.example.org (no path). Browsers refuse to show "
            "the form in a frame on any other site."
        ),
    )

    def clean_origins(self) -> list[str]:
        return parse_origins(self.cleaned_data.get("origins", ""))


class WebhookForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100, help_text=_("e.g. “Our CRM”."))
    partner = forms.ModelChoiceField(
        Partner.objects.all(),
        required=False,
        label=_("For"),
        empty_label=_("Our organisation"),
        help_text=_("A signer's details go only to the organisation they consented to hear from."),
    )
    url = forms.CharField(
        label=_("Address"),
        max_length=500,
        help_text=_("Where we POST each event: https://…, on a public address."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        widget=forms.CheckboxSelectMultiple,
        choices=EventKind.choices,
        initial=list(EventKind.values),
    )

    def clean_url(self) -> str:
        return normalise_url(self.cleaned_data.get("url", ""))


class ProtectionForm(forms.Form):
    """A live campaign's defence against automated sign-ups (abuse/checks.py)."""

    rate_limit_per_hour = forms.IntegerField(
        label=_("Sign-ups an hour from one network before each further one is checked"),
        help_text=_(
            "0: no limit. A network is an IPv4 /24 or an IPv6 /64: a campus, an office, a "
            "mobile carrier. People past the limit pass a short check; nobody is refused."
        ),
        min_value=0,
        max_value=1_000_000,
    )
    proof_of_work = forms.BooleanField(
        label=_("Check every signer (while under attack)"),
        help_text=_(
            "Each signer's browser solves a puzzle that grows harder as sign-ups surge; "
            "without JavaScript, the signer waits a few seconds."
        ),
        required=False,
    )


class ExportForm(forms.Form):
    """Which supporters an organiser's export holds."""

    OPTED_IN = "opted_in"
    CONFIRMED = "confirmed"

    who = forms.ChoiceField(
        label=_("Supporters"),
        choices=[
            (OPTED_IN, _("Confirmed signers who agreed to hear from the organisers")),
            (CONFIRMED, _("Every confirmed signer (the opt-in column says who agreed)")),
        ],
        initial=OPTED_IN,
        widget=forms.RadioSelect,
    )


class AreaChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Division) -> str:
        return f"{obj.public_name} ({obj.type})"


class UpdateForm(forms.ModelForm):
    """An update to supporters: its words and, optionally, one area."""

    class Meta:
        model = Update
        fields = ["subject", "body", "area"]
        labels = {"subject": _("Subject"), "body": _("Message"), "area": _("Only in this area")}
        help_texts = {
            "body": _("Markdown: **bold**, *italic*, [links](https://…), lists."),
            "area": _(
                "Leave empty to write to every confirmed signer who agreed to hear from you."
            ),
        }
        widgets = {"body": forms.Textarea(attrs={"rows": 12})}
        field_classes = {"area": AreaChoice}

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        assert isinstance(area, forms.ModelChoiceField)
        # The areas the campaign has confirmed signers in.
        area.queryset = Division.objects.filter(
            pk__in=Tally.objects.filter(
                campaign=campaign, division__isnull=False, confirmed__gt=0
            ).values("division_id")
        ).order_by("type", "name")
        area.empty_label = _("Every area")
