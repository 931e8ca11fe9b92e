"""Scope and isolation, as a table: every endpoint of the API, asked with no
key, a revoked key, partner A's, partner B's and the organisation's, answers
exactly this status with exactly these records.

Partner A and B co-sponsor "shared"; only A co-sponsors "a-only"; A also
co-sponsors a draft nobody sees. Each supporter consented to hear from whom
their name says (docs/api.md, "Who sees what").
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from undersigned.privacy.models import AuditEntry

from .partners_tools import partners_world, person

pytestmark = pytest.mark.django_db

WHO = ["no_key", "revoked", "partner_a", "partner_b", "organiser"]
DENIED = (401, 401)


def row(*values):
    return dict(zip(WHO, values, strict=True))


@pytest.fixture
def world():
    return partners_world()


def ask(world, who: str, method: str, path: str, body: dict | None = None):
    headers = {} if who == "no_key" else {"HTTP_OSDI_API_TOKEN": world.tokens[who]}
    client = Client()
    if method == "POST":
        return client.post(path, json.dumps(body), content_type="application/json", **headers)
    return client.generic(method, path, **headers)


def records(response) -> list[str] | None:
    """The identifiers of what an answer carries: a collection's embedded rows, or
    the one resource; None for an error."""
    body = response.json()
    if "osdi:error" in body:
        return None
    embedded = body.get("_embedded", {})
    for relation in ("osdi:petitions", "osdi:signatures"):
        if relation in embedded:
            return sorted(item["identifiers"][0] for item in embedded[relation])
    return body.get("identifiers")


def sig(world, name: str) -> str:
    return f"undersigned:{world.signatures[name].pk}"


def expected(world) -> dict:
    s = world.signatures
    petitions = "/api/v1/petitions"
    return {
        # (method, path): (statuses by who, records by who where 2xx)
        ("GET", "/api/v1/"): (row(200, 200, 200, 200, 200), {}),
        ("GET", petitions): (
            row(*DENIED, 200, 200, 200),
            {
                "partner_a": ["undersigned:a-only", "undersigned:shared"],
                "partner_b": ["undersigned:shared"],
                "organiser": ["undersigned:a-only", "undersigned:shared"],
            },
        ),
        ("GET", f"{petitions}/shared"): (row(*DENIED, 200, 200, 200), {}),
        ("GET", f"{petitions}/a-only"): (row(*DENIED, 200, 404, 200), {}),
        ("GET", f"{petitions}/a-draft"): (row(*DENIED, 404, 404, 404), {}),
        ("GET", f"{petitions}/no-such-thing"): (row(*DENIED, 404, 404, 404), {}),
        ("GET", f"{petitions}/shared/signatures"): (
            row(*DENIED, 200, 200, 200),
            {
                "partner_a": sorted([sig(world, "a"), sig(world, "ab")]),
                "partner_b": sorted([sig(world, "b"), sig(world, "ab")]),
                "organiser": [sig(world, "organiser")],
            },
        ),
        ("GET", f"{petitions}/a-only/signatures"): (
            row(*DENIED, 200, 404, 200),
            {"partner_a": [sig(world, "a_elsewhere")], "organiser": []},
        ),
        ("GET", f"{petitions}/shared/signatures/{s['a'].pk}"): (row(*DENIED, 200, 404, 404), {}),
        ("GET", f"{petitions}/shared/signatures/{s['ab'].pk}"): (row(*DENIED, 200, 200, 404), {}),
        ("GET", f"{petitions}/shared/signatures/{s['organiser'].pk}"): (
            row(*DENIED, 404, 404, 200),
            {},
        ),
        ("GET", f"{petitions}/shared/signatures/{s['none'].pk}"): (row(*DENIED, 404, 404, 404), {}),
        ("GET", f"{petitions}/shared/signatures/{s['a_pending'].pk}"): (
            row(*DENIED, 404, 404, 404),
            {},
        ),
        ("GET", f"{petitions}/shared/signatures/{s['a_withdrew'].pk}"): (
            row(*DENIED, 404, 404, 404),
            {},
        ),
        # A's supporter on A's campaign, asked for under the shared one: not there.
        ("GET", f"{petitions}/shared/signatures/{s['a_elsewhere'].pk}"): (
            row(*DENIED, 404, 404, 404),
            {},
        ),
        ("POST", f"{petitions}/shared/record_signature_helper"): (
            row(*DENIED, 202, 202, 202),
            {},
        ),
        ("POST", f"{petitions}/a-only/record_signature_helper"): (
            row(*DENIED, 202, 404, 202),
            {},
        ),
        ("POST", f"{petitions}/a-draft/record_signature_helper"): (
            row(*DENIED, 404, 404, 404),
            {},
        ),
    }


def test_every_endpoint_answers_each_key_exactly(world):
    seen, wanted = {}, {}
    for n, ((method, path), (statuses, record_sets)) in enumerate(expected(world).items()):
        for who in WHO:
            body = person(f"new{n}-{who}@example.org") if method == "POST" else None
            response = ask(world, who, method, path, body)
            assert response["Content-Type"] == "application/hal+json", (path, who)
            if method == "GET":
                head = ask(world, who, "HEAD", path)
                assert (head.status_code, head.content) == (response.status_code, b""), path
            got = records(response) if response.status_code == 200 else None
            seen[(method, path, who)] = (response.status_code, got if who in record_sets else None)
            wanted[(method, path, who)] = (statuses[who], record_sets.get(who))
    wrong = {key: (seen[key], wanted[key]) for key in wanted if seen[key] != wanted[key]}
    assert wrong == {}, "(method, path, who): (got, expected)"


def test_a_refusal_says_why_in_an_osdi_error_body(world):
    assert ask(world, "no_key", "GET", "/api/v1/petitions").json() == {
        "osdi:error": {
            "request_type": "atomic",
            "response_code": 401,
            "resource_status": [
                {
                    "resource": "osdi:petition",
                    "response_code": 401,
                    "error_descriptions": [
                        {
                            "error_code": "NO_API_KEY",
                            "description": "Send your API key in the OSDI-API-Token header.",
                        }
                    ],
                }
            ],
        }
    }
    revoked = ask(world, "revoked", "GET", "/api/v1/petitions").json()
    assert revoked["osdi:error"]["resource_status"][0]["error_descriptions"][0]["error_code"] == (
        "INVALID_API_KEY"
    )


def test_a_partner_key_reads_only_what_its_supporters_gave_it(world):
    """No comment (only the organisation reads those), and the consent it holds."""
    world.signatures["ab"].comment = "A comment for the organisers."
    world.signatures["ab"].save(update_fields=["comment"])
    path = f"/api/v1/petitions/shared/signatures/{world.signatures['ab'].pk}"
    body = ask(world, "partner_a", "GET", path).json()
    assert "comments" not in body
    assert [c["text"] for c in body["undersigned:consent"]] == [
        "Yes, Partner A may e-mail me about their work."
    ]
    assert body["_embedded"]["osdi:person"]["email_addresses"] == [
        {"address": "ab@example.org", "primary": True}
    ]


def test_every_read_of_supporters_is_in_the_audit_log(world):
    before = AuditEntry.objects.filter(action="api_read").count()
    ask(world, "partner_a", "GET", "/api/v1/petitions/shared/signatures")
    ask(
        world, "partner_b", "GET", f"/api/v1/petitions/shared/signatures/{world.signatures['b'].pk}"
    )
    ask(world, "partner_a", "GET", "/api/v1/petitions")  # campaigns only: no personal data
    entries = list(AuditEntry.objects.filter(action="api_read").order_by("id"))[before:]
    assert [(e.detail["partner"], sorted(e.detail["signatures"])) for e in entries] == [
        (
            world.partner_a.pk,
            sorted([str(world.signatures["a"].pk), str(world.signatures["ab"].pk)]),
        ),
        (world.partner_b.pk, [str(world.signatures["b"].pk)]),
    ]
