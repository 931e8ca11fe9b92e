"""HAL+JSON answers in OSDI's shapes: resources, paginated collections and
error bodies (docs/api.md).

Every answer of /api/v1/, errors included, is JSON with the content type
`application/hal+json`; an error carries an `osdi:error` object with one
resource status and its error descriptions, each naming the properties of
the request that caused it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

CONTENT_TYPE = "application/hal+json"
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
# Collections page at most this deep: beyond it, ask for larger pages.
MAX_PAGE = 100_000


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def link(path: str, **extra: Any) -> dict[str, Any]:
    return {"href": absolute(path), **extra}


def curies() -> list[dict[str, Any]]:
    """Where the `osdi:` relations are documented (HAL's curies)."""
    return [
        {
            "name": "osdi",
            "href": "https://opensupporter.github.io/osdi-docs/{rel}.html",
            "templated": True,
        }
    ]


def hal(body: dict[str, Any], *, status: int = 200, private: bool = False) -> HttpResponse:
    """A HAL+JSON answer. `private`: it carries personal data, so no cache may keep it."""
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type=CONTENT_TYPE, status=status
    )
    response["Cache-Control"] = "no-store" if private else "private, max-age=0, must-revalidate"
    return response


@dataclass
class Problem:
    """One error description (OSDI's ErrorDescription)."""

    code: str
    description: str
    properties: list[str] = field(default_factory=list)
    hint: str = ""

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error_code": self.code, "description": self.description}
        if self.properties:
            body["properties"] = self.properties
        if self.hint:
            body["hint"] = self.hint
        return body


class ApiError(Exception):
    """Raised by a view to answer an OSDI error body with this status."""

    def __init__(self, status: int, problems: Sequence[Problem], resource: str = "osdi:petition"):
        super().__init__(status)
        self.status = status
        self.problems = list(problems)
        self.resource = resource


def error(status: int, problems: Sequence[Problem], *, resource: str = "") -> HttpResponse:
    body = {
        "osdi:error": {
            "request_type": "atomic",
            "response_code": status,
            "resource_status": [
                {
                    "resource": resource or "osdi:petition",
                    "response_code": status,
                    "error_descriptions": [problem.as_json() for problem in problems],
                }
            ],
        }
    }
    response = hal(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def simple_error(status: int, code: str, description: str, **headers: str) -> HttpResponse:
    response = error(status, [Problem(code, description)])
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def not_found() -> ApiError:
    return ApiError(404, [Problem("NOT_FOUND", _("There is nothing here for this key."))])


@dataclass
class Page:
    number: int
    per_page: int


def page_of(request: HttpRequest) -> Page:
    """OSDI's `page` (from 1) and `per_page` (1 to 100); ApiError 400 otherwise."""
    problems = []
    values = {}
    for name, default, highest in (
        ("page", 1, MAX_PAGE),
        ("per_page", DEFAULT_PER_PAGE, MAX_PER_PAGE),
    ):
        raw = request.GET.get(name, "")
        if raw == "":
            values[name] = default
            continue
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= highest):
            problems.append(
                Problem(
                    "INVALID_PAGINATION",
                    _("%(name)s must be a whole number from 1 to %(highest)d.")
                    % {"name": name, "highest": highest},
                    [name],
                )
            )
            continue
        values[name] = int(raw)
    if problems:
        raise ApiError(400, problems)
    return Page(values["page"], values["per_page"])


def collection(
    request: HttpRequest,
    *,
    url_name: str,
    args: Sequence[Any],
    relation: str,
    rows: Any,
    total: int,
    represent: Callable[[Any], dict[str, Any]],
    page: Page,
    private: bool = False,
) -> HttpResponse:
    """A page of a collection: the counts, the links (self, next, previous) and the
    rows embedded under `relation`, as OSDI's collection scenarios show them."""
    path = reverse(url_name, args=args)
    pages = max(1, math.ceil(total / page.per_page))

    def page_link(number: int) -> dict[str, Any]:
        return link(f"{path}?{urlencode({'page': number, 'per_page': page.per_page})}")

    items = [represent(row) for row in rows]
    links: dict[str, Any] = {"self": page_link(page.number), "curies": curies()}
    if page.number < pages:
        links["next"] = page_link(page.number + 1)
    if page.number > 1:
        links["previous"] = page_link(min(page.number - 1, pages))
    links[relation] = [item["_links"]["self"] for item in items]
    body = {
        "total_pages": pages,
        "per_page": page.per_page,
        "page": page.number,
        "total_records": total,
        "_links": links,
        "_embedded": {relation: items},
    }
    return hal(body, private=private)
