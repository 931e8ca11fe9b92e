"""The record_signature_helper's body, read into what the sign form takes.

OSDI's person (names, e-mail addresses, postal addresses, phone numbers) and
signature fields become the sign form's fields, so the API validates exactly
as the web form does (signatures/forms.py); the form's messages come back
naming the OSDI properties they are about. Fields OSDI defines that we do
not keep (identifiers, referrer data, action date, triggers, tags) are
accepted and ignored; a field of the wrong type is an error, never a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from undersigned.areas.forms import FIELD_PREFIX, UNSURE
from undersigned.campaigns.models import Campaign
from undersigned.signatures.forms import COMMENT_CONSENT, DELIVERY_CONSENT, SignForm

from .hal import ApiError, Problem

RESOURCE = "osdi:signature"
AREAS = "undersigned:areas"
CONSENTS = "undersigned:consents"
LISTED = "undersigned:listed"
VOUCH = "undersigned:vouch_confirmed"


def contact_field(partner_id: int | None) -> str:
    """The sign form's consent to hear from the key's own organisation."""
    return f"consent_partner_{partner_id}" if partner_id else "consent_organiser"


def consent_choices(form: SignForm, partner_id: int | None) -> dict[str, str]:
    """Consent name in the API -> the sign form's field, for those this key may
    record: to hear from its own organisation, about the delivery, and the
    comment going with the letter (each only where the form offers it)."""
    wanted = {
        "contact": contact_field(partner_id),
        "delivery": DELIVERY_CONSENT,
        "comment": COMMENT_CONSENT,
    }
    return {name: field for name, field in wanted.items() if field in form.fields}


@dataclass
class Body:
    """The helper's body as the sign form's data, with where each value came from."""

    data: dict[str, str] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    consents: list[str] = field(default_factory=list)
    areas: dict[str, str] = field(default_factory=dict)
    vouch: bool = False
    problems: list[Problem] = field(default_factory=list)

    def wrong_type(self, path: str, expected: str) -> None:
        self.problems.append(
            Problem(
                "INVALID_TYPE",
                _("%(path)s must be %(expected)s.") % {"path": path, "expected": expected},
                [path],
            )
        )

    def text(self, source: dict, key: str, path: str, form_field: str) -> None:
        value = source.get(key)
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.wrong_type(path, _("a string"))
            return
        self.data[form_field] = str(value)
        self.paths[form_field] = path


def parse_json(raw: bytes) -> dict:
    """The request body as a JSON object; ApiError 400 if it is not one."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        raise ApiError(
            400, [Problem("INVALID_JSON", _("The body is not valid JSON."))], RESOURCE
        ) from None
    if not isinstance(value, dict):
        raise ApiError(
            400, [Problem("INVALID_JSON", _("The body must be a JSON object."))], RESOURCE
        )
    return value


def chosen(body: Body, items: Any, path: str) -> tuple[dict | None, str]:
    """The primary entry of an OSDI list (or its first), and its path."""
    if items is None:
        return None, path
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        body.wrong_type(path, _("a list of objects"))
        return None, path
    for index, item in enumerate(items):
        if item.get("primary") is True:
            return item, f"{path}[{index}]"
    return (items[0], f"{path}[0]") if items else (None, path)


def read_person(body: Body, person: Any) -> None:
    if not isinstance(person, dict):
        body.wrong_type("person", _("an object"))
        return
    body.text(person, "given_name", "person.given_name", "first_name")
    body.text(person, "family_name", "person.family_name", "last_name")
    email, path = chosen(body, person.get("email_addresses"), "person.email_addresses")
    body.paths["email"] = f"{path}.address" if email is not None else path
    if email is not None:
        body.text(email, "address", f"{path}.address", "email")
    postal, path = chosen(body, person.get("postal_addresses"), "person.postal_addresses")
    body.paths["postal_code"] = f"{path}.postal_code" if postal is not None else path
    body.paths["street_address"] = f"{path}.address_lines" if postal is not None else path
    if postal is not None:
        body.text(postal, "postal_code", f"{path}.postal_code", "postal_code")
        body.text(postal, "country", f"{path}.country", "country")
        read_lines(body, postal.get("address_lines"), f"{path}.address_lines")
    phone, path = chosen(body, person.get("phone_numbers"), "person.phone_numbers")
    body.paths["phone"] = f"{path}.number" if phone is not None else path
    if phone is not None:
        body.text(phone, "number", f"{path}.number", "phone")


