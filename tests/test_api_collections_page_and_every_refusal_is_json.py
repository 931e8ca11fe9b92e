"""The API's collections page as OSDI's do (page, per_page, total_records,
next and previous links), and every refusal, wherever it comes from (a bad
parameter, a wrong method, an unknown path, a body too large), is an OSDI
error body in JSON with the right status."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from undersigned.integrations.keys import create_key

from .conftest import make_campaign
from .partners_tools import consent_to, supporter

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(db):
    campaign = make_campaign(slug="paged")
    for n in range(5):
        supporter(campaign, f"s{n}@example.org", consent_to(campaign, None))
    return create_key("CRM", actor="test", scopes=["campaigns:read", "supporters:read"]).token


def get(token, path, **params):
    return Client().get(path, params, HTTP_OSDI_API_TOKEN=token)


def codes(response) -> list[str]:
    statuses = response.json()["osdi:error"]["resource_status"]
    return [d["error_code"] for s in statuses for d in s["error_descriptions"]]


def test_pages_link_to_each_other_and_count_everything(token):
    path = "/api/v1/petitions/paged/signatures"
    first = get(token, path, per_page=2).json()
    assert (first["total_records"], first["total_pages"], first["page"]) == (5, 3, 1)
    assert "previous" not in first["_links"]
    second = get(token, first["_links"]["next"]["href"].removeprefix("http://testserver")).json()
    assert second["page"] == 2
    assert second["_links"]["previous"]["href"].endswith("page=1&per_page=2")
    last = get(token, path, page=3, per_page=2).json()
    assert "next" not in last["_links"] and len(last["_embedded"]["osdi:signatures"]) == 1
    beyond = get(token, path, page=9, per_page=2)
    assert beyond.status_code == 200
    assert beyond.json()["_embedded"]["osdi:signatures"] == []
    everyone = [
        s["identifiers"][0]
        for page in (first, second, last)
        for s in page["_embedded"]["osdi:signatures"]
    ]
    assert len(set(everyone)) == 5


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "0"},
        {"per_page": "101"},
        {"page": "-1"},
        {"page": "x"},
        {"page": "\u0661"},  # an Arabic-Indic digit one
        {"per_page": "2.5"},
    ],
)
def test_a_bad_page_is_a_400(token, params):
    response = get(token, "/api/v1/petitions/paged/signatures", **params)
    assert response.status_code == 400
    assert codes(response) == ["INVALID_PAGINATION"]


def test_wrong_methods_unknown_paths_and_large_bodies_answer_json(token):
    client = Client()
    headers = {"HTTP_OSDI_API_TOKEN": token}
    wrong_method = client.post("/api/v1/petitions", {}, **headers)
    assert (wrong_method.status_code, wrong_method["Allow"]) == (405, "GET, HEAD")
    assert codes(wrong_method) == ["METHOD_NOT_ALLOWED"]
    get_helper = client.get("/api/v1/petitions/paged/record_signature_helper", **headers)
    assert (get_helper.status_code, get_helper["Allow"]) == (405, "POST")
    unknown = client.get("/api/v1/people", **headers)
    assert (unknown.status_code, codes(unknown)) == (404, ["NOT_FOUND"])
    too_large = client.post(
        "/api/v1/petitions/paged/record_signature_helper",
        json.dumps({"comments": "x" * 70_000}),
        content_type="application/json",
        **headers,
    )
    assert too_large.status_code == 413
    assert codes(too_large) == ["TOO_LARGE"]
    for response in (wrong_method, get_helper, unknown, too_large):
        assert response["Content-Type"] == "application/hal+json"
