"""The areas step of the sign form: place the signer, ask when a code is ambiguous.

The sign form (signatures/forms.py) builds an AreaStep from the postal code
it was sent. When that code spans several divisions of a type the campaign
addresses (a ZIP split between two towns or districts), the step adds a
required radio choice; without JavaScript the form comes back with the
choice and everything else the signer typed, with JavaScript the page asks
before the first submit (static/undersigned/areas.js). It never guesses.
"""

from __future__ import annotations

from django import forms

from .lookup import Placement, needed_types, place
from .models import Division, type_label
from .postal import InvalidPostalCode, normalise_postal_code

FIELD_PREFIX = "area_"


def choice_label(division_type: str) -> str:
    return f"Which {type_label(division_type)} do you live in?"


class AreaStep:
    def __init__(self, campaign, raw_postal_code: str | None):
        self.campaign = campaign
        self.postal_code = ""
        self.placement: Placement | None = None
        self.fields: dict[str, forms.Field] = {}
        try:
            code = normalise_postal_code(
                " ".join((raw_postal_code or "").split())[:40], campaign.country
            )
        except InvalidPostalCode:
            return  # the postal code field reports it
        self.postal_code = code
        self.types = needed_types(campaign)
        self.placement = place(campaign.country, code)
        for division_type, candidates in self.placement.choices(self.types).items():
            label = type_label(division_type)
            self.fields[f"{FIELD_PREFIX}{division_type}"] = forms.ChoiceField(
                label=choice_label(division_type),
                choices=[(division.ocd_id, division.name) for division in candidates],
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Please choose your {label}: "
                    f"postal code {code} covers more than one.",
                    "invalid_choice": f"Please choose your {label} from the list.",
                },
            )

    def problem(self) -> str | None:
        """Why the postal code cannot be taken for this campaign, if it cannot."""
        if self.placement is None or not self.types:
            return None
        if self.placement.covers(self.types) or self.campaign.accept_outside_area:
            return None
        if not self.placement.known:
            return (
                f"We could not find the postal code {self.postal_code}. Please check it: "
                "this letter goes to the lawmakers of each signer's area."
            )
        wanted = " or ".join(type_label(t) for t in self.types)
        return f"The postal code {self.postal_code} is not in a {wanted} this campaign covers."

    def assignments(self, cleaned_data: dict) -> tuple[tuple[Division, str], ...]:
        """(division, how) pairs to store with the signature."""
        if self.placement is None:
            return ()
        chosen = {}
        for name in self.fields:
            division_type = name.removeprefix(FIELD_PREFIX)
            wanted = cleaned_data.get(name)
            match = [d for d in self.placement.of_type(division_type) if d.ocd_id == wanted]
            if match:
                chosen[division_type] = match[0]
        return tuple(self.placement.assign(chosen))