def read_lines(body: Body, lines: Any, path: str) -> None:
    if lines is None:
        return
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        body.wrong_type(path, _("a list of strings"))
        return
    body.data["street_address"] = ", ".join(line.strip() for line in lines if line.strip())


def read_extensions(body: Body, raw: dict) -> None:
    consents = raw.get(CONSENTS)
    if consents is not None:
        if not isinstance(consents, list) or not all(isinstance(name, str) for name in consents):
            body.wrong_type(CONSENTS, _("a list of strings"))
        else:
            body.consents = consents
    areas = raw.get(AREAS)
    if areas is not None:
        if not isinstance(areas, dict) or not all(isinstance(v, str) for v in areas.values()):
            body.wrong_type(AREAS, _("an object of strings"))
        else:
            body.areas = areas
    for name in (LISTED, VOUCH):
        if raw.get(name) is not None and not isinstance(raw.get(name), bool):
            body.wrong_type(name, _("true or false"))
    if raw.get(LISTED) is True:
        body.data["listed"] = "on"
    body.vouch = raw.get(VOUCH) is True


# Where each form field's value comes from when the body has none of it.
DEFAULT_PATHS = {
    "first_name": "person.given_name",
    "last_name": "person.family_name",
    "email": "person.email_addresses",
    "postal_code": "person.postal_addresses",
    "street_address": "person.postal_addresses",
    "phone": "person.phone_numbers",
    "comment": "comments",
    "listed": LISTED,
}


def read_body(raw: dict) -> Body:
    body = Body(paths=dict(DEFAULT_PATHS))
    if "person" not in raw:
        body.problems.append(Problem("FIELD_REQUIRED", _("Send the person who signs."), ["person"]))
    else:
        read_person(body, raw["person"])
    body.text(raw, "comments", "comments", "comment")
    read_extensions(body, raw)
    return body


def bound_form(campaign: Campaign, body: Body, partner_id: int | None) -> SignForm:
    """The sign form, bound to the body: its consents, and its area answers
    ("I'm not sure" where the caller sent none: the signer is never refused
    for a choice their tool did not ask)."""
    country = body.data.pop("country", "").strip().upper()
    if country and country != campaign.country:
        body.problems.append(
            Problem(
                "COUNTRY_NOT_TAKEN",
                _("This petition takes postal addresses in %(country)s.")
                % {"country": campaign.country},
                [body.paths.get("country", "person.postal_addresses")],
            )
        )
    form = SignForm(campaign, body.data)
    allowed = consent_choices(form, partner_id)
    for name in body.consents:
        if name in allowed:
            body.data[allowed[name]] = "on"
        else:
            body.problems.append(
                Problem(
                    "CONSENT_NOT_OFFERED",
                    _("“%(name)s” is not a consent this key may record here; it may record: "
                      "%(names)s.") % {"name": name[:40], "names": ", ".join(allowed) or "-"},
                    [CONSENTS],
                )
            )  # fmt: skip
    for name in form.areas.fields:
        body.data[name] = body.areas.get(name.removeprefix(FIELD_PREFIX), UNSURE)
        body.paths[name] = f"{AREAS}.{name.removeprefix(FIELD_PREFIX)}"
    return form


def form_problems(form: SignForm, body: Body) -> list[Problem]:
    """The form's messages, each naming the property it is about."""
    problems = []
    for name, errors in form.errors.as_data().items():
        fallback = CONSENTS if name.startswith("consent_") else name
        path = [] if name == "__all__" else [body.paths.get(name, fallback)]
        for error in errors:
            code = "FIELD_REQUIRED" if error.code == "required" else "INVALID_FIELD"
            for message in error.messages:
                problems.append(Problem(code, message, path))
    return problems
