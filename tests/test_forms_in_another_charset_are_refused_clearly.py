"""A form posted in another character set than UTF-8 gets a 400, never a 500.

Django refuses such a form when something reads request.POST, which the CSRF
check does first; its 400 page then runs the CSRF check again, which fails
the same way, and the client got a 500. The answer now comes before either.
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from .conftest import form_data

pytestmark = pytest.mark.django_db

CHARSETS = ["utf-16", "latin-1", "iso-8859-1", "ascii", "utf-32", "utf8", "windows-1252"]


def every_path(slug: str) -> list[str]:
    """Every URL of the site, its arguments filled in (private links with made-up tokens)."""
    found = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and not str(pattern.pattern).startswith("^"):
                found.append(prefix + re.sub(r"<(?:(\w+):)?(\w+)>", value, str(pattern.pattern)))

    def value(match: re.Match) -> str:
        converter, name = match.groups()
        if converter == "uuid":
            return str(uuid.uuid4())
        if name == "slug":
            return slug
        return "1" if converter == "int" else "x1"

    walk(get_resolver().url_patterns, "/")
    return found


def test_every_post_endpoint_refuses_a_form_in_another_charset(campaign):
    paths = every_path(campaign.slug)
    for needed in ("/c/stop-face-surveillance/sign/", "/admin/login/", "/device/forget/"):
        assert needed in paths
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    # A browser's CSRF cookie and token, as after visiting the page.
    page = client.get(campaign.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    fields = form_data(csrfmiddlewaretoken=token, first_name="Zoë")
    wrong = []
    for path in paths:
        for charset in CHARSETS:
            body = urlencode(
                fields, encoding="utf-8" if charset == "utf8" else charset, errors="replace"
            )
            for content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
                response = client.generic(
                    "POST", path, body, content_type=f"{content_type}; charset={charset}"
                )
                if response.status_code != 400:
                    wrong.append(f"{path} {content_type} {charset}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)


def test_the_answer_is_the_sites_own_page(campaign):
    response = Client(raise_request_exception=False).generic(
        "POST",
        f"/c/{campaign.slug}/sign/",
        urlencode(form_data(), encoding="utf-16"),
        content_type="application/x-www-form-urlencoded; charset=UTF-16",
    )
    assert response.status_code == 400
    assert "Something in that request was not right" in response.content.decode()


def test_a_form_in_utf_8_still_signs(campaign, outbox):
    for charset in ("utf-8", "UTF-8", None):
        content_type = "application/x-www-form-urlencoded"
        if charset:
            content_type += f"; charset={charset}"
        response = Client().generic(
            "POST",
            f"/c/{campaign.slug}/sign/",
            urlencode(form_data(first_name="Zoë", email=f"zoe.{charset}@example.org")),
            content_type=content_type,
        )
        assert response.status_code == 200, charset
        assert "Check your e-mail" in response.content.decode()
