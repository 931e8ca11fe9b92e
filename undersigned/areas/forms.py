"""The areas step of the sign form: place the signer, ask when a code is ambiguous,
and tell them plainly what waits for our data.

The sign form (signatures/forms.py) builds an AreaStep from the postal code
it was sent. When that code spans several divisions of a type the campaign
addresses (a ZIP split between two towns or districts), the step adds a
required radio choice, with "I'm not sure" among its answers; without
JavaScript the form comes back with the choice and everything else the
signer typed, with JavaScript the page asks before the first submit
(static/undersigned/areas.js). It never guesses.

It never refuses either. A code we do not know, a code with no link yet to an
area the campaign writes to, an area with no lawmaker on file, or a signer
who is not sure: the signature counts where it can be placed and waits for
the rest (signatures/placing.py places it once the data arrives). `notice()`
says so in plain words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .lookup import Placement, needed_types, place, reached_divisions
from .models import Division, type_label
from .postal import InvalidPostalCode, normalise_postal_code

FIELD_PREFIX = "area_"
# The answer of a signer who does not know which of the areas they live in.
UNSURE = "unsure"
UNSURE_LABEL = gettext_lazy("I'm not sure")


def choice_label(division_type: str) -> str:
    return _("Which %(area)s do you live in?") % {"area": type_label(division_type)}


def choice_field(division_type: str, candidates: Sequence[Division], code: str) -> forms.Field:
    """The question for a code spanning several areas of a type, "I'm not sure" last."""
    label = type_label(division_type)
    return forms.ChoiceField(
        label=choice_label(division_type),
        choices=[(d.ocd_id, d.public_name) for d in candidates] + [(UNSURE, UNSURE_LABEL)],
        widget=forms.RadioSelect,
        error_messages={
            "required": _(
                "Please choose your %(area)s, or “I'm not sure”: postal code %(code)s "
                "covers more than one."
            )
            % {"area": label, "code": code},
            "invalid_choice": _("Please choose your %(area)s from the list.") % {"area": label},
        },
    )


def notice(
    campaign, placement: Placement, placed: Iterable[Division], unsure: Iterable[str] = ()
) -> str:
    """What waits, in a signer's words ("" when nothing does).

    `placed` are the divisions the signature is (or will be) placed in,
    `unsure` the types whose area the signer could not choose.
    """
    placed, unsure = list(placed), set(unsure)
    missing, asks = [], []
    reached = reached_divisions(campaign, placed)
    for division_type in needed_types(campaign):
        label = type_label(division_type)
        mine = [d for d in placed if d.type == division_type]
        if mine:
            if not any(d.pk in reached for d in mine):
                missing.append(_("We don't have your %(area)s's lawmakers yet.") % {"area": label})
        elif len(placement.of_type(division_type)) > 1 and division_type not in unsure:
            continue  # the signer is still to choose: nothing to claim yet
        elif division_type in unsure:
            asks.append(
                _(
                    "Tell us which %(area)s you live in whenever you know (the e-mail we send "
                    "you has a link for that), and your letter goes to its lawmakers too."
                )
                % {"area": label}
            )
        elif not placement.known:
            code = placement.postal_code
            missing = [_("We don't know yet where postal code %(code)s lies.") % {"code": code}]
            break
        else:
            missing.append(
                _("We don't have your %(area)s for postal code %(code)s yet.")
                % {"area": label, "code": placement.postal_code}
            )
    if not missing and not asks:
        return ""
    if missing:
        missing.append(_("We'll deliver your letter as soon as we do."))
    # Nothing here says the signature counts: it may be unconfirmed, or held.
    return " ".join([*missing, *asks])


class AreaStep:
    def __init__(self, campaign, raw_postal_code: str | None):
        self.campaign = campaign
        self.postal_code = ""
        self.placement: Placement | None = None
        self.fields: dict[str, forms.Field] = {}
        self.types: list[str] = []
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
            self.fields[f"{FIELD_PREFIX}{division_type}"] = choice_field(
                division_type, candidates, code
            )

    def chosen(self, cleaned_data: dict) -> tuple[dict[str, Division], list[str]]:
        """The signer's answers: the areas they chose, and the types they were unsure of."""
        chosen: dict[str, Division] = {}
        unsure: list[str] = []
        if self.placement is None:
            return chosen, unsure
        for name in self.fields:
            division_type = name.removeprefix(FIELD_PREFIX)
            wanted = cleaned_data.get(name)
            if wanted == UNSURE:
                unsure.append(division_type)
            match = [d for d in self.placement.of_type(division_type) if d.ocd_id == wanted]
            if match:
                chosen[division_type] = match[0]
        return chosen, unsure

    def assignments(self, cleaned_data: dict) -> tuple[tuple[Division, str], ...]:
        """(division, how) pairs to store with the signature."""
        if self.placement is None:
            return ()
        chosen, _unsure = self.chosen(cleaned_data)
        return tuple(self.placement.assign(chosen))

    def notice(self, cleaned_data: dict | None = None) -> str:
        """What waits for this signer, given their answers so far."""
        if self.placement is None or not self.types:
            return ""
        chosen, unsure = self.chosen(cleaned_data or {})
        placed = [division for division, _how in self.placement.assign(chosen)]
        return notice(self.campaign, self.placement, placed, unsure)
