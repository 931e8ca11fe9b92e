"""What the site answers before and after the views: requests refused before
any view (or Django's CSRF check) reads their body, and errors.

- A body larger than the site takes answers 413 at once, unread: nothing is
  spooled to disk or held in memory. Supporters' forms are a few kilobytes,
  so anyone may send REQUEST_MAX_BYTES; signed-in staff (second factor
  passed) may send up to STAFF_UPLOAD_MAX_BYTES, for the area importers.
  A body without a Content-Length (chunked) is never read by Django at all.
- A form in another character set than UTF-8 answers 400. Django refuses
  such a form only when something reads request.POST, which the CSRF check
  does first, and its 400 page runs the CSRF check again: a 500.

The limits are checked against the declared Content-Length, which is all a
server knows before reading; Django never reads past it.

- While the database cannot be reached, a request answers 503 with
  Retry-After, not 500: proxies, monitors and browsers can tell an outage
  (try again soon) from a bug (server_error, the site's handler500).

Under /api/ each of these answers JSON, in the OSDI error shape the API's
own errors have (api/hal.py), so a client reads every refusal the same way.
"""

from __future__ import annotations

import json
import sys

from django.conf import settings
from django.contrib import admin
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_header_parameters

from undersigned.staff.roles import may_organise


class RequestBodyGuard:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return refusal(request) or self.get_response(request)


def refusal(request: HttpRequest) -> HttpResponse | None:
    declared = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(declared)
    except ValueError:
        length = -1
    if length < 0:
        return refused(request, 400, "BAD_REQUEST", "The Content-Length is not a number.")
    if length > settings.REQUEST_MAX_BYTES and not may_upload(request, length):
        return refused(request, 413, "TOO_LARGE", "The request is larger than this site takes.")
    _type, parameters = parse_header_parameters(request.META.get("CONTENT_TYPE", ""))
    charset = parameters.get("charset")
    if charset is not None and charset.strip().lower() != "utf-8":
        return refused(request, 400, "NOT_UTF8", "Send the request in UTF-8.")
    return None


def refused(request: HttpRequest, status: int, code: str, description: str) -> HttpResponse:
    if is_api(request):
        return api_error(status, code, description)
    return render(request, f"{status}.html", status=status)


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, description: str) -> HttpResponse:
    """An error in OSDI's shape (api/hal.py writes the API's own)."""
    body = {
        "osdi:error": {
            "request_type": "atomic",
            "response_code": status,
            "resource_status": [
                {
                    "resource": "osdi:request",
                    "response_code": status,
                    "error_descriptions": [{"error_code": code, "description": description}],
                }
            ],
        }
    }
    response = HttpResponse(json.dumps(body), content_type="application/hal+json", status=status)
    add_never_cache_headers(response)
    return response


def may_upload(request: HttpRequest, length: int) -> bool:
    """Whether staff, signed in to the admin, or organisers signed in to the
    workspace (second factor passed), are sending this much."""
    return length <= settings.STAFF_UPLOAD_MAX_BYTES and (
        admin.site.has_permission(request) or may_organise(request)
    )


# How long a client should wait before trying again during an outage.
RETRY_AFTER_SECONDS = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """The site's handler500: 503 with Retry-After if the database is out of
    reach, 500 otherwise.

    Django calls it while handling the exception, which is therefore still in
    flight. The pages are static templates rendered without a request (as
    Django's own handler does): an error page must not need the database.
    """
    if is_outage(sys.exc_info()[1]):
        if is_api(request):
            response = api_error(
                503,
                "UNAVAILABLE",
                "The database is out of reach for a moment: try again in a minute.",
            )
        else:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        add_never_cache_headers(response)
        return response
    if is_api(request):
        return api_error(500, "SERVER_ERROR", "Something went wrong on our side.")
    return HttpResponse(loader.get_template("500.html").render(), status=500)


def is_outage(error: BaseException | None) -> bool:
    """Whether the error, or one it arose from, is the database being unreachable
    (refused, dropped, locked for longer than the busy timeout)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OperationalError | InterfaceError):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False
