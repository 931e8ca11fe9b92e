"""Every page forbids loading from other origins and being framed."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part for part in (p.strip() for p in policy.split(";")) if part}


@pytest.mark.parametrize("name", ["home", "campaign", "api_count"])
def test_public_responses_carry_a_same_origin_policy(client, campaign, name):
    args = [] if name == "home" else [campaign.slug]
    response = client.get(reverse(name, args=args))
    policy = directives(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["style-src"] == "style-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert policy["form-action"] == "form-action 'self'"
    assert "http" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "camera=()" in response["Permissions-Policy"]


def test_each_response_gets_a_fresh_script_nonce(client, campaign):
    first = directives(client.get("/"))["script-src"]
    second = directives(client.get("/"))["script-src"]
    assert "'nonce-" in first and first != second
