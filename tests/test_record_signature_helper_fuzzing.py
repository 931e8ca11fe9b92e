"""Whatever JSON (or not JSON) a tool sends to record_signature_helper, the
answer is 202 with exactly one signature and its one e-mail, or a 4xx with an
OSDI error body and nothing stored: never a 5xx, never a partial row.

Hypothesis sends OSDI bodies with spoiled values (wrong types, unicode, lone
surrogates escaped in JSON, control characters, huge strings, missing parts),
arbitrary JSON values, and bytes that are not JSON at all.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from undersigned.campaigns.models import FieldMode
from undersigned.integrations.keys import create_key
from undersigned.outbox.models import Email
from undersigned.privacy.identity import email_digest
from undersigned.signatures.models import Consent, Signature

from .conftest import make_campaign

pytestmark = pytest.mark.django_db

PATH = "/api/v1/petitions/fuzzed/record_signature_helper"

# Any text, lone surrogates included: JSON can carry them as \ud800 escapes.
TEXT = st.text(max_size=60)
HUGE = st.builds(lambda piece, times: piece * times, st.text(min_size=1, max_size=3),
                 st.integers(min_value=100, max_value=5000))  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)
WILD = st.one_of(JSON, HUGE, st.sampled_from(["", " ", "\x00", "\u202e", "\ud800", 0, -1, 1e308]))


EMAILS = st.one_of(
    st.emails(),
    st.sampled_from(["jane@example.org", "JANE+tag@Example.org", "jo@bücher.example"]),
)
# Each part of a body: what a tool would send. An example spoils a few of them.
PLAUSIBLE = {
    "address": EMAILS,
    "primary": st.just(True),
    "postal_code": st.from_regex(r"\A[0-9]{5}\Z"),
    "address_lines": st.just(["1 Main Street"]),
    "country": st.sampled_from(["US", "us"]),
    "given_name": st.sampled_from(["Jane", "José", "李", "O'Brien"]),
    "family_name": st.sampled_from(["Doe", "Müller", "ﻋﻠﻲ"]),
    "phone_numbers": st.just([{"number": "+1 617 555 0100"}]),
    "comments": st.just("Please act.\r\nThank you."),
    "undersigned:consents": st.lists(
        st.sampled_from(["contact", "delivery", "comment", "partner"]), max_size=3
    ),
    "undersigned:listed": st.booleans(),
    "undersigned:areas": st.just({"place": "unsure"}),
    "undersigned:vouch_confirmed": st.booleans(),
    "email_addresses": st.none(),  # spoiled: replaces the list
    "postal_addresses": st.none(),
    "person": st.none(),
}
OPTIONAL = {"primary", "address_lines", "country", "phone_numbers", "comments",
            "undersigned:consents", "undersigned:listed", "undersigned:areas",
            "undersigned:vouch_confirmed"}  # fmt: skip


@st.composite
def osdi_bodies(draw) -> dict:
    spoiled = draw(st.sets(st.sampled_from(sorted(PLAUSIBLE)), max_size=2))
    parts = {}
    for name, plausible in PLAUSIBLE.items():
        if name in spoiled:
            parts[name] = draw(WILD)
        elif name not in OPTIONAL or draw(st.booleans()):
            parts[name] = draw(plausible)

    def take(target: dict, *names: str) -> dict:
        target.update({name: parts[name] for name in names if name in parts})
        return target

    address = take({}, "address", "primary")
    postal = take({}, "postal_code", "address_lines", "country")
    person = take({}, "given_name", "family_name", "phone_numbers")
    person["email_addresses"] = parts.get("email_addresses") or [address]
    person["postal_addresses"] = parts.get("postal_addresses") or [postal]
    body = {"person": parts.get("person") or person}
    take(body, "comments", "undersigned:consents", "undersigned:listed", "undersigned:areas",
         "undersigned:vouch_confirmed")  # fmt: skip
    for name in ("identifiers", "referrer_data", "triggers"):
        if draw(st.booleans()):
            body[name] = draw(JSON)
    return body


REQUESTS = st.one_of(
    osdi_bodies().map(lambda body: ("application/json", json.dumps(body).encode())),
    osdi_bodies().map(lambda body: ("application/json", json.dumps(body)[:-1].encode())),
    JSON.map(lambda value: ("application/json", json.dumps(value).encode())),
    st.binary(max_size=200).map(lambda raw: ("application/json", raw)),
    osdi_bodies().map(lambda body: ("text/plain", json.dumps(body).encode())),
    osdi_bodies().map(lambda body: ("application/json", json.dumps(body).encode("utf-16"))),
)


def nothing_stored() -> bool:
    return not (
        Signature.objects.exists()
        or Consent.objects.exists()
        or Email.objects.exists()
        or DBTaskResult.objects.filter(task_path__startswith="undersigned.outbox.").exists()
    )


@pytest.fixture
def tools(db, settings):
    settings.API_REQUESTS_PER_MINUTE = 100_000  # this test is not about the rate limit
    make_campaign(
        slug="fuzzed",
        street_address_field=FieldMode.OPTIONAL,
        phone_field=FieldMode.OPTIONAL,
    )
    scopes = ["campaigns:read", "signatures:record"]
    return {
        "recording": create_key("Recorder", actor="test", scopes=scopes).token,
        "vouching": create_key("Voucher", actor="test", scopes=[*scopes, "signatures:vouch"]).token,
    }


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    # The keys and the campaign are shared by every example on purpose:
    # each example starts by deleting what the previous one stored.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=REQUESTS, key=st.sampled_from(["recording", "vouching"]))
def test_any_body_records_one_signature_or_says_why_and_stores_nothing(tools, request, key):
    Signature.objects.all().delete()
    DBTaskResult.objects.all().delete()
    content_type, raw = request

    response = Client().post(PATH, raw, content_type=content_type, HTTP_OSDI_API_TOKEN=tools[key])

    event(f"answered {response.status_code}")
    assert response["Content-Type"] == "application/hal+json"
    body = response.json()
    if response.status_code != 202:
        assert 400 <= response.status_code < 500, response.content
        descriptions = body["osdi:error"]["resource_status"][0]["error_descriptions"]
        assert descriptions and all(d["description"] for d in descriptions)
        assert nothing_stored()
        return
    sent = json.loads(raw)
    signature = Signature.objects.get()
    chosen = sent["person"]["email_addresses"][0]["address"]
    assert bytes(signature.email_digest) == email_digest(chosen)
    vouched = sent.get("undersigned:vouch_confirmed") is True
    assert body["undersigned:confirmation"] == ("vouched" if vouched else "email")
    assert signature.apparent_status == ("confirmed" if vouched else "pending")
    # The confirmation, or for a vouched signature its receipt: one e-mail.
    assert Email.objects.filter(signature=signature).count() == 1
