"""The sign form, built from a campaign's form settings.

Everything a signer types is validated and normalised here, at the edge:
control characters and line breaks never reach a name, an e-mail header or
the database, and every problem becomes a message next to its field.
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from undersigned.addresses import InvalidAddress, checked
from undersigned.areas.forms import AreaStep
from undersigned.areas.postal import InvalidPostalCode, normalise_postal_code
from undersigned.campaigns.models import Campaign, FieldMode

from .actions import ConsentGiven, SignerDetails
from .models import Consent, Device

# Zero-width joiners are part of how some scripts write names; every other
# control or format character (including bidi overrides) is dropped.
KEEP_FORMAT_CHARS = {"\u200c", "\u200d"}
PHONE = re.compile(r"^\+?[0-9 ().-]{5,30}$")

LABELS = {
    "first_name": _("First name"),
    "last_name": _("Last name"),
    "email": _("E-mail"),
    "postal_code": _("Postal code"),
    "street_address": _("Street address"),
    "phone": _("Phone"),
    "comment": _("Comment"),
}
LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "postal_code": 16,
    "street_address": 200,
    "phone": 30,
    "comment": 2000,
}
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "email": "email",
    "postal_code": "postal-code",
    "street_address": "street-address",
    "phone": "tel",
}


def strip_controls(value: str, *, keep_newlines: bool = False) -> str:
    value = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    out = []
    for char in value:
        if char == "\n" and keep_newlines:
            out.append(char)
        elif char in "\n\t":
            out.append(" ")
        elif unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co"} and (
            char not in KEEP_FORMAT_CHARS
        ):
            continue
        else:
            out.append(char)
    text = "".join(out)
    if keep_newlines:
        lines = [" ".join(line.split()) for line in text.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return " ".join(text.split())


DELIVERY_CONSENT = "consent_delivery"


def consent_texts(campaign: Campaign) -> dict[str, tuple[str, object]]:
    """Field name -> (the exact consent text shown, in the signer's language; partner or None)."""
    texts = {
        "consent_organiser": (
            gettext("Yes, %(organisation)s may e-mail me about this and other campaigns.")
            % {"organisation": campaign.organisation},
            None,
        )
    }
    for partner in campaign.partners.all():
        texts[f"consent_partner_{partner.pk}"] = (
            gettext("Yes, %(partner)s may e-mail me about their work.") % {"partner": partner.name},
            partner,
        )
    # Offered where the letter is delivered; never pre-ticked; one short e-mail, once.
    if campaign.pk and campaign.delivery_rules.exists():
        texts[DELIVERY_CONSENT] = (
            gettext("E-mail me when the letter with my name is delivered."),
            None,
        )
    return texts


COMMENT_CONSENT = "consent_comment"
COMMENT_LABEL = _("Include my comment, with my name, in the letter delivered to the lawmakers")

LISTED_LABEL = _("List my first name and city on this campaign's page for my area")


class SignForm(forms.Form):
    # Never ticked for the signer; shown as "Jane D., Somerville" (participation/).
    listed = forms.BooleanField(required=False, label=LISTED_LABEL)
    remember = forms.BooleanField(
        required=False,
        label=_("Remember me on this device"),
        help_text=_(
            "After you confirm, this browser keeps a random key so you can sign other campaigns "
            "without retyping. No personal data is stored in it."
        ),
    )

    def __init__(self, campaign: Campaign, *args, device: Device | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.device = device
        personal = [*Campaign.PERSONAL_FIELDS[:2], "email", *Campaign.PERSONAL_FIELDS[2:]]
        fields = {}
        for name in [*personal, "comment"]:
            mode = campaign.mode(name)
            if mode == FieldMode.OFF or self.saved(name):
                continue
            fields[name] = self.make_field(name, required=mode == FieldMode.REQUIRED)
        self.consents = consent_texts(campaign)
        for name, (text, _partner) in self.consents.items():
            fields[name] = forms.BooleanField(required=False, label=text)
        if device is not None:
            del self.fields["remember"]
        if campaign.mode("postal_code") == FieldMode.OFF:
            del self.fields["listed"]  # no postal code, no area page to be listed on
        else:
            self.fields["listed"].help_text = gettext(
                "Shown as your first name and last initial (“Jane D.”) with your city, once "
                "%(threshold)s people in your area have signed. Never your e-mail, street or "
                "postal code."
            ) % {"threshold": campaign.area_threshold}
        if "comment" in fields:
            self._explain_comment(campaign, fields)
        self.fields = {**fields, **self.fields}
        # Place the signer from the postal code sent; when it spans several
        # areas the campaign addresses, a required choice joins the form.
        self.areas = AreaStep(campaign, self._postal_code_sent())
        self.fields.update(self.areas.fields)

    def _explain_comment(self, campaign: Campaign, fields: dict[str, forms.Field]) -> None:
        """Say who reads the comment; where a letter is delivered, the signer may
        send it with their name to the lawmakers (a consent, recorded with its words)."""
        delivered = bool(campaign.pk) and campaign.delivery_rules.exists()
        if not delivered:
            fields["comment"].help_text = gettext(
                "Only %(organisation)s reads your comment. It is not published or sent on."
            ) % {"organisation": campaign.organisation}
            return
        fields["comment"].help_text = gettext(
            "%(organisation)s reads your comment. It goes to the lawmakers, with your name, "
            "only if you tick the box below. It is never shown on this site."
        ) % {"organisation": campaign.organisation}
        fields[COMMENT_CONSENT] = forms.BooleanField(required=False, label=COMMENT_LABEL)

    def _postal_code_sent(self) -> str | None:
        if not self.is_bound:
            return None
        if "postal_code" in self.fields:
            return self.data.get("postal_code")
        return self.device.postal_code if self.saved("postal_code") else None

    def area_notice(self) -> str:
        """What waits for this signer's data, once the form is valid (areas/forms.py)."""
        return self.areas.notice(self.cleaned_data)

    def full_clean(self) -> None:
        super().full_clean()
        # Tie each error message to its input for screen readers.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}_error"}
                )

    def saved(self, name: str) -> bool:
        if self.device is None or not getattr(self.device, name, ""):
            return False
        # A remembered postal code only fits campaigns in the same country.
        return name != "postal_code" or self.device.country == self.campaign.country

    def make_field(self, name: str, *, required: bool) -> forms.Field:
        attrs = {"autocomplete": AUTOCOMPLETE.get(name, "off")}
        # A raw value past max_length is refused before cleaning; the message
        # still names the limit that _limit() applies after cleaning.
        # The same sentence as _limit()'s, with the placeholders Django's
        # max_length check fills in (it knows the raw length as show_value).
        message = gettext("Please shorten this to %(limit)d characters (it has %(count)d).")
        too_long = {
            "max_length": message.replace("%(limit)d", str(LIMITS[name])).replace(
                "%(count)d", "%(show_value)d"
            )
        }
        if name == "comment":
            field = forms.CharField(
                label=LABELS[name],
                required=required,
                strip=False,
                widget=forms.Textarea(attrs={"rows": 4, **attrs}),
                max_length=LIMITS[name] * 4,
                error_messages=too_long,
            )
            # Browsers count a line break as one character but send it as two
            # (CRLF), so the limit is checked after cleaning, not on the raw text.
            field.widget.attrs["maxlength"] = str(LIMITS[name])
            return field
        if name == "email":
            attrs["inputmode"] = "email"
        if name == "phone":
            attrs["inputmode"] = "tel"
        field = forms.CharField(
            label=LABELS[name],
            required=required,
            strip=False,
            widget=forms.TextInput(attrs=attrs),
            # The raw value may be longer than the limit (control characters
            # and spaces are dropped in cleaning); the cleaned one may not.
            max_length=LIMITS[name] * 4,
            error_messages=too_long,
        )
        # Browsers stop typing at the same limit the server checks after
        # cleaning: maxlength counts UTF-16 units, never fewer than the
        # characters counted here, so nothing the browser lets through is refused.
        field.widget.attrs["maxlength"] = str(LIMITS[name])
        return field

    def _limit(self, name: str, value: str) -> str:
        if len(value) > LIMITS[name]:
            raise forms.ValidationError(
                gettext("Please shorten this to %(limit)d characters (it has %(count)d).")
                % {"limit": LIMITS[name], "count": len(value)}
            )
        return value

    def _clean_line(self, name: str) -> str:
        value = strip_controls(self.cleaned_data.get(name, ""))
        if self.fields[name].required and not value:
            raise forms.ValidationError(gettext("This field is required."))
        return self._limit(name, value)

    def clean_first_name(self) -> str:
        return self._clean_line("first_name")

    def clean_last_name(self) -> str:
        return self._clean_line("last_name")

    def clean_street_address(self) -> str:
        return self._clean_line("street_address")

    def clean_comment(self) -> str:
        value = strip_controls(self.cleaned_data.get("comment", ""), keep_newlines=True)
        if self.fields["comment"].required and not value:
            raise forms.ValidationError(gettext("This field is required."))
        return self._limit("comment", value)

    def clean_email(self) -> str:
        raw = self.cleaned_data.get("email", "")
        if any(unicodedata.category(char) == "Cc" for char in raw):
            raise forms.ValidationError(
                gettext("An e-mail address cannot contain line breaks or other control characters.")
            )
        value = raw.strip()
        self._limit("email", value)
        try:
            # IDNA 2008 for the domain; no quoted local part, IP literal or
            # localhost (undersigned/addresses.py says why).
            checked(value)
        except InvalidAddress:
            raise forms.ValidationError(
                gettext("Enter an e-mail address like name@example.org.")
            ) from None
        return value

    def clean_postal_code(self) -> str:
        value = strip_controls(self.cleaned_data.get("postal_code", ""))
        if not value:
            if self.fields["postal_code"].required:
                raise forms.ValidationError(gettext("This field is required."))
            return ""
        try:
            return normalise_postal_code(value[:40], self.campaign.country)
        except InvalidPostalCode as error:
            raise forms.ValidationError(str(error)) from None

    def clean_phone(self) -> str:
        value = strip_controls(self.cleaned_data.get("phone", ""))
        if not value:
            if self.fields["phone"].required:
                raise forms.ValidationError(gettext("This field is required."))
            return ""
        self._limit("phone", value)
        if not PHONE.match(value) or sum(char.isdigit() for char in value) < 5:
            raise forms.ValidationError(
                gettext("Enter a phone number using digits, spaces and + ( ) -.")
            )
        return value

    def details(self) -> SignerDetails:
        """The signer's details: what they typed, and what the device remembered."""
        data = self.cleaned_data
        values = {}
        for name in ("first_name", "last_name", "email", "postal_code", "street_address", "phone"):
            if name in self.fields:
                values[name] = data.get(name, "")
            elif self.saved(name) and self.campaign.mode(name) != FieldMode.OFF:
                values[name] = getattr(self.device, name)
        return SignerDetails(
            **values,
            country=self.campaign.country if values.get("postal_code") else "",
            comment=data.get("comment", ""),
            divisions=self.areas.assignments(data),
            listed=bool(data.get("listed")),
        )

    def consents_given(self) -> list[ConsentGiven]:
        given = []
        if self.cleaned_data.get(COMMENT_CONSENT) and self.cleaned_data.get("comment"):
            given.append(ConsentGiven(kind=Consent.Kind.COMMENT, text=str(COMMENT_LABEL)))
        for name, (text, partner) in self.consents.items():
            if self.cleaned_data.get(name):
                kind = Consent.Kind.PARTNER if partner else Consent.Kind.ORGANISER
                if name == DELIVERY_CONSENT:
                    kind = Consent.Kind.DELIVERY
                given.append(ConsentGiven(kind=kind, text=text, partner=partner))
        return given

    @property
    def personal_fields(self):
        return [self[name] for name in self.fields if name in LABELS]

    @property
    def comment_consent(self):
        return self[COMMENT_CONSENT] if COMMENT_CONSENT in self.fields else None

    @property
    def consent_fields(self):
        return [self[name] for name in self.consents]

    @property
    def area_fields(self):
        return [self[name] for name in self.areas.fields]


class ChangeForm(SignForm):
    """The signer's own page: change their name and postal code.

    The same fields, cleaning and area step as the sign form, less everything
    else. A new postal code that spans several areas the campaign writes to
    asks which (or "I'm not sure"), as signing does.
    """

    CHANGEABLE = ("first_name", "last_name", "postal_code")

    def __init__(self, signature, *args, **kwargs):
        super().__init__(signature.campaign, *args, **kwargs)
        self.signature = signature
        same_code = self._postal_code_sent() in (None, signature.postal_code) or (
            self.areas.postal_code == signature.postal_code
        )
        for name in list(self.fields):
            keep = name in self.CHANGEABLE or (name in self.areas.fields and not same_code)
            if not keep:
                del self.fields[name]
        for name in self.CHANGEABLE:
            if name in self.fields:
                self.fields[name].initial = getattr(signature, name)

    def chosen(self) -> dict:
        """The areas chosen for a new postal code, by type."""
        chosen, _unsure = self.areas.chosen(self.cleaned_data)
        return chosen
